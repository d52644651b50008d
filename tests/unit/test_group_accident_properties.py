"""Properties of the group accident & health engine on random programs and random claims.

- the batch equals an independent row-at-a-time reference (tests/reference_group_cover.py), payout and
  reason, and the domain's one-claim-at-a-time rule on every output column;
- no payout exceeds its limits: per claim, the medical and illness annual limits, the allowance's days
  a year, the disability sum insured, and death + disability within the joint limit (or the death sum);
- any chunking of a person-year's claims, carrying the closing accumulators, gives the same results;
  so does any order of the input rows;
- every explanation adds up to the payout exactly.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.group_accident import Claim, ClaimType, PersonYear, assess
from anxin.domain.group_accident_explanation import ClaimExplanation, assessment_from_row
from anxin.domain.programs import parse_program
from anxin.engine.group_accident import OPENING, RESULT_COLUMNS, closing_state, evaluate
from tests.reference_group_cover import pay_group_accident

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COVER_FROM = dt.date(2023, 3, 1)
COVER_TO = dt.date(2024, 2, 29)
yuan = st.integers(min_value=0, max_value=30_000)
limit = st.integers(min_value=0, max_value=5_000)
often = st.sampled_from([True, True, True, False])


def _maybe(draw, value):
    return value if draw(st.booleans()) else None


@st.composite
def parameters(draw):
    p: dict = {}
    if draw(st.booleans()):
        low = draw(st.sampled_from(["28 天", "0 岁", "16 岁", "60 岁"]))
        p["eligibility"] = {"min_age": low, "ages_on": draw(st.sampled_from(["event", "cover_start"]))}
        if draw(st.booleans()):
            p["eligibility"]["max_age"] = draw(st.sampled_from(["17 岁", "60 岁", "80 岁", "9000 天"]))
            if p["eligibility"]["max_age"] == "17 岁" and low in ("60 岁",):
                p["eligibility"]["min_age"] = "0 岁"
    if draw(st.booleans()):
        p["illness_waiting"] = {"days": f"{draw(st.integers(0, 120))} 天", "on_renewal": draw(st.booleans())}
    death = draw(often)
    disability = draw(often)
    if death:
        p["death"] = {"sum_insured": f"{draw(yuan)} 元", "within_days": f"{draw(st.integers(0, 365))} 天"}
        if draw(st.booleans()):
            p["death"]["age_bands"] = [{"from_age": "70 岁", "sum_insured": f"{draw(yuan)} 元"},
                                       {"from_age": "80 岁", "sum_insured": f"{draw(yuan)} 元"}]  # fmt: skip
    if disability:
        ratios = sorted(draw(st.lists(st.integers(0, 10_000), min_size=10, max_size=10)), reverse=True)
        p["disability"] = {
            "sum_insured": f"{draw(yuan)}.{draw(st.integers(0, 99)):02d} 元",
            "within_days": f"{draw(st.integers(0, 365))} 天",
            "grade_ratios": [f"{r / 100}%" for r in ratios],
            "raise_shared_worst": draw(st.booleans()),
        }
    if death and disability and draw(st.booleans()):
        p["death_disability_limit"] = f"{draw(yuan)} 元"
    if draw(often):
        med = {
            "deductible": f"{draw(st.integers(0, 300))} 元",
            "ratio": f"{draw(st.integers(0, 10_000)) / 100}%",
        }
        if draw(st.booleans()):
            med |= {"uninsured_deductible": "200 元", "uninsured_ratio": "70%"}
        for key in ("per_claim_limit", "annual_limit"):
            if draw(st.booleans()):
                med[key] = f"{draw(limit)} 元"
        p["accident_medical"] = med
    if draw(often):
        allow = {"daily": f"{draw(st.integers(0, 200))} 元", "deductible_days": f"{draw(st.integers(0, 5))} 天",
                 "illness": draw(st.booleans())}  # fmt: skip
        for key in ("max_days_per_stay", "max_days_per_year"):
            if draw(st.booleans()):
                allow[key] = f"{draw(st.integers(0, 90))} 天"
        p["hospital_allowance"] = allow
    if draw(often) or not any(
        k in p for k in ("death", "disability", "accident_medical", "hospital_allowance")
    ):
        ill = {
            "deductible": f"{draw(st.integers(0, 500))} 元",
            "ratio": f"{draw(st.integers(0, 10_000)) / 100}%",
        }
        if draw(st.booleans()):
            ill["annual_limit"] = f"{draw(limit)} 元"
        p["illness_hospital"] = ill
    return p


@st.composite
def programs(draw):
    data = {
        "code": "random-ga",
        "name_zh": "随机",
        "name_en": "random",
        "kind": "group_accident",
        "funder": "government",
        "versions": [
            {
                "version": "a",
                "effective_from": dt.date(2020, 1, 1),
                "source": {"title": "t"},
                "parameters": draw(parameters()),
            },
            {
                "version": "b",
                "effective_from": dt.date(2024, 1, 1),
                "source": {"title": "t"},
                "parameters": draw(parameters()),
            },
        ],
    }
    return parse_program(data, source_name="random.toml")


def _day(draw, start=COVER_FROM, spread=420):
    return start + dt.timedelta(days=draw(st.integers(-30, spread)))


@st.composite
def claims(draw):
    rows = []
    serial = 0
    for person in range(draw(st.integers(1, 3))):
        born = dt.date(
            draw(st.sampled_from([1935, 1944, 1950, 1963, 2006, 2010, 2023])), 3, 1
        ) - dt.timedelta(days=draw(st.integers(0, 400)))
        for year in draw(st.lists(st.sampled_from([2023, 2024]), min_size=1, max_size=2, unique=True)):
            cover_from = COVER_FROM if year == 2023 else dt.date(2024, 3, 1)
            common = {"person_id": f"P{person}", "policy_year": year, "born_on": born, "cover_from": cover_from,
                      "cover_to": cover_from + dt.timedelta(days=365), "renewed": draw(st.booleans())}  # fmt: skip
            for _ in range(draw(st.integers(1, 10))):
                serial += 1
                kind = draw(st.sampled_from(list(ClaimType)))
                accident = _day(draw, cover_from)
                row = dict(common, claim_id=f"C{serial:03d}", claim_type=kind.value, accident_on=accident,
                           admitted_on=None, discharged_on=None, grades=[], expense_fen=0,
                           basic_insurance=draw(st.booleans()))  # fmt: skip
                if kind in (ClaimType.HOSPITAL_ALLOWANCE, ClaimType.ILLNESS_HOSPITAL):
                    row["admitted_on"] = accident
                    row["discharged_on"] = accident + dt.timedelta(days=draw(st.integers(0, 120)))
                    if kind is ClaimType.ILLNESS_HOSPITAL or draw(st.booleans()):
                        row["accident_on"] = None
                if kind is ClaimType.DISABILITY:
                    row["grades"] = draw(st.lists(st.integers(1, 10), min_size=1, max_size=4))
                row["expense_fen"] = draw(st.integers(0, 2_000_000))
                row["due_on"] = (row["discharged_on"] or accident) + dt.timedelta(
                    days=draw(st.integers(0, 250))
                )
                rows.append(row)
    return rows


def _frame(rows):
    return pl.DataFrame(rows, schema_overrides={"grades": pl.List(pl.Int8), "accident_on": pl.Date,
                                                "admitted_on": pl.Date, "discharged_on": pl.Date})  # fmt: skip


def _params_of(program):
    return lambda claim: program.version_on(claim["cover_from"]).parameters


def _claim(row) -> Claim:
    return Claim(row["claim_id"], ClaimType(row["claim_type"]), row["born_on"], row["cover_from"], row["cover_to"],
                 row["due_on"], row["renewed"], row["basic_insurance"], row["accident_on"], row["admitted_on"],
                 row["discharged_on"], tuple(row["grades"]), row["expense_fen"])  # fmt: skip


@FAST
@given(programs(), claims())
def test_batch_equals_reference_and_the_domain_rule(program, rows):
    out = evaluate(_frame(rows), program)
    got = {r["claim_id"]: r for r in out.iter_rows(named=True)}
    expected = pay_group_accident(_params_of(program), rows)
    assert {k: (r["payout_fen"], r["reason"]) for k, r in got.items()} == expected
    states: dict = {}
    for row in sorted(rows, key=lambda r: (r["person_id"], r["policy_year"], r["due_on"], r["claim_id"])):
        key = (row["person_id"], row["policy_year"])
        result, states[key] = assess(_params_of(program)(row), _claim(row), states.get(key, PersonYear()))
        engine = assessment_from_row(got[row["claim_id"]])
        assert engine == result, {n: (getattr(engine, n), getattr(result, n)) for n in RESULT_COLUMNS}


@FAST
@given(programs(), claims())
def test_no_payout_exceeds_its_limits_and_explanations_add_up(program, rows):
    out = evaluate(_frame(rows), program)
    for row in out.iter_rows(named=True):
        assert 0 <= row["payout_fen"] <= row["claimed_fen"] or row["payout_fen"] == 0
        if row["limit_fen"] is not None:
            assert row["payout_fen"] <= max(0, row["limit_fen"] - row["used_before_fen"])
        explained = ClaimExplanation(
            assessment_from_row(row), program.code, "n", "n", row["version"], row["param_hash"]
        )
        assert explained.adds_up(), explained.lines_zh()
    for (_, _, version), group in out.group_by(["person_id", "policy_year", "version"]):
        p = program.version_named(str(version)).parameters
        paid = {t: group.filter(pl.col("claim_type") == t.value)["payout_fen"].sum() for t in ClaimType}
        if p.accident_medical and p.accident_medical.annual_limit is not None:
            assert paid[ClaimType.ACCIDENT_MEDICAL] <= p.accident_medical.annual_limit
        if p.illness_hospital and p.illness_hospital.annual_limit is not None:
            assert paid[ClaimType.ILLNESS_HOSPITAL] <= p.illness_hospital.annual_limit
        if p.hospital_allowance and p.hospital_allowance.max_days_per_year is not None:
            assert group["days_paid"].sum() <= p.hospital_allowance.max_days_per_year
        if p.disability:
            assert paid[ClaimType.DISABILITY] <= p.disability.sum_insured
        assert ((group["claim_type"] == "death") & (group["payout_fen"] > 0)).sum() <= 1
        together = paid[ClaimType.DISABILITY] + paid[ClaimType.DEATH]
        if p.death_disability_limit is not None:
            assert together <= p.death_disability_limit
        elif paid[ClaimType.DEATH]:
            death = group.filter((pl.col("claim_type") == "death") & (pl.col("payout_fen") > 0)).row(
                0, named=True
            )
            assert death["payout_fen"] + death["used_before_fen"] <= death["base_fen"]


@FAST
@given(programs(), claims(), st.randoms(use_true_random=False))
def test_any_chunking_and_any_row_order_give_the_same_results(program, rows, rnd):
    whole = evaluate(_frame(rows), program).select("claim_id", *RESULT_COLUMNS).sort("claim_id")
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert (
        evaluate(_frame(shuffled), program).select("claim_id", *RESULT_COLUMNS).sort("claim_id").equals(whole)
    )
    ordered = sorted(rows, key=lambda r: (r["person_id"], r["policy_year"], r["due_on"], r["claim_id"]))
    cuts = sorted(rnd.sample(range(1, len(ordered)), k=min(len(ordered) - 1, 3))) if len(ordered) > 1 else []
    state: dict = {}
    parts = []
    for start, end in zip([0, *cuts], [*cuts, len(ordered)], strict=True):
        fresh = {name: default for name, (_, default) in OPENING.items()}
        chunk = [
            dict(r, **(fresh | state.get((r["person_id"], r["policy_year"]), {}))) for r in ordered[start:end]
        ]
        out = evaluate(_frame(chunk), program)
        parts.append(out.select("claim_id", *RESULT_COLUMNS))
        for closing in closing_state(out).iter_rows(named=True):
            state[(closing["person_id"], closing["policy_year"])] = {k: closing[k] for k in OPENING}
    assert pl.concat(parts).sort("claim_id").equals(whole)
