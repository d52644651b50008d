"""Shandong's prefecture cities and counties, and which resident-ID region codes their people carry.

County codes and their validity years come from python-stdnum's ``cn/loc`` database, the same data
``stdnum.cn.ric.validate`` checks an ID against: a code is accepted only for birth years inside its
validity range (``[1983-]历下区`` is valid from 1983 on). People *live* in today's counties; the code
in their ID number is chosen, per birth year, from codes that were valid when they were born, in this
order of preference:

1. the county they live in (or were registered in), if its code was valid in the birth year;
2. an earlier code of the same county (same name) under the same city prefix, e.g. 章丘县 → 章丘区;
3. any county code under the same city prefix (the city existed, the county did not yet);
4. the city's own code or its ``市辖区`` code (stdnum gives 370300 淄博市 no end dates, so older
   people of 淄博 carry it);
5. a code of the prefecture that preceded the city, same county name (临沂地区 郯城县 372822);
6. any other code of an area that belongs to the city today.

Steps 5–6 are needed because twelve of the sixteen cities only got their codes between 1982 and 2000
(临沂 3713 in 1994, 菏泽 3717 in 2000), so an older person's ID carries the old prefecture's prefix,
as it does in real life. Everyone born in a year when a code of their city was valid carries the
city's prefix.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from stdnum import numdb

#: The sixteen prefecture-level cities of Shandong (since 莱芜 joined 济南 in 2019).
SHANDONG_CITIES: dict[str, str] = {
    "370100": "济南市",
    "370200": "青岛市",
    "370300": "淄博市",
    "370400": "枣庄市",
    "370500": "东营市",
    "370600": "烟台市",
    "370700": "潍坊市",
    "370800": "济宁市",
    "370900": "泰安市",
    "371000": "威海市",
    "371100": "日照市",
    "371300": "临沂市",
    "371400": "德州市",
    "371500": "聊城市",
    "371600": "滨州市",
    "371700": "菏泽市",
}

#: Resident population in 10,000s (2020 census, rounded): the weight of each city in the province.
CITY_POPULATION_WAN: dict[str, float] = {
    "370100": 920,
    "370200": 1007,
    "370300": 470,
    "370400": 386,
    "370500": 219,
    "370600": 710,
    "370700": 939,
    "370800": 836,
    "370900": 564,
    "371000": 291,
    "371100": 297,
    "371300": 1102,
    "371400": 561,
    "371500": 595,
    "371600": 393,
    "371700": 880,
}

#: The first data year for which all sixteen city prefixes exist (滨州 and 菏泽 became cities in 2000).
#: Before 2019 莱芜 (3712) was a city of its own; it is not modelled, its people are simply absent.
FIRST_SUPPORTED_YEAR = 2000

_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_OPEN_START = -10_000
_OPEN_END = 10_000


@dataclass(frozen=True, slots=True)
class RegionCode:
    """One 6-digit code of ``cn/loc`` with its names and validity periods (inclusive years)."""

    code: str
    periods: tuple[tuple[int, int, str], ...]

    def valid_in(self, year: int) -> bool:
        return any(start <= year <= end for start, end, _ in self.periods)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for _, _, name in self.periods)


def base_name(name: str) -> str:
    """A place name without its administrative suffix: ``章丘县`` / ``章丘市`` / ``章丘区`` → ``章丘``."""
    for suffix in ("地区", "县", "市", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _parse_periods(text: str) -> tuple[tuple[int, int, str], ...]:
    periods = []
    for part in text.split(","):
        match = _PERIOD.match(part)
        if match is None:
            periods.append((_OPEN_START, _OPEN_END, part))
        else:
            start, end, name = match.groups()
            periods.append((int(start) if start else _OPEN_START, int(end) if end else _OPEN_END, name))
    return tuple(periods)


@functools.cache
def shandong_codes() -> tuple[RegionCode, ...]:
    """Every ``37xxxx`` code in stdnum's ``cn/loc`` database, in code order."""
    database = numdb.get("cn/loc")
    codes = []
    for _length, low, high, _props, children in database.prefixes:
        if low <= "37" <= high:
            for _clen, clow, chigh, cprops, _ in children:
                if clow == chigh and "county" in cprops:
                    codes.append(RegionCode("37" + clow, _parse_periods(cprops["county"])))
    return tuple(sorted(codes, key=lambda c: c.code))


def _is_county_level(code: str) -> bool:
    return code[4:] not in ("00", "01")


def _successor_city(code: RegionCode, by_code: dict[str, RegionCode], current: list[RegionCode]) -> str:
    """The city (``37xx00``) whose people carry ``code`` today.

    By the code's own name first (烟台's 1983 code 370620 威海市 → 威海; 莱芜's 371203 钢城区 → 济南),
    then by its prefix when that is one of the sixteen cities, then by its prefecture's name.
    """
    city_by_name = {base_name(name): c for c, name in SHANDONG_CITIES.items()}
    county_city: dict[str, set[str]] = {}
    for county in current:
        for name in county.names:
            county_city.setdefault(base_name(name), set()).add(county.code[:4] + "00")

    def by_name(names: tuple[str, ...]) -> str:
        for name in names:
            stem = base_name(name)
            if stem in city_by_name:
                return city_by_name[stem]
            if len(county_city.get(stem, ())) == 1:
                return next(iter(county_city[stem]))
        return ""

    prefecture = by_code.get(code.code[:4] + "00")
    own_prefix = code.code[:4] + "00"
    return (
        by_name(code.names)
        or (own_prefix if own_prefix in SHANDONG_CITIES else "")
        or (by_name(prefecture.names) if prefecture else "")
    )


@dataclass(frozen=True, slots=True)
class CountyTable:
    """Today's counties of the sixteen cities, and the ID region codes open to each per birth year.

    ``candidates[offsets[k, y] : offsets[k, y] + counts[k, y]]`` are indexes into ``id_codes`` that
    a person registered in county ``k`` and born in year ``first_birth_year + y`` may carry.
    """

    year: int
    first_birth_year: int
    county_codes: np.ndarray  # int64, 6-digit codes of today's counties
    county_city: np.ndarray  # int64, index into SHANDONG_CITIES (in its order)
    county_weights: np.ndarray  # float64, sums to 1: province share of each county
    id_codes: np.ndarray  # int64, every code that may appear in an ID
    offsets: np.ndarray  # int64 [county, birth year]
    counts: np.ndarray  # int64 [county, birth year]
    candidates: np.ndarray  # int64 indexes into id_codes

    @property
    def city_codes(self) -> tuple[str, ...]:
        return tuple(SHANDONG_CITIES)

    def counties_of_city(self, city_index: int) -> np.ndarray:
        return np.flatnonzero(self.county_city == city_index)


@functools.cache
def county_table(year: int, birth_years: int = 96) -> CountyTable:
    """The county table for data year ``year``: births from ``year - birth_years`` to ``year - 1``."""
    codes = shandong_codes()
    by_code = {c.code: c for c in codes}
    current = [c for c in codes if _is_county_level(c.code) and c.valid_in(year)]
    current = [c for c in current if c.code[:4] + "00" in SHANDONG_CITIES]
    city_list = list(SHANDONG_CITIES)
    first_birth_year = year - birth_years
    years = np.arange(first_birth_year, year)

    usable = [c for c in codes if c.code != "370000"]
    successor = {c.code: _successor_city(c, by_code, current) for c in usable}
    valid = np.array([[c.valid_in(int(y)) for y in years] for c in usable], dtype=bool)
    code_prefix = np.array([c.code[:4] for c in usable])
    code_stems = [{base_name(n) for n in c.names} for c in usable]
    county_level = np.array([_is_county_level(c.code) for c in usable])
    code_city = np.array([successor[c.code] for c in usable])

    offsets = np.zeros((len(current), len(years)), dtype=np.int64)
    counts = np.zeros((len(current), len(years)), dtype=np.int64)
    pieces: list[np.ndarray] = []
    total = 0
    for k, county in enumerate(current):
        prefix = county.code[:4]
        city = prefix + "00"
        stems = {base_name(n) for n in county.names}
        same_name = np.array([bool(s & stems) for s in code_stems])
        own = np.array([c.code == county.code for c in usable])
        same_prefix = code_prefix == prefix
        tiers = (
            own,
            same_name & same_prefix & county_level,
            same_prefix & county_level,
            same_prefix,
            same_name & (code_city == city),
            code_city == city,
        )
        chosen = np.zeros((len(usable), len(years)), dtype=bool)
        open_years = np.ones(len(years), dtype=bool)
        for tier in tiers:
            hit = valid & tier[:, None] & open_years[None, :]
            chosen |= hit
            open_years &= ~hit.any(axis=0)
        if open_years.any():
            missing = int(years[open_years][0])
            raise RuntimeError(f"no valid ID region code for county {county.code} born {missing}")
        for y in range(len(years)):
            picks = np.flatnonzero(chosen[:, y])
            offsets[k, y] = total
            counts[k, y] = len(picks)
            pieces.append(picks)
            total += len(picks)

    county_city = np.array([city_list.index(c.code[:4] + "00") for c in current], dtype=np.int64)
    city_weight = np.array([CITY_POPULATION_WAN[c] for c in city_list], dtype=np.float64)
    per_city = np.bincount(county_city, minlength=len(city_list))
    county_weights = city_weight[county_city] / per_city[county_city]
    return CountyTable(
        year=year,
        first_birth_year=first_birth_year,
        county_codes=np.array([int(c.code) for c in current], dtype=np.int64),
        county_city=county_city,
        county_weights=county_weights / county_weights.sum(),
        id_codes=np.array([int(c.code) for c in usable], dtype=np.int64),
        offsets=offsets,
        counts=counts,
        candidates=np.concatenate(pieces).astype(np.int64),
    )
