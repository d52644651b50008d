"""Runs every long-term care scenario in this folder: registers and a month of bills in → each bill's
payout, paid days, reasons and explanation out.

A scenario is a TOML file a care-insurance expert can read and check by hand:

* ``program``: a shipped program code, or a file in ``programs/`` here;
* ``[[providers]]`` (code, name, tier, services), ``[[enrolments]]`` (person, from, to),
  ``[[assessments]]`` (person, assessed_on, and the result as ``level``, as item ``scores`` graded by
  the program's table, or as a ``barthel`` total);
* ``[[bills]]`` (id, person, provider, service, month ``"YYYY-MM"``, days, cost, optional from/to);
* ``[[expect]]`` per bill (payout, paid_days, reason, any ``days_…`` count, limited_by, phrases the
  Chinese and English explanations must contain) and ``[[expect_assessment]]`` (totals, grades, level).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.long_term_care import (
    AssessmentMethod,
    CareLevel,
    Grade,
    assess_barthel,
    assess_national,
    level_codes,
)
from anxin.domain.long_term_care_explanation import explain_bill
from anxin.domain.money import parse_yuan
from anxin.domain.programs.long_term_care import AssessmentRules, LongTermCareProgram
from anxin.engine.long_term_care import evaluate, registers
from anxin.store.program_files import resolve_program

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))
COUNTS = ("paid_days", "days_refused", "days_not_enrolled", "days_no_assessment", "days_expired",
          "days_level_ineligible", "days_over_month", "days_eligible")  # fmt: skip


def _program(name: str) -> LongTermCareProgram:
    path = HERE / "programs" / f"{name}.toml"
    program = resolve_program(path if path.exists() else name)
    assert isinstance(program, LongTermCareProgram)
    return program


def _rules(program: LongTermCareProgram, day: dt.date) -> AssessmentRules:
    in_force = [v for v in program.versions if v.effective_from <= day] or [program.versions[0]]
    return in_force[-1].parameters.assessment


def _assessed(program: LongTermCareProgram, entry: dict) -> dict:
    """An assessment row; its level given, or graded from scores by the program's own table."""
    rules = _rules(program, entry["assessed_on"])
    method = AssessmentMethod(entry.get("method", rules.method.value))
    result: dict = {}
    if "level" in entry:
        level = level_codes(method)[entry["level"]]
    elif "barthel" in entry:
        assert rules.barthel is not None
        total, grade = assess_barthel(entry["barthel"], rules.barthel.cutoffs)
        level, result = int(grade), {"barthel_total": total, "level": grade.code}
    else:
        grading = rules.national
        assert grading is not None
        national = assess_national(entry["scores"], grading.cutoffs(), grading.levels())
        level = int(national.level)
        result = {
            "adl_total": national.adl_total,
            "adl_grade": national.adl_grade.code,
            "cognition_total": national.cognition_total,
            "cognition_grade": national.cognition_grade.code,
            "perception_total": national.perception_total,
            "perception_grade": national.perception_grade.code,
            "level": national.level.code,
        }
    row = {"person_id": entry["person"], "assessed_on": entry["assessed_on"], "method": method.value}
    return row | {"level": level, "result": result}


def _run(scenario: dict) -> tuple[LongTermCareProgram, dict[str, dict], list[dict]]:
    program = _program(scenario["program"])
    assessed = [_assessed(program, a) for a in scenario.get("assessments", [])]
    reg = registers(
        pl.DataFrame(
            [{k: v for k, v in a.items() if k != "result"} for a in assessed],
            schema={"person_id": pl.String, "assessed_on": pl.Date, "method": pl.String, "level": pl.Int8},
        ),
        pl.DataFrame(
            [{"person_id": e["person"], "enrolled_from": e["from"], "enrolled_to": e.get("to")}
             for e in scenario.get("enrolments", [])],
            schema={"person_id": pl.String, "enrolled_from": pl.Date, "enrolled_to": pl.Date},
        ),
        pl.DataFrame(
            [{"provider_code": p["code"], "provider_name": p["name"], "tier": p.get("tier"),
              "service_types": p["services"]} for p in scenario.get("providers", [])],
            schema={"provider_code": pl.String, "provider_name": pl.String, "tier": pl.Int8,
                    "service_types": pl.List(pl.String)},
        ),
    )  # fmt: skip
    bills = [
        {
            "bill_id": b["id"],
            "person_id": b["person"],
            "provider_code": b["provider"],
            "service_type": b["service"],
            "month": dt.date.fromisoformat(b["month"] + "-01"),
            "days": b["days"],
            "cost_fen": parse_yuan(b.get("cost", "0")),
            "service_from": b.get("from"),
            "service_to": b.get("to"),
        }
        for b in scenario["bills"]
    ]
    schema = {"month": pl.Date, "service_from": pl.Date, "service_to": pl.Date, "days": pl.Int32}
    out = evaluate(pl.DataFrame(bills, schema_overrides=schema), reg, program)
    return program, {row["bill_id"]: row for row in out.iter_rows(named=True)}, assessed


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    program, results, assessed = _run(scenario)
    for expect in scenario.get("expect", []):
        row = results[expect["bill"]]
        where = f"{path.name} {expect['bill']}"
        if "payout" in expect:
            assert row["payout_fen"] == parse_yuan(expect["payout"]), f"{where}: payout"
        for key in COUNTS:
            if key in expect:
                assert row[key] == expect[key], f"{where}: {key}"
        for key in ("reason", "limited_by"):
            if key in expect:
                assert (row[key] or "") == expect[key], f"{where}: {key}"
        explanation = explain_bill(row, program)
        zh, en = "\n".join(explanation.lines_zh()), "\n".join(explanation.lines_en())
        for phrase in expect.get("explains", []):
            assert phrase in zh, f"{where}: explanation lacks {phrase!r}:\n{zh}"
        for phrase in expect.get("explains_en", []):
            assert phrase in en, f"{where}: English explanation lacks {phrase!r}:\n{en}"
    for expect in scenario.get("expect_assessment", []):
        found = [
            a
            for a in assessed
            if (a["person_id"], a["assessed_on"]) == (expect["person"], expect["assessed_on"])
        ]
        assert len(found) == 1, path.name
        for key, value in expect.items():
            if key not in ("person", "assessed_on"):
                assert found[0]["result"][key] == value, f"{path.name} {expect['person']}: {key}"
    for month in scenario.get("expect_month", []):
        rows = [
            r
            for r in results.values()
            if r["person_id"] == month["person"] and r["month"].isoformat()[:7] == month["month"]
        ]
        assert sum(r["paid_days"] for r in rows) == month["paid_days"], path.name
        assert sum(r["payout_fen"] for r in rows) == parse_yuan(month["paid"]), path.name


def test_every_scenario_is_explained_for_experts() -> None:
    assert len(SCENARIOS) >= 6
    for path in SCENARIOS:
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
        assert scenario["title"] and scenario["explanation"].strip(), path.name
        assert scenario.get("expect"), path.name


def test_level_and_grade_codes_are_those_documented() -> None:
    assert [level.code for level in CareLevel] == [
        "normal",
        "mild",
        "moderate",
        "severe_1",
        "severe_2",
        "severe_3",
    ]
    assert [grade.code for grade in Grade] == ["intact", "mild", "moderate", "severe"]
