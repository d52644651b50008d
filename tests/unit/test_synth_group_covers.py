"""The synthetic group covers: rosters drawn from the province by the programs' rules, claims of
the roster's members inside the period of cover, the same files for the same seed."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from anxin.synth import write_province_chunked
from anxin.synth.group_covers import Cover, elderly_cover, staff_cover, women_cover

COVER = Cover(dt.date(2023, 12, 1), dt.date(2024, 11, 30))


@pytest.fixture(scope="module")
def persons(tmp_path_factory):
    return write_province_chunked(tmp_path_factory.mktemp("province"), persons=6000, seed=5, year=2023)[
        "persons"
    ]


def _age(certno: pl.Expr, day: dt.date) -> pl.Expr:
    born = certno.str.slice(6, 8).str.to_date("%Y%m%d")
    later = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day()) > day.month * 100 + day.day
    return day.year - born.dt.year() - later.cast(pl.Int32)


def test_elderly_roster_and_claims(persons, tmp_path):
    paths = elderly_cover(tmp_path, persons, cover=COVER, min_age=60, share=0.8, premium_fen=2400, seed=3)
    roster, claims = pl.read_parquet(paths["roster"]), pl.read_parquet(paths["claims"])
    assert roster.height > 500
    assert roster.select(_age(pl.col("证件号码"), COVER.starts).min()).item() >= 60
    assert set(roster["缴费金额"]) == {"24.00"} and set(roster["缴费来源"]) == {"政府"}
    assert claims["人员编号"].is_in(roster["人员编号"].implode()).all()
    assert claims["赔案号"].is_unique().all()
    assert {"意外医疗", "住院津贴"} <= set(claims["理赔类型"])
    accident = claims["事故日期"]
    assert accident.min() >= COVER.starts and accident.max() <= COVER.ends
    again = elderly_cover(
        tmp_path / "again", persons, cover=COVER, min_age=60, share=0.8, premium_fen=2400, seed=3
    )
    assert pl.read_parquet(again["claims"]).equals(claims)


def test_women_in_whole_groups(persons, tmp_path):
    cover = Cover(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    paths = women_cover(
        tmp_path, persons, cover=cover, ages=(16, 60), group_size=(8, 20), units=(1, 3),
        unit_premium_fen=2000, diseases=["breast_cancer", "cervical_cancer"], women=400, seed=2,
    )  # fmt: skip
    roster, claims = pl.read_parquet(paths["roster"]), pl.read_parquet(paths["claims"])
    assert roster.height == 400
    sizes = roster.group_by("单位").agg(pl.len(), pl.col("符合条件人数").unique())
    assert sizes["len"].min() >= 8
    assert (sizes["符合条件人数"].list.len() == 1).all()
    assert (sizes["符合条件人数"].list.first().cast(pl.UInt32) == sizes["len"]).all()  # every woman joins
    units = roster["份数"].cast(pl.Int64)
    assert units.min() >= 1 and units.max() <= 3
    assert (roster["缴费金额"] == (units * 20).cast(pl.String) + ".00").all()
    ages = roster.select(_age(pl.col("证件号码"), cover.starts))
    assert ages.min().item() >= 16 and ages.max().item() <= 60
    assert set(claims["疾病代码"]) <= {"breast_cancer", "cervical_cancer"}
    assert claims["人员编号"].is_in(roster["人员编号"].implode()).all()


def test_donated_staff_cover(persons, tmp_path):
    paths = staff_cover(tmp_path, persons, cover=COVER, hospitals=3, staff=800, seed=4)
    roster, claims = pl.read_parquet(paths["roster"]), pl.read_parquet(paths["claims"])
    assert roster.height == 800 and roster["单位"].n_unique() == 3
    assert set(roster["缴费来源"]) == {"捐助"}
    assert claims.height > 0 and claims["人员编号"].is_in(roster["人员编号"].implode()).all()
