"""Properties of the specified-disease engine on random programs and random diagnoses.

- the batch equals the independent reference and the domain's one-diagnosis-at-a-time rule;
- a person is paid at most once where cover ends after a payout, and never more than
  units × unit sum insured × the disease's multiple;
- any chunking of a person's diagnoses, carrying ``opening_paid``, and any row order, give the same.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.programs import parse_program
from anxin.domain.programs.specified_disease import Sex
from anxin.domain.specified_disease import Diagnosis, assess
from anxin.engine.specified_disease import RESULT_COLUMNS, closing_state, evaluate
from tests.reference_group_cover import pay_specified_disease

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODES = ["breast_cancer", "cervical_cancer", "ovarian_cancer", "lung_cancer"]


@st.composite
def parameters(draw):
    diseases = [
        {"code": code, "name_zh": code, "name_en": code, "multiple": f"{draw(st.integers(1, 40)) / 10}倍"}
        for code in CODES[:3]
        if draw(st.sampled_from([True, True, False])) or code == "breast_cancer"
    ]
    p = {
        "unit_sum_insured": f"{draw(st.integers(0, 50_000))}.{draw(st.integers(0, 99)):02d} 元",
        "unit_premium": "20 元",
        "ends_after_payout": draw(st.booleans()),
        "diseases": diseases,
        "eligibility": {
            "min_age": "16 岁",
            "max_age": "60 岁",
            "ages_on": draw(st.sampled_from(["event", "cover_start"])),
        },
    }
    if draw(st.booleans()):
        p["max_units"] = draw(st.integers(1, 5))
    if draw(st.booleans()):
        p["sex"] = "female"
    if draw(st.booleans()):
        p["waiting"] = {"days": f"{draw(st.integers(0, 180))} 天", "on_renewal": draw(st.booleans())}
    return p


@st.composite
def programs(draw):
    versions = [
        {"version": v, "effective_from": day, "source": {"title": "t"}, "parameters": draw(parameters())}
        for v, day in (("a", dt.date(2020, 1, 1)), ("b", dt.date(2024, 1, 1)))
    ]
    data = {"code": "random-sd", "name_zh": "随机", "name_en": "random", "kind": "specified_disease",
            "funder": "union", "versions": versions}  # fmt: skip
    return parse_program(data, source_name="random.toml")


@st.composite
def diagnoses(draw):
    rows, serial = [], 0
    for person in range(draw(st.integers(1, 3))):
        born = dt.date(draw(st.sampled_from([1960, 1963, 1980, 2007, 2008])), 6, 15)
        sex = draw(st.sampled_from(["female", "female", "male"]))
        for year in draw(st.lists(st.sampled_from([2023, 2024]), min_size=1, max_size=2, unique=True)):
            cover_from = dt.date(year, 3, 1)
            for _ in range(draw(st.integers(1, 4))):
                serial += 1
                rows.append({
                    "person_id": f"W{person}", "claim_id": f"D{serial:03d}", "policy_year": year,
                    "cover_from": cover_from, "cover_to": dt.date(year + 1, 2, 28), "born_on": born, "sex": sex,
                    "diagnosed_on": cover_from + dt.timedelta(days=draw(st.integers(-20, 380))),
                    "disease_code": draw(st.sampled_from(CODES)), "units": draw(st.integers(1, 6)),
                    "renewed": draw(st.booleans()),
                })  # fmt: skip
    return rows


def _params_of(program):
    return lambda row: program.version_on(row["cover_from"]).parameters


@FAST
@given(programs(), diagnoses())
def test_batch_equals_reference_and_the_domain_rule(program, rows):
    out = evaluate(pl.DataFrame(rows), program)
    got = {r["claim_id"]: r for r in out.iter_rows(named=True)}
    assert {k: (r["payout_fen"], r["reason"]) for k, r in got.items()} == pay_specified_disease(
        _params_of(program), rows
    )
    paid: dict[str, bool] = {}
    for row in sorted(rows, key=lambda r: (r["person_id"], r["diagnosed_on"], r["claim_id"])):
        claim = Diagnosis(row["claim_id"], row["born_on"], row["cover_from"], row["cover_to"], row["diagnosed_on"],
                          row["disease_code"], row["units"], Sex(row["sex"]), row["renewed"])  # fmt: skip
        result, paid[row["person_id"]] = assess(
            _params_of(program)(row), claim, paid_before=paid.get(row["person_id"], False)
        )
        engine = got[row["claim_id"]]
        assert {n: engine[n] for n in RESULT_COLUMNS} == {n: getattr(result, n) for n in RESULT_COLUMNS}


@FAST
@given(programs(), diagnoses())
def test_paid_once_and_never_above_units_times_multiple(program, rows):
    out = evaluate(pl.DataFrame(rows), program)
    for row in out.iter_rows(named=True):
        p = _params_of(program)(row)
        disease = p.disease(row["disease_code"])
        most = 0 if disease is None else row["units"] * p.unit_sum_insured * disease.multiple
        assert row["payout_fen"] * 10_000 <= most + 5_000
    for (person,), group in out.group_by(["person_id"]):
        versions = {str(v) for v in group["version"].unique()}
        if all(program.version_named(v).parameters.ends_after_payout for v in versions):
            assert (group["reason"] == "paid").sum() <= 1, person


@FAST
@given(programs(), diagnoses(), st.randoms(use_true_random=False))
def test_any_chunking_and_any_row_order_give_the_same_results(program, rows, rnd):
    whole = evaluate(pl.DataFrame(rows), program).select("claim_id", *RESULT_COLUMNS).sort("claim_id")
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert (
        evaluate(pl.DataFrame(shuffled), program)
        .select("claim_id", *RESULT_COLUMNS)
        .sort("claim_id")
        .equals(whole)
    )
    ordered = sorted(rows, key=lambda r: (r["person_id"], r["diagnosed_on"], r["claim_id"]))
    cuts = sorted(rnd.sample(range(1, len(ordered)), k=min(len(ordered) - 1, 3))) if len(ordered) > 1 else []
    paid: dict[str, bool] = {}
    parts = []
    for start, end in zip([0, *cuts], [*cuts, len(ordered)], strict=True):
        chunk = [dict(r, opening_paid=paid.get(r["person_id"], False)) for r in ordered[start:end]]
        out = evaluate(pl.DataFrame(chunk), program)
        parts.append(out.select("claim_id", *RESULT_COLUMNS))
        paid |= dict(closing_state(out).iter_rows())
    assert pl.concat(parts).sort("claim_id").equals(whole)
