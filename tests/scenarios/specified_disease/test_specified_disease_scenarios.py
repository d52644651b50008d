"""Runs every specified-disease scenario in this folder: persons and diagnoses in → lump sums, reasons
and explanations out; and group enrolment checks. Programs are the shipped ones or example files in
``programs/`` here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.group_cover import Reason
from anxin.domain.money import parse_yuan
from anxin.domain.specified_disease import LumpSum, check_group, explain, group_check_lines
from anxin.engine.specified_disease import evaluate
from anxin.store.program_files import load_program, resolve_program

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))


def _program(name: str):
    local = HERE / "programs" / f"{name}.toml"
    return load_program(local) if local.exists() else resolve_program(name)


def _rows(scenario: dict) -> list[dict]:
    persons = {p["id"]: p for p in scenario.get("persons", [])}
    rows = []
    for claim in scenario.get("claims", []):
        person = persons[claim["person"]]
        cover = claim.get("cover", [person["cover_from"], person["cover_to"]])
        rows.append(
            {
                "person_id": person["id"],
                "claim_id": claim["id"],
                "policy_year": cover[0].year,
                "cover_from": cover[0],
                "cover_to": cover[1],
                "born_on": person["born"],
                "sex": person.get("sex", "female"),
                "units": person.get("units", 1),
                "renewed": claim.get("renewed", person.get("renewed", False)),
                "diagnosed_on": claim["diagnosed"],
                "disease_code": claim["disease"],
            }
        )
    return rows


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    program = _program(scenario["program"])
    rows = _rows(scenario)
    results = {}
    if rows:
        out = evaluate(pl.DataFrame(rows), program)
        results = {row["claim_id"]: row for row in out.iter_rows(named=True)}
    for expect in scenario.get("expect", []):
        row = results[expect["id"]]
        where = f"{path.name} {expect['id']}"
        if "payout" in expect:
            assert row["payout_fen"] == parse_yuan(expect["payout"]), f"{where}: payout {row['payout_fen']}"
        for key in ("reason", "age", "units_paid"):
            if key in expect:
                assert row[key] == expect[key], f"{where}: {key} is {row[key]!r}"
        parameters = program.version_named(str(row["version"])).parameters
        result = LumpSum(**{k: row[k] if k != "reason" else Reason(row[k]) for k in LumpSum.__slots__})
        lines = "\n".join(
            explain(parameters, result, row["disease_code"])
            + explain(parameters, result, row["disease_code"], "en")
        )
        for phrase in expect.get("explains", []):
            assert phrase in lines, f"{where}: explanation lacks {phrase!r}:\n{lines}"
    for group in scenario.get("groups", []):
        parameters = program.versions[-1].parameters
        check = check_group(parameters, insured=group["insured"], eligible=group["eligible"])
        assert check.ok == group["ok"], f"{path.name} group {group}"
        lines = "\n".join(zh for zh, _ in group_check_lines(parameters, check))
        for phrase in group.get("explains", []):
            assert phrase in lines, f"{path.name}: group check lacks {phrase!r}:\n{lines}"


def test_every_scenario_is_explained_for_experts() -> None:
    assert len(SCENARIOS) >= 4
    for path in SCENARIOS:
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
        assert scenario["title"] and scenario["explanation"].strip(), path.name
        assert scenario.get("expect") or scenario.get("groups"), path.name
