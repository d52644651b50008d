"""Properties of the critical-illness engine on random programs and random person-years.

- batch results equal one-at-a-time results (the single path with carried accumulators),
  and equal results under any chunking of a person's year;
- a person's payouts sum exactly to f(year total), whatever the order of arrival;
- 0 ≤ payout ≤ base, and payouts are monotone in the base;
- an independent plain-Python reference (exact fractions) agrees on every settlement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.critical_illness import resolve_schedule
from anxin.domain.programs import parse_program
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine.critical_illness import accumulate, compute, compute_one, evaluate, payouts
from tests.reference import RefRule, pay_sequentially

YUAN = st.integers(min_value=0, max_value=400_000)
GROUPS = [None, "extreme_poverty", "subsistence_allowance"]


@st.composite
def parameters(draw):
    deductible = draw(st.integers(min_value=0, max_value=30_000))
    origin = draw(st.sampled_from(["absolute", "above_deductible"]))
    count = draw(st.integers(min_value=1, max_value=4))
    widths = draw(
        st.lists(st.integers(min_value=1, max_value=150_000), min_size=count - 1, max_size=count - 1)
    )
    edges, edge = [], deductible if origin == "absolute" else 0
    for width in widths:
        edge += width
        edges.append(edge)
    ratios = draw(st.lists(st.integers(min_value=0, max_value=10_000), min_size=count, max_size=count))
    cap = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=600_000)))
    bump = draw(st.integers(min_value=0, max_value=1000))
    factor = draw(st.integers(min_value=0, max_value=10_000))
    bands = [
        {"upto": f"{edges[i]} 元", "ratio": f"{Decimal(r) / 100}%"}
        if i < count - 1
        else {"ratio": f"{Decimal(r) / 100}%"}
        for i, r in enumerate(ratios)
    ]
    values = {"deductible": f"{deductible} 元", "band_origin": origin, "bands": bands}
    if cap is not None:
        values["cap"] = f"{cap} 元"
    values["tilts"] = [
        {
            "groups": ["extreme_poverty", "subsistence_allowance"],
            "deductible_factor": f"{Decimal(factor) / 100}%",
            "ratio_bump": f"{Decimal(bump) / 100}pp",
            "remove_cap": draw(st.booleans()),
        }
    ]
    return values


@st.composite
def programs(draw, versions=1):
    """A random program; with ``versions=2`` a second version starts mid-year (2023-07-01)."""
    dated = [dt.date(2020, 1, 1), dt.date(2023, 7, 1)][:versions]
    data = {
        "code": "random-ci",
        "name_zh": "随机",
        "name_en": "random",
        "kind": "critical_illness",
        "funder": "medical_insurance_fund",
        "versions": [
            {
                "version": str(i),
                "effective_from": day,
                "source": {"title": "test"},
                "parameters": draw(parameters()),
            }
            for i, day in enumerate(dated, start=1)
        ],
    }
    return parse_program(data, source_name="random.toml")


@st.composite
def person_years(draw):
    """Settlements of a few persons in one year, each with a base in fen and an arrival time."""
    rows = []
    persons = draw(st.integers(min_value=1, max_value=4))
    serial = 0
    for p in range(persons):
        group = draw(st.sampled_from(GROUPS))
        for _ in range(draw(st.integers(min_value=1, max_value=6))):
            serial += 1
            day = dt.date(2023, 1, 1) + dt.timedelta(days=draw(st.integers(min_value=0, max_value=364)))
            fen = draw(YUAN) * 100 + draw(st.integers(min_value=0, max_value=99))
            rows.append(
                {
                    "person_id": f"P{p}",
                    "settlement_id": f"S{serial:04d}",
                    "admitted_on": day,
                    "discharged_on": day,
                    "settled_at": dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=serial),
                    "base_fen": fen,
                    "vulnerable_group": group,
                }
            )
    return rows


def _frame(rows):
    return pl.DataFrame(rows, schema_overrides={"vulnerable_group": pl.String})


def _run(rows, program) -> dict[str, int]:
    out = pl.from_arrow(compute(_frame(rows).to_arrow(), program))
    return dict(zip(out["settlement_id"], out["payout_fen"], strict=True))


def _ref_rule(program, group):
    params = program.versions[0].parameters
    schedule_deductible = resolve_schedule(params, VulnerableGroup(group) if group else None).deductible
    tilt = params.tilt_for(VulnerableGroup(group)) if group else None
    bump = tilt.ratio_bump if tilt else 0
    cap = None if params.cap is None or (tilt and tilt.remove_cap) else params.cap
    return RefRule(
        deductible=schedule_deductible,
        edges=tuple(b.upto for b in params.bands),
        ratios=tuple(Fraction(min(10_000, b.ratio + bump), 10_000) for b in params.bands),
        cap=cap,
        above_deductible=params.band_origin.value == "above_deductible",
    )


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(programs(), person_years())
def test_engine_agrees_with_independent_reference(program, rows):
    ordered = sorted(rows, key=lambda r: (r["person_id"], r["settled_at"]))
    expected = pay_sequentially(
        lambda g: _ref_rule(program, g),
        [(r["person_id"], 2023, r["base_fen"], r["vulnerable_group"]) for r in ordered],
    )
    got = _run(rows, program)
    assert [got[r["settlement_id"]] for r in ordered] == expected


@FAST
@given(programs(), person_years(), st.randoms(use_true_random=False))
def test_batch_equals_one_at_a_time_and_any_chunking(program, rows, rnd):
    batch = _run(rows, program)
    ordered = sorted(rows, key=lambda r: (r["person_id"], r["settled_at"]))
    # one at a time, carrying the person's accumulator
    ytd: dict[str, int] = {}
    for row in ordered:
        result = compute_one(row, program, opening_ytd_fen=ytd.get(row["person_id"], 0))
        ytd[row["person_id"]] = result["ytd_after_fen"]
        assert result["payout_fen"] == batch[row["settlement_id"]]
    # any chunking: cut the arrival sequence at random points, carry closing accumulators
    cuts = (
        sorted(rnd.sample(range(1, len(ordered)), k=min(len(ordered) - 1, rnd.randint(0, 3))))
        if len(ordered) > 1
        else []
    )
    ytd = {}
    for start, end in zip([0, *cuts], [*cuts, len(ordered)], strict=True):
        chunk = [dict(r, opening_ytd_fen=ytd.get(r["person_id"], 0)) for r in ordered[start:end]]
        accumulated = accumulate(_frame(chunk), program.program_year)
        out = evaluate(accumulated, program)
        assert payouts(accumulated, program).to_list() == out["payout_fen"].to_list()
        for row in out.iter_rows(named=True):
            assert row["payout_fen"] == batch[row["settlement_id"]]
            ytd[row["person_id"]] = row["ytd_after_fen"]


@FAST
@given(programs(), person_years(), st.randoms(use_true_random=False))
def test_person_total_is_f_of_year_total_in_any_arrival_order(program, rows, rnd):
    shuffled = [dict(r) for r in rows]
    rnd.shuffle(shuffled)
    for i, row in enumerate(shuffled):  # arrival order = settlement time order
        row["settled_at"] = dt.datetime(2023, 6, 1) + dt.timedelta(minutes=i)
    payouts = _run(shuffled, program)
    for person in {r["person_id"] for r in rows}:
        own = [r for r in rows if r["person_id"] == person]
        group = own[0]["vulnerable_group"]
        schedule = resolve_schedule(program.versions[0].parameters, VulnerableGroup(group) if group else None)
        total = sum(r["base_fen"] for r in own)
        assert sum(payouts[r["settlement_id"]] for r in own) == schedule.benefit(total)


@FAST
@given(programs(), person_years())
def test_payout_is_within_zero_and_base(program, rows):
    payouts = _run(rows, program)
    for row in rows:
        assert 0 <= payouts[row["settlement_id"]] <= row["base_fen"]


@FAST
@given(
    programs(),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
)
def test_payout_is_monotone_in_base(program, before, base_a, base_b):
    low, high = sorted((base_a, base_b))
    for group in (None, VulnerableGroup.EXTREME_POVERTY):
        schedule = resolve_schedule(program.versions[0].parameters, group)
        assert schedule.payout(before, low) <= schedule.payout(before, high)


@FAST
@given(st.lists(programs(versions=2), min_size=1, max_size=3), person_years())
def test_accumulate_once_evaluate_many(variants, rows):
    """One ordering serves every variant; the payout-only path equals the explained path."""
    accumulated = accumulate(_frame(rows), variants[0].program_year)
    for program in variants:
        explained = evaluate(accumulated, program)
        assert payouts(accumulated, program).to_list() == explained["payout_fen"].to_list()
        assert dict(zip(explained["settlement_id"], explained["payout_fen"], strict=True)) == _run(
            rows, program
        )
