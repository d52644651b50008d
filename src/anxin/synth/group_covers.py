"""Group covers for the synthetic province: rosters drawn from its residents, and a year of claims.

A roster is a persons file (the format ``anxin import persons`` reads, with a group column and the
funder); a claims file is the format ``anxin import claims`` reads. Everything is drawn with NumPy
from the seed, so the same province and seed give the same files.

* :func:`elderly_cover` — residents aged ``min_age`` or more when cover starts, by village, paid by
  the government; accidents: medical bills, hospital stays, a few disabilities and deaths.
* :func:`women_cover` — women of working age in employer groups (whole groups, several units each),
  paid by their union; diagnoses of the program's listed diseases.
* :func:`staff_cover` — the staff of a few hospitals, paid by a donor; a few accidents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from anxin.store.tabular import write_table

_EPOCH = dt.date(1970, 1, 1)
#: Claims per insured person in a year, and the mix of accident claims.
_ACCIDENT_RATE = 0.03
_DISABILITY_SHARE = 0.05
_DEATH_SHARE = 0.012
_STAY_SHARE = 0.6
_DIAGNOSIS_RATE = 0.004


@dataclass(frozen=True)
class Cover:
    """The period of cover of a program year (both days included)."""

    starts: dt.date
    ends: dt.date

    def days(self) -> int:
        return (self.ends - self.starts).days + 1


def _born(certno: pl.Expr) -> pl.Expr:
    return certno.str.slice(6, 8).str.to_date("%Y%m%d")


def _age_on(frame: pl.DataFrame, day: dt.date) -> pl.Series:
    """Full years of age (周岁) on ``day``."""
    born = frame["born"]
    before_birthday = (born.dt.month() > day.month) | (
        (born.dt.month() == day.month) & (born.dt.day() > day.day)
    )
    return day.year - born.dt.year() - before_birthday.cast(pl.Int32)


def _residents(persons: Path) -> pl.DataFrame:
    return pl.read_parquet(
        persons, columns=["psn_no", "certno", "sex", "region_code", "city_name"]
    ).with_columns(born=_born(pl.col("certno")))


def _date(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _yuan(fen: np.ndarray) -> list[str]:
    return [f"{v // 100}.{v % 100:02d}" for v in fen.tolist()]


def elderly_cover(
    out: Path, persons: Path, *, cover: Cover, min_age: int, share: float, premium_fen: int, seed: int
) -> dict[str, Path]:
    """The roster (``share`` of the residents aged ``min_age`` or more) and its claims."""
    rng = np.random.default_rng(seed)
    people = _residents(persons)
    old = people.filter(_age_on(people, cover.starts) >= min_age)
    old = old.filter(pl.Series(rng.random(old.height) < share))
    roster = old.select(
        证件号码="certno",
        人员编号="psn_no",
        村=pl.col("city_name") + pl.col("region_code").str.slice(4, 2) + "村",
        缴费来源=pl.lit("政府"),
        缴费金额=pl.lit(_yuan(np.array([premium_fen]))[0]),
    )
    claims = _accidents(rng, old["psn_no"].to_numpy(), cover, prefix="YL")
    return _written(out, "elderly", roster, claims)


def staff_cover(
    out: Path, persons: Path, *, cover: Cover, hospitals: int, staff: int, seed: int
) -> dict[str, Path]:
    """``hospitals`` hospitals' staff (about ``staff`` adults of working age), paid by a donor."""
    rng = np.random.default_rng(seed)
    people = _residents(persons)
    ages = _age_on(people, cover.starts)
    adults = people.filter((ages >= 22) & (ages < 60))
    picked = adults.sample(min(staff, adults.height), seed=seed, shuffle=True)
    hospital = rng.integers(1, hospitals + 1, picked.height)
    roster = picked.select(
        证件号码="certno",
        人员编号="psn_no",
        单位=pl.Series([f"第{h}人民医院" for h in hospital.tolist()]),
        缴费来源=pl.lit("捐助"),
        缴费金额=pl.lit("0.00"),
    )
    claims = _accidents(rng, picked["psn_no"].to_numpy(), cover, prefix="JZ", rate=_ACCIDENT_RATE / 3)
    return _written(out, "donated", roster, claims)


def women_cover(
    out: Path,
    persons: Path,
    *,
    cover: Cover,
    ages: tuple[int, int],
    group_size: tuple[int, int],
    units: tuple[int, int],
    unit_premium_fen: int,
    diseases: list[str],
    women: int,
    seed: int,
) -> dict[str, Path]:
    """Employer groups of ``group_size`` women aged ``ages`` (all of a group's women join), each
    with ``units`` units; diagnoses of ``diseases`` (the first drawn most often), some in the
    waiting period."""
    rng = np.random.default_rng(seed)
    people = _residents(persons)
    age = _age_on(people, cover.starts)
    eligible = people.filter((pl.col("sex") == "female") & (age >= ages[0]) & (age <= ages[1]))
    picked = eligible.sample(min(women, eligible.height), seed=seed, shuffle=True)
    sizes = rng.integers(group_size[0], group_size[1] + 1, picked.height // group_size[0] + 1)
    group = np.repeat(np.arange(len(sizes)), sizes)[: picked.height]
    last = group == group[-1]
    if last.sum() < group_size[0]:  # too few left for a group of their own: join the one before
        group[last] = max(group[-1] - 1, 0)
    held = rng.integers(units[0], units[1] + 1, picked.height)
    roster = picked.select(
        证件号码="certno",
        人员编号="psn_no",
        单位=pl.Series([f"第{g + 1}纺织厂" for g in group.tolist()]),
        缴费来源=pl.lit("工会"),
        份数=pl.Series([str(u) for u in held.tolist()]),
        符合条件人数=pl.Series(np.bincount(group)[group].astype(str)),
        缴费金额=pl.Series(_yuan(held * unit_premium_fen)),
    )
    ill = rng.random(picked.height) < _DIAGNOSIS_RATE * 10  # a demo shows a few of each
    weights = np.linspace(2.0, 1.0, len(diseases))
    disease = rng.choice(len(diseases), int(ill.sum()), p=weights / weights.sum())
    day = (cover.starts - _EPOCH).days + rng.integers(0, cover.days(), int(ill.sum()))
    claims = pl.DataFrame(
        {
            "赔案号": [f"NX{i:07d}" for i in range(int(ill.sum()))],
            "人员编号": picked["psn_no"].filter(pl.Series(ill)),
            "确诊日期": _date(day),
            "疾病代码": [diseases[d] for d in disease.tolist()],
        }
    )
    return _written(out, "women", roster, claims)


def _accidents(
    rng: np.random.Generator, insured: np.ndarray, cover: Cover, *, prefix: str, rate: float = _ACCIDENT_RATE
) -> pl.DataFrame:
    """Accident claims for ``rate`` of ``insured``: medical bills, stays, disabilities, deaths."""
    hurt = insured[rng.random(len(insured)) < rate]
    n = len(hurt)
    start = (cover.starts - _EPOCH).days
    accident = start + rng.integers(0, cover.days() - 30, n)
    stay = np.where(rng.random(n) < _STAY_SHARE, 1 + rng.geometric(1 / 10, n), 0)
    expense = np.round(rng.lognormal(np.log(150_000), 0.9, n)).astype(np.int64)
    rows: list[pl.DataFrame] = []

    def claims(mask: np.ndarray, kind: str, due: np.ndarray, **extra: object) -> None:
        rows.append(
            pl.DataFrame(
                {
                    "人员编号": hurt[mask],
                    "理赔类型": kind,
                    "责任日期": _date(due[mask]),
                    "事故日期": _date(accident[mask]),
                    **{k: v for k, v in extra.items()},
                }
            )
        )

    everyone = np.ones(n, dtype=bool)
    claims(everyone, "意外医疗", accident + stay + 3, 医疗费用=_yuan(expense))
    stayed = stay > 0
    claims(
        stayed,
        "住院津贴",
        accident + stay,
        入院日期=_date(accident[stayed]),
        出院日期=_date((accident + stay)[stayed]),
    )
    disabled = rng.random(n) < _DISABILITY_SHARE
    grades = rng.choice(np.arange(1, 11), n, p=np.linspace(1, 10, 10) / 55)
    claims(disabled, "伤残", accident + 90, 伤残等级=[str(g) for g in grades[disabled].tolist()])
    died = rng.random(n) < _DEATH_SHARE
    claims(died, "身故", accident + 1)
    frame = pl.concat(rows, how="diagonal_relaxed").sort("责任日期", "人员编号")
    frame = frame.with_columns(pl.col(pl.Null).cast(pl.String))  # a column no claim filled
    number = pl.Series([f"{prefix}{i:07d}" for i in range(frame.height)])
    return frame.select(pl.lit(number).alias("赔案号"), pl.all())


def _written(out: Path, name: str, roster: pl.DataFrame, claims: pl.DataFrame) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"roster": out / f"roster-{name}.parquet", "claims": out / f"claims-{name}.parquet"}
    write_table(roster, paths["roster"])
    write_table(claims, paths["claims"])
    return paths
