"""Properties of the supplementary medical (特惠保险) engine on random programs and person-years.

- the engine agrees, settlement by settlement, with an independent exact-fraction reference;
- no person-year receives more than its group's yearly cap;
- basic insurance + critical illness + supplementary never exceed the in-scope cost;
- persons not registered in a covered group on a settlement's date get 0 for it;
- the single path (``compute_one`` carrying the stored year-to-date) equals the batch.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.programs import parse_program
from anxin.domain.supplementary_medical import covered_group
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine.supplementary_medical import compute_one, evaluate_supplementary
from tests.reference import RefRule
from tests.reference import pay_sequentially as ci_sequentially
from tests.reference_supplementary_medical import RefProgram, RefRow, pay_sequentially

TERM_GROUPS = (("extreme_poverty", "subsistence_allowance"), ("lifted_out_of_poverty",))
#: returned_to_poverty is registered by some persons but covered by no terms here.
PERSON_GROUPS = [(), ("extreme_poverty",), ("lifted_out_of_poverty",), ("returned_to_poverty",),
                 ("lifted_out_of_poverty", "subsistence_allowance")]  # fmt: skip
#: Shandong CI 2014, whose payout is taken off first.
SHANDONG_CI = RefRule(1_000_000, (10_000_000, None), (Fraction(1, 2), Fraction(3, 5)), 20_000_000)


@st.composite
def terms(draw, groups: tuple[str, ...]):
    deductible = draw(st.integers(min_value=0, max_value=20_000))
    origin = draw(st.sampled_from(["absolute", "above_deductible"]))
    count = draw(st.integers(min_value=1, max_value=3))
    widths = draw(st.lists(st.integers(1, 100_000), min_size=count - 1, max_size=count - 1))
    edges, edge = [], deductible if origin == "absolute" else 0
    for width in widths:
        edge += width
        edges.append(edge)
    ratios = draw(st.lists(st.integers(0, 10_000), min_size=count, max_size=count))
    cap = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=150_000)))
    bands = [{"ratio": f"{Decimal(r) / 100}%"} for r in ratios]
    for band, upto in zip(bands, edges, strict=False):
        band["upto"] = f"{upto} 元"
    values = {"groups": list(groups), "deductible": f"{deductible} 元", "band_origin": origin, "bands": bands}
    if cap is not None:
        values["cap"] = f"{cap} 元"
    rule = RefRule(
        deductible=deductible * 100,
        edges=(*(e * 100 for e in edges), None),
        ratios=tuple(Fraction(r, 10_000) for r in ratios),
        cap=None if cap is None else cap * 100,
        above_deductible=origin == "above_deductible",
    )
    return values, rule


@st.composite
def programs(draw):
    drawn = [draw(terms(groups)) for groups in TERM_GROUPS]
    data = {
        "code": "prop-tehui",
        "name_zh": "性质测试",
        "name_en": "property test",
        "kind": "supplementary_medical",
        "funder": "government",
        "versions": [
            {
                "version": "1",
                "effective_from": dt.date(2020, 1, 1),
                "source": {"title": "test"},
                "parameters": {"after": "shandong-ci", "terms": [values for values, _ in drawn]},
            }
        ],
    }
    program = parse_program(data, source_name="prop.toml")
    return program, RefProgram(
        terms=tuple((g, rule) for g, (_, rule) in zip(TERM_GROUPS, drawn, strict=True))
    )


@st.composite
def years(draw):
    """Rows in arrival order: (person, owed fen, registered on the day?) with each person's groups."""
    persons = draw(st.integers(min_value=1, max_value=4))
    held = {f"P{i}": draw(st.sampled_from(PERSON_GROUPS)) for i in range(persons)}
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(held)), st.integers(0, 40_000_000), st.booleans()),
            min_size=1,
            max_size=12,
        )
    )
    return held, rows


def _frames(program, held, rows):
    """Engine input (with the CI payout from the reference) and the reference rows."""
    ci = ci_sequentially(lambda _: SHANDONG_CI, [(p, 2023, owed, None) for p, owed, _ in rows])
    parameters = program.versions[0].parameters
    records, refs = [], []
    for number, ((person, owed, registered), ci_paid) in enumerate(zip(rows, ci, strict=True)):
        groups = frozenset(held[person]) if registered else frozenset()
        group = covered_group(parameters, (VulnerableGroup(g) for g in groups))
        at = dt.datetime(2023, 1, 1) + dt.timedelta(days=number)
        records.append(
            {
                "person_id": person,
                "settlement_id": f"S{number:03d}",
                "admitted_on": at.date(),
                "discharged_on": at.date(),
                "settled_at": at,
                "base_fen": owed,
                "vulnerable_group": None if group is None else group.value,
                "ci_payout_fen": ci_paid,
            }
        )
        refs.append(RefRow(person, 2023, owed, ci_paid, groups))
    return records, refs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), years())
def test_engine_agrees_with_the_reference_and_keeps_the_limits(drawn, year) -> None:
    program, reference = drawn
    held, rows = year
    records, refs = _frames(program, held, rows)
    out = evaluate_supplementary(pl.DataFrame(records), program)
    by_id = {row["settlement_id"]: row for row in out.iter_rows(named=True)}
    expected = pay_sequentially(reference, refs)
    totals: dict[str, int] = {}
    for record, ref, (payout, group) in zip(records, refs, expected, strict=True):
        row = by_id[record["settlement_id"]]
        assert row["payout_fen"] == payout, (record, row)
        assert row["tilt"] == group
        if group is None:  # not registered in a covered group on the day: nothing
            assert row["payout_fen"] == 0 and not row["eligible"] and row["base_fen"] == 0
        # basic + critical illness + supplementary never exceed the in-scope cost
        assert 0 <= row["payout_fen"] <= ref.owed - ref.ci_paid
        totals[ref.person] = totals.get(ref.person, 0) + row["payout_fen"]
    for person, total in totals.items():
        found = reference.rule_for(frozenset(held[person]))
        if found is None:
            assert total == 0
        elif found[1].cap is not None:
            assert total <= found[1].cap  # the group's yearly cap


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), years())
def test_one_at_a_time_equals_the_batch(drawn, year) -> None:
    program, _ = drawn
    held, rows = year
    records, _ = _frames(program, held, rows)
    batch = {
        row["settlement_id"]: row["payout_fen"]
        for row in evaluate_supplementary(pl.DataFrame(records), program).iter_rows(named=True)
    }
    ytd: dict[str, int] = {}
    for record in records:
        one = compute_one(record, program, opening_ytd_fen=ytd.get(str(record["person_id"]), 0))
        ytd[str(record["person_id"])] = one["ytd_after_fen"]
        assert one["payout_fen"] == batch[record["settlement_id"]]
