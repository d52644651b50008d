"""Insured residents of the synthetic province, drawn a block at a time.

Everything is drawn with NumPy over whole blocks; strings are assembled by Polars. A person's resident
ID number is consistent with their sex, birth date and county, passes ``stdnum.cn.ric.validate``, and
is unique across the whole province (see :class:`IdSequenceCounter`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.vulnerability import VulnerableGroup
from anxin.synth.names import draw_mobile_numbers, draw_names
from anxin.synth.regions import SHANDONG_CITIES, CountyTable

MAX_AGE = 95
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARACTERS = "10X98765432"
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)
_EPOCH = dt.date(1970, 1, 1)


def _age_weights() -> np.ndarray:
    """Relative size of each age 0–95 among people in residents' basic medical insurance.

    Children and students are almost all in it; working-age adults mostly have employee insurance
    unless rural or without a job; the elderly are over-represented.
    """
    bands = [(0, 7, 1.25), (7, 18, 1.35), (18, 23, 0.9), (23, 35, 0.55), (35, 45, 0.7),
             (45, 60, 1.1), (60, 70, 1.35), (70, 80, 1.0), (80, 90, 0.45), (90, 96, 0.12)]  # fmt: skip
    weights = np.zeros(MAX_AGE + 1)
    for low, high, weight in bands:
        weights[low:high] = weight
    return weights / weights.sum()


AGE_DISTRIBUTION = _age_weights()
_AGES = np.arange(MAX_AGE + 1)
#: Share of men by age: more boys at birth, more women among the old.
_MALE_SHARE = np.select([_AGES < 18, _AGES < 60, _AGES < 80], [0.53, 0.5, 0.47], 0.4)
#: Registered vulnerable people are older on average: relative likelihood by age (mean 1).
_VULNERABLE_TILT = np.where(_AGES >= 60, 1.6, 1.0) / float(
    (np.where(_AGES >= 60, 1.6, 1.0) * AGE_DISTRIBUTION).sum()
)
#: The order matters: index 1.. in :attr:`PersonBlock.vulnerable`; 0 means none.
VULNERABLE_CODES = (
    VulnerableGroup.EXTREME_POVERTY.value,
    VulnerableGroup.SUBSISTENCE_ALLOWANCE.value,
    VulnerableGroup.RETURNED_TO_POVERTY.value,
)
_VULNERABLE_MIX = np.array([0.2, 0.6, 0.2])
#: Share of people registered in another county of their city than the one they live in.
_MOVED_SHARE = 0.1


def vulnerable_likelihood(share: float) -> np.ndarray:
    """Chance, by age, of being a registered vulnerable person, averaging ``share`` over the province."""
    if share * float(_VULNERABLE_TILT.max()) <= 1.0:
        return share * _VULNERABLE_TILT
    return np.full(MAX_AGE + 1, share)


def check_characters(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters (as indexes into ``"10X98765432"``) for 17-digit int64 numbers."""
    total = np.zeros(len(first17), dtype=np.int64)
    for power, weight in zip(_POWERS, _ID_WEIGHTS, strict=True):
        total += (first17 // power) % 10 * weight
    return total % 11


def check_character_strings(first17: np.ndarray) -> pl.Series:
    return pl.Series(list(_CHECK_CHARACTERS), dtype=pl.String).gather(check_characters(first17))


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01, the physical value of a Polars ``Date``."""
    return (day - _EPOCH).days


class IdSequenceCounter:
    """Hands out the 3-digit sequence of resident IDs so that no two people share a number.

    A cell is (region code, birth date, sex); it holds at most 500 people (odd sequences are men,
    even ones women). The counter remembers how many numbers each cell has given out in earlier
    blocks, so blocks generated in order get distinct numbers, whatever the chunking.
    """

    def __init__(self, table: CountyTable, seed: int) -> None:
        self._first_day = day_number(dt.date(table.first_birth_year, 1, 1))
        self._days = day_number(dt.date(table.year, 1, 1)) - self._first_day
        self._used = np.zeros(len(table.id_codes) * self._days * 2, dtype=np.int16)
        self._mix = np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)

    def assign(self, code_index: np.ndarray, birth_day: np.ndarray, male: np.ndarray) -> np.ndarray:
        """Sequences 000–999 (odd for men) for one block of people."""
        cell = (code_index * self._days + (birth_day - self._first_day)) * 2 + male
        order = np.argsort(cell, kind="stable")
        ordered = cell[order]
        starts = np.ones(len(ordered), dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        positions = np.arange(len(ordered))
        group_start = np.maximum.accumulate(np.where(starts, positions, 0))
        rank = np.empty(len(cell), dtype=np.int64)
        rank[order] = positions - group_start
        cells = ordered[starts]
        sizes = np.diff(np.append(np.flatnonzero(starts), len(ordered)))
        if len(cells) and int((self._used[cells] + sizes).max()) > 500:
            raise InvalidInput(
                "同一地区、出生日期和性别的人数超过身份证顺序码容量（500），请减少人数",
                "more than 500 people share a region, birth date and sex: ID sequence numbers run out",
            )
        scrambled = (cell.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9) + self._mix) >> np.uint64(40)
        half = (scrambled.astype(np.int64) + self._used[cell] + rank) % 500
        self._used[cells] += sizes.astype(np.int16)
        return half * 2 + male


@dataclass(frozen=True, slots=True)
class PersonBlock:
    """A block of people: the public frame, plus the arrays settlements are drawn from."""

    frame: pl.DataFrame
    age: np.ndarray  # completed years on 1 January of the data year
    county: np.ndarray  # index into CountyTable.county_codes (where they live and are insured)
    vulnerable: np.ndarray  # 0 none, else 1 + index into VULNERABLE_CODES


def _jan_first_days(first_year: int, last_year: int) -> np.ndarray:
    return np.array([day_number(dt.date(y, 1, 1)) for y in range(first_year, last_year + 2)], dtype=np.int64)


def generate_persons(
    rng: np.random.Generator,
    *,
    first_index: int,
    size: int,
    table: CountyTable,
    vulnerable_share: float,
    counter: IdSequenceCounter,
) -> PersonBlock:
    """``size`` people numbered from ``first_index`` (their ``psn_no`` follows that number)."""
    year = table.year
    age = rng.choice(MAX_AGE + 1, size=size, p=AGE_DISTRIBUTION)
    birth_year = year - 1 - age
    jan_first = _jan_first_days(table.first_birth_year, year)
    year_offset = birth_year - table.first_birth_year
    year_length = jan_first[year_offset + 1] - jan_first[year_offset]
    birth_day = jan_first[year_offset] + (rng.random(size) * year_length).astype(np.int64)
    male = (rng.random(size) < _MALE_SHARE[age]).astype(np.int64)

    county = rng.choice(len(table.county_codes), size=size, p=table.county_weights)
    by_city = np.argsort(table.county_city, kind="stable")
    city_size = np.bincount(table.county_city)
    city_start = np.concatenate([[0], np.cumsum(city_size)[:-1]])
    city = table.county_city[county]
    elsewhere = by_city[city_start[city] + (rng.random(size) * city_size[city]).astype(np.int64)]
    registered = np.where(rng.random(size) < _MOVED_SHARE, elsewhere, county)
    slot = table.offsets[registered, year_offset]
    pick = (rng.random(size) * table.counts[registered, year_offset]).astype(np.int64)
    code_index = table.candidates[slot + pick]
    sequence = counter.assign(code_index, birth_day, male)

    vulnerable_draw = rng.random(size) < vulnerable_likelihood(vulnerable_share)[age]
    group = rng.choice(len(VULNERABLE_CODES), size=size, p=_VULNERABLE_MIX)
    vulnerable = np.where(vulnerable_draw, group + 1, 0).astype(np.int8)
    names = draw_names(rng, male.astype(bool), birth_year < 1985)
    phones = draw_mobile_numbers(rng, size)

    birth_dates = pl.Series("birth_date", birth_day.astype(np.int32)).cast(pl.Date)
    ymd = (
        birth_dates.dt.year().cast(pl.Int64) * 10_000
        + birth_dates.dt.month().cast(pl.Int64) * 100
        + birth_dates.dt.day().cast(pl.Int64)
    ).to_numpy()
    first17 = table.id_codes[code_index] * 10**11 + ymd * 1_000 + sequence
    certno = pl.Series(first17).cast(pl.String) + check_character_strings(first17)

    county_text = pl.Series([str(c) for c in table.county_codes], dtype=pl.String)
    city_codes = list(SHANDONG_CITIES)
    psn_no = 37 * 10**14 + 10**13 + first_index + np.arange(size, dtype=np.int64)
    frame = pl.DataFrame(
        {
            "psn_no": pl.Series(psn_no).cast(pl.String),
            "certno": certno,
            "name": names,
            "sex": pl.Series(["female", "male"], dtype=pl.String).gather(male),
            "birth_date": birth_dates,
            "region_code": county_text.gather(county),
            "city_code": pl.Series(city_codes, dtype=pl.String).gather(city),
            "city_name": pl.Series([SHANDONG_CITIES[c] for c in city_codes], dtype=pl.String).gather(city),
            "vulnerable_group": pl.Series([None, *VULNERABLE_CODES], dtype=pl.String).gather(vulnerable),
            "phone": phones,
        }
    )
    return PersonBlock(frame=frame, age=age, county=county, vulnerable=vulnerable)
