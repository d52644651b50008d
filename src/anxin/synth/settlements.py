"""A year of medical-insurance settlement lines for a block of people, in the national platform's shape.

Who uses care, and how much, is drawn per person; each line is then drawn in bulk:

- general outpatient visits (``med_type`` 11): negative-binomial counts, tens to hundreds of yuan;
- chronic and special outpatient care (14): for people with a registered chronic condition, cancer
  treatment, and dialysis patients who settle a session two or three times a week;
- inpatient stays (21): Poisson counts with a gamma "frailty" per person, more with age; a small
  group with a serious illness has repeated, expensive stays, a few costing 100 k – 1 M+ yuan.

Money is integer fen throughout. Basic insurance (``hifp_pay``) pays a tier's ratio of the
policy-scope amount above a per-stay deductible, up to an annual limit per person, so that the
owed eligible cost (``inscp_scp_amt − hifp_pay``) is what a critical-illness program then sees.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl

from anxin.synth.files import fen_to_decimal_series
from anxin.synth.persons import AGE_DISTRIBUTION, MAX_AGE, PersonBlock, day_number, vulnerable_likelihood
from anxin.synth.regions import CountyTable

_AGES = np.arange(MAX_AGE + 1)
_GENERAL, _CHRONIC, _INPATIENT = 0, 1, 2
MED_TYPES = ("11", "14", "21")

# --- how often people use care ------------------------------------------------------------------
_OUTPATIENT_BY_AGE = np.select(
    [_AGES < 7, _AGES < 18, _AGES < 45, _AGES < 60, _AGES < 75], [1.3, 0.6, 0.6, 1.0, 1.6], 2.0
)
_INPATIENT_BY_AGE = np.select(
    [_AGES < 5, _AGES < 18, _AGES < 45, _AGES < 60, _AGES < 70, _AGES < 80],
    [0.8, 0.3, 0.5, 1.0, 1.8, 2.8],
    3.5,
)
_SEVERE_BY_AGE = np.select([_AGES < 18, _AGES < 45, _AGES < 60, _AGES < 75], [0.15, 0.4, 1.0, 2.0], 2.5)
_CHRONIC_BY_AGE = np.select([_AGES < 18, _AGES < 45, _AGES < 60], [0.01, 0.04, 0.12], 0.25)
_DIALYSIS_BY_AGE = np.where(_AGES >= 30, 0.0015, 0.0)
_STAYS_PER_PERSON = 0.16  # ordinary inpatient stays per person-year
_SEVERE_SHARE = 0.008  # people with a serious illness (cancer, major surgery) this year
_SEVERE_EXTRA_STAYS = 2.5
_SEVERE_CHRONIC_LINES = 6.0
_CHRONIC_LINES = 7.0
_DIALYSIS_LINES = 130.0
_VULNERABLE_USE = 1.3  # poorer health: more care used by registered vulnerable people
_FRAILTY_SHAPE = 0.45
_OUTPATIENT_SHAPE = 0.6

# --- what care costs (yuan medians, lognormal spreads) ------------------------------------------
_GENERAL_MEDIAN = np.array([45.0, 110.0, 260.0])
_CHRONIC_MEDIAN = np.array([260.0, 380.0, 520.0])
_STAY_MEDIAN = np.array([2_600.0, 6_000.0, 14_000.0])
_SEVERE_STAY_MEDIAN = 30_000.0
_CATASTROPHIC_SHARE = 0.025  # of serious-illness stays: ICU, transplant, long cancer treatment
_CATASTROPHIC_FLOOR = 150_000.0
_CATASTROPHIC_TAIL = 1.6  # Pareto shape
_LARGEST_STAY = 2_000_000.0
_TERTIARY_ONLY_FEN = 100_000_00
_DAY_CASE_LIMIT_FEN = 20_000_00  # day surgery and other same-day stays cost less than this
_TIER_P = {
    "general": np.array([0.7, 0.2, 0.1]),
    "chronic": np.array([0.3, 0.4, 0.3]),
    "stay": np.array([0.3, 0.45, 0.25]),
    "severe": np.array([0.03, 0.22, 0.75]),
    "dialysis": np.array([0.1, 0.5, 0.4]),
}

# --- what basic insurance pays (basis points, fen) -----------------------------------------------
_SCOPE_BP = {
    _GENERAL: np.array([9_500, 9_500, 9_400]),
    _CHRONIC: np.array([9_200, 9_000, 8_800]),
    _INPATIENT: np.array([9_300, 8_900, 8_400]),
}
_DEDUCTIBLE_FEN = np.array([300_00, 600_00, 1_000_00])  # per inpatient stay, by tier
_RATIO_BP = {
    _GENERAL: np.array([6_000, 5_000, 4_000]),
    _CHRONIC: np.array([7_000, 6_500, 6_000]),
    _INPATIENT: np.array([8_500, 7_500, 6_000]),
}
_ANNUAL_LIMIT_FEN = 200_000_00
_CARRIED_IN_SHARE = 0.012  # inpatient stays admitted in the last weeks of the previous year


def expected_lines_per_person(vulnerable_share: float) -> tuple[float, float]:
    """(lines other than general outpatient, general-outpatient age factor) per person, on average."""
    use = 1.0 + (_VULNERABLE_USE - 1.0) * vulnerable_likelihood(vulnerable_share)

    def mean(by_age: np.ndarray) -> float:
        return float((AGE_DISTRIBUTION * by_age * use).sum())

    stays = _STAYS_PER_PERSON * mean(_INPATIENT_BY_AGE) / _norm(_INPATIENT_BY_AGE)
    severe = _SEVERE_SHARE * mean(_SEVERE_BY_AGE) / _norm(_SEVERE_BY_AGE)
    other = (
        stays
        + severe * (1 + _SEVERE_EXTRA_STAYS + _SEVERE_CHRONIC_LINES)
        + _CHRONIC_LINES * mean(_CHRONIC_BY_AGE)
        + _DIALYSIS_LINES * mean(_DIALYSIS_BY_AGE)
    )
    return other, mean(_OUTPATIENT_BY_AGE)


def _norm(by_age: np.ndarray) -> float:
    return float((AGE_DISTRIBUTION * by_age).sum())


@functools.cache
def _visit_day_cdf(year: int, weekend: float) -> np.ndarray:
    """Cumulative share of visits by day of ``year``: fewer at weekends, more in winter."""
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    weekday = (first.weekday() + np.arange(days)) % 7
    month = np.array([(first + dt.timedelta(int(d))).month for d in range(days)])
    weights = np.where(weekday >= 5, weekend, 1.0) * np.where(np.isin(month, (12, 1, 2)), 1.15, 1.0)
    return np.cumsum(weights / weights.sum())


def _lognormal_fen(rng: np.random.Generator, median_yuan: np.ndarray, sigma: float) -> np.ndarray:
    spread = np.clip(rng.standard_normal(len(median_yuan)), -4.0, 4.0)
    yuan = median_yuan * np.exp(sigma * spread)
    return np.maximum(np.rint(yuan * 100), 500).astype(np.int64)


def generate_settlements(
    rng: np.random.Generator,
    persons: PersonBlock,
    *,
    table: CountyTable,
    first_line: int,
    settlements_per_person: float,
    vulnerable_share: float,
) -> pl.DataFrame:
    """Settlement lines of one block of people, sorted by person then settlement time."""
    year, size, age = table.year, len(persons.age), persons.age
    use = np.where(persons.vulnerable > 0, _VULNERABLE_USE, 1.0)
    other, outpatient_factor = expected_lines_per_person(vulnerable_share)
    scale = min(1.0, settlements_per_person / other) if other > 0 else 0.0
    general_mean = max(settlements_per_person - other, 0.0) / outpatient_factor

    frailty = rng.gamma(_FRAILTY_SHAPE, 1 / _FRAILTY_SHAPE, size)
    stay_rate = _STAYS_PER_PERSON * _INPATIENT_BY_AGE[age] / _norm(_INPATIENT_BY_AGE)
    severe = rng.random(size) < _SEVERE_SHARE * _SEVERE_BY_AGE[age] * use / _norm(_SEVERE_BY_AGE) * scale
    chronic = rng.random(size) < _CHRONIC_BY_AGE[age] * use * scale
    dialysis = rng.random(size) < _DIALYSIS_BY_AGE[age] * use * scale
    busy = rng.gamma(_OUTPATIENT_SHAPE, 1 / _OUTPATIENT_SHAPE, size)
    counts = {
        ("stay", False): rng.poisson(stay_rate * frailty * use * scale),
        ("stay", True): np.where(severe, 1 + rng.poisson(_SEVERE_EXTRA_STAYS, size), 0),
        ("chronic", False): np.where(chronic, rng.poisson(_CHRONIC_LINES, size), 0),
        ("chronic", True): np.where(severe, rng.poisson(_SEVERE_CHRONIC_LINES, size), 0),
        ("dialysis", False): np.where(dialysis, rng.poisson(_DIALYSIS_LINES, size), 0),
        ("general", False): rng.poisson(general_mean * _OUTPATIENT_BY_AGE[age] * use * busy),
    }
    parts = [_draw_kind(rng, kind, serious, np.repeat(np.arange(size), n), year)
             for (kind, serious), n in counts.items()]  # fmt: skip
    lines = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    return _assemble(rng, lines, persons, table, first_line)


def _draw_kind(rng: np.random.Generator, kind: str, serious: bool, person: np.ndarray, year: int) -> dict:
    """Dates, tier and amounts (fen) for lines of one kind; ``person`` repeats each person's index."""
    n = len(person)
    inpatient = kind == "stay"
    med = {"stay": _INPATIENT, "general": _GENERAL}.get(kind, _CHRONIC)
    tier = rng.choice(3, size=n, p=_TIER_P["severe" if serious and inpatient else kind])
    medfee = _draw_medfee(rng, kind, serious, tier)
    tier = np.where(medfee > _TERTIARY_ONLY_FEN, 2, tier)  # such stays happen in tier-3 hospitals

    scope_bp = _SCOPE_BP[med][tier] + rng.integers(-500, 501, n) - np.where(medfee > 100_000_00, 800, 0)
    inscp = medfee * np.minimum(scope_bp, 10_000) // 10_000
    deductible = _DEDUCTIBLE_FEN[tier] if inpatient else 0
    hifp = np.maximum(inscp - deductible, 0) * _RATIO_BP[med][tier] // 10_000

    begin = np.searchsorted(_visit_day_cdf(year, 0.8 if inpatient else 0.55), rng.random(n))
    if inpatient:
        typical = np.where(serious, 13.0, np.array([6.0, 8.0, 10.0])[tier])
        typical = np.where(medfee > _TERTIARY_ONLY_FEN, 28.0, typical)
        length = np.maximum(np.rint(typical * np.exp(0.55 * rng.standard_normal(n))), 1).astype(np.int64)
        day_case = (rng.random(n) < 0.03) & (medfee < _DAY_CASE_LIMIT_FEN)
        end = begin + np.where(day_case, 0, length)
        carried = rng.random(n) < _CARRIED_IN_SHARE
        end = np.where(carried, rng.integers(0, 20, n), end)
        begin = np.where(carried, -1 - rng.integers(0, 21, n), begin)
        delay = np.where(rng.random(n) < 0.2, rng.geometric(0.5, n).clip(max=7), 0)
        seconds = 9 * 3600 + rng.integers(0, 8 * 3600, n)
    else:
        end = begin
        delay = 0
        seconds = 8 * 3600 + rng.integers(0, 9 * 3600 + 1800, n)
    return {
        "person": person,
        "med": np.full(n, med, dtype=np.int64),
        "tier": tier.astype(np.int64),
        "begin": begin.astype(np.int64),
        "end": end.astype(np.int64),
        "settled": (end + delay) * 86_400 + seconds,
        "medfee": medfee,
        "inscp": inscp,
        "hifp": hifp,
    }


def _draw_medfee(rng: np.random.Generator, kind: str, serious: bool, tier: np.ndarray) -> np.ndarray:
    n = len(tier)
    if kind == "general":
        return _lognormal_fen(rng, _GENERAL_MEDIAN[tier], 0.8)
    if kind == "dialysis":
        return _lognormal_fen(rng, np.full(n, 460.0), 0.12)
    if kind == "chronic":
        return _lognormal_fen(rng, _CHRONIC_MEDIAN[tier] * (6.0 if serious else 1.0), 0.8)
    if not serious:
        return _lognormal_fen(rng, _STAY_MEDIAN[tier], 0.75)
    ordinary = _lognormal_fen(rng, np.full(n, _SEVERE_STAY_MEDIAN), 0.9)
    # Pareto between the floor and the largest stay (inverse of the truncated distribution).
    reach = 1.0 - (_CATASTROPHIC_FLOOR / _LARGEST_STAY) ** _CATASTROPHIC_TAIL
    tail = _CATASTROPHIC_FLOOR * (1.0 - rng.random(n) * reach) ** (-1.0 / _CATASTROPHIC_TAIL)
    tail_fen = np.rint(tail * 100).astype(np.int64)
    return np.where(rng.random(n) < _CATASTROPHIC_SHARE, tail_fen, ordinary)


def _hospitals(
    rng: np.random.Generator, tier: np.ndarray, county: np.ndarray, table: CountyTable
) -> np.ndarray:
    """A designated hospital per line, as ``H`` + county code + tier + serial (12 characters).

    Tier 1 and 2 care happens in the person's own county (12 township centres, 3 county hospitals);
    tier 3 in the city's first district (5 hospitals) or, for one line in eight, at one of six
    provincial hospitals in 济南.
    """
    n = len(tier)
    seat = np.array([table.counties_of_city(c)[0] for c in range(len(table.city_codes))])
    provincial = (tier == 2) & (rng.random(n) < 0.125)
    where = np.where(tier == 2, seat[table.county_city[county]], county)
    code = table.county_codes[where]
    code = np.where(provincial, 370102, code)
    serial = 1 + (rng.random(n) * np.array([12, 3, 5])[tier]).astype(np.int64)
    serial = np.where(provincial, 50 + rng.integers(0, 6, n), serial)
    return code * 100_000 + (tier + 1) * 10_000 + serial


def _assemble(
    rng: np.random.Generator, lines: dict, persons: PersonBlock, table: CountyTable, first_line: int
) -> pl.DataFrame:
    year = table.year
    order = np.lexsort((lines["settled"], lines["person"]))
    lines = {key: values[order] for key, values in lines.items()}
    person, tier, n = lines["person"], lines["tier"], len(order)
    hospital = _hospitals(rng, tier, persons.county[person], table)

    # The annual limit of the pooled fund, per person and settlement year, in settlement order.
    year_days = day_number(dt.date(year + 1, 1, 1)) - day_number(dt.date(year, 1, 1))
    group = person * 2 + (lines["settled"] >= year_days * 86_400)
    starts = np.ones(n, dtype=bool)
    starts[1:] = group[1:] != group[:-1]
    running = np.cumsum(lines["hifp"])
    before_group = (running - lines["hifp"])[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
    paid_after = np.minimum(running - before_group, _ANNUAL_LIMIT_FEN)
    hifp = paid_after - np.minimum(running - before_group - lines["hifp"], _ANNUAL_LIMIT_FEN)

    first_day = day_number(dt.date(year, 1, 1))
    people = persons.frame.select("psn_no", "certno", "region_code", "vulnerable_group")
    taken = people[person]
    serial = pl.Series(first_line + 1 + np.arange(n, dtype=np.int64)).cast(pl.String).str.zfill(14)
    return pl.DataFrame(
        {
            "setl_id": f"37{year}" + serial,
            "psn_no": taken["psn_no"],
            "certno": taken["certno"],
            "insutype": pl.repeat("390", n, dtype=pl.String, eager=True),
            "med_type": pl.Series(MED_TYPES, dtype=pl.String).gather(lines["med"]),
            "setl_time": pl.Series((first_day * 86_400 + lines["settled"]) * 1_000_000).cast(
                pl.Datetime("us")
            ),
            "begndate": pl.Series((first_day + lines["begin"]).astype(np.int32)).cast(pl.Date),
            "enddate": pl.Series((first_day + lines["end"]).astype(np.int32)).cast(pl.Date),
            "medfee_sumamt": fen_to_decimal_series("medfee_sumamt", lines["medfee"]),
            "inscp_scp_amt": fen_to_decimal_series("inscp_scp_amt", lines["inscp"]),
            "hifp_pay": fen_to_decimal_series("hifp_pay", hifp),
            "fixmedins_code": "H" + pl.Series(hospital).cast(pl.String),
            "hosp_lv": pl.Series(["1", "2", "3"], dtype=pl.String).gather(tier),
            "insuplc_admdvs": taken["region_code"],
            "psn_idet_type": taken["vulnerable_group"],
        }
    )
