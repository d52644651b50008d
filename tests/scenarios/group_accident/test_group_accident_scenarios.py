"""Runs every group accident & health scenario in this folder: persons and claims in → payouts, reasons
and explanations out. Each scenario is a TOML file a claims expert can read and check by hand (see
``explanation`` in each); programs are the shipped ones, or example files in ``programs/`` here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.group_accident_explanation import ClaimExplanation, assessment_from_row
from anxin.domain.money import parse_yuan
from anxin.engine.group_accident import evaluate
from anxin.store.program_files import load_program, resolve_program

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))
AMOUNTS = ("payout", "claimed", "limit_cut", "used_before", "base", "deductible")


def _program(name: str):
    local = HERE / "programs" / f"{name}.toml"
    return load_program(local) if local.exists() else resolve_program(name)


def _rows(scenario: dict) -> list[dict]:
    persons = {p["id"]: p for p in scenario["persons"]}
    rows = []
    for claim in scenario["claims"]:
        person = persons[claim["person"]]
        rows.append(
            {
                "person_id": person["id"],
                "claim_id": claim["id"],
                "policy_year": person.get("policy_year", person["cover_from"].year),
                "cover_from": person["cover_from"],
                "cover_to": person["cover_to"],
                "born_on": person["born"],
                "renewed": person.get("renewed", False),
                "basic_insurance": person.get("basic_insurance", True),
                "claim_type": claim["type"],
                "accident_on": claim.get("accident"),
                "admitted_on": claim.get("admitted"),
                "discharged_on": claim.get("discharged"),
                "due_on": claim["due"],
                "grades": claim.get("grades", []),
                "expense_fen": parse_yuan(claim.get("expense", "0")),
            }
        )
    return rows


def _frame(rows: list[dict]) -> pl.DataFrame:
    dates = {name: pl.Date for name in ("accident_on", "admitted_on", "discharged_on")}
    return pl.DataFrame(rows, schema_overrides={"grades": pl.List(pl.Int8), **dates})


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    program = _program(scenario["program"])
    out = evaluate(_frame(_rows(scenario)), program)
    results = {row["claim_id"]: row for row in out.iter_rows(named=True)}
    for row in results.values():
        explained = ClaimExplanation(
            assessment_from_row(row),
            program.code,
            program.name_zh,
            program.name_en,
            row["version"],
            row["param_hash"],
        )
        assert explained.adds_up(), f"{path.name} {row['claim_id']}: " + "\n".join(explained.lines_zh())
        row["_lines"] = "\n".join(explained.lines_zh() + explained.lines_en())
    for expect in scenario["expect"]:
        row = results[expect["id"]]
        where = f"{path.name} {expect['id']}"
        for key in AMOUNTS:
            if key in expect:
                assert row[f"{key}_fen"] == parse_yuan(expect[key]), f"{where}: {key} {row[f'{key}_fen']}"
        for key in ("reason", "age", "days_paid", "paid_grade", "stay_days"):
            if key in expect:
                assert row[key] == expect[key], f"{where}: {key} is {row[key]!r}"
        for phrase in expect.get("explains", []):
            assert phrase in row["_lines"], f"{where}: explanation lacks {phrase!r}:\n{row['_lines']}"
    for person in scenario.get("expect_person", []):
        own = [r for r in results.values() if r["person_id"] == person["person"]]
        if "year" in person:
            own = [r for r in own if r["policy_year"] == person["year"]]
        if "type" in person:
            own = [r for r in own if r["claim_type"] == person["type"]]
        assert sum(r["payout_fen"] for r in own) == parse_yuan(person["paid"]), f"{path.name} {person}"


def test_every_scenario_is_explained_for_experts() -> None:
    assert len(SCENARIOS) >= 10
    for path in SCENARIOS:
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
        assert scenario["title"] and scenario["explanation"].strip(), path.name
        assert scenario["expect"], path.name
