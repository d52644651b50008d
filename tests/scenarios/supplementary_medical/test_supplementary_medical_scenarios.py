"""Runs every supplementary medical (特惠保险) scenario in this folder: settlements of registered
persons in → the critical-illness payout first (the program named in ``after``), then the
supplementary payout on what remains, its reason and its explanation out. Programs are the shipped
ones or example files in ``programs/`` here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.money import parse_yuan
from anxin.domain.supplementary_medical import covered_group, explanation_of
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine import critical_illness
from anxin.engine.supplementary_medical import evaluate_supplementary
from anxin.store.program_files import load_program, resolve_program

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))


def _program(name: str):
    local = HERE / "programs" / f"{name}.toml"
    return load_program(local) if local.exists() else resolve_program(name)


def _rows(scenario: dict, program) -> list[dict]:
    parameters = program.versions[-1].parameters
    rows = []
    for s in scenario["settlements"]:
        registered = [g for g in (VulnerableGroup.parse(word) for word in s.get("groups", [])) if g]
        group = covered_group(parameters, registered)
        rows.append(
            {
                "person_id": s["person"],
                "settlement_id": s["id"],
                "admitted_on": s["admitted"],
                "discharged_on": s["discharged"],
                "settled_at": s["settled"],
                "base_fen": parse_yuan(s["owed"]),
                "vulnerable_group": None if group is None else group.value,
            }
        )
    return rows


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    program = _program(scenario["program"])
    rows = pl.DataFrame(_rows(scenario, program))
    ci = critical_illness.compute(rows, resolve_program(program.after))
    ci_due = dict(zip(ci["settlement_id"].to_pylist(), ci["payout_fen"].to_pylist(), strict=True))
    rows = rows.with_columns(
        ci_payout_fen=pl.col("settlement_id").replace_strict(ci_due, return_dtype=pl.Int64)
    )
    out = evaluate_supplementary(rows, program)
    results = {row["settlement_id"]: row for row in out.iter_rows(named=True)}
    for expect in scenario["expect"]:
        row = results[expect["id"]]
        where = f"{path.name} {expect['id']}"
        for key, column in (("ci", "ci_payout_fen"), ("base", "base_fen"), ("payout", "payout_fen"),
                            ("cap_cut", "cap_cut_fen")):  # fmt: skip
            if key in expect:
                assert row[column] == parse_yuan(expect[key]), f"{where}: {key} is {row[column]}"
        if "tilt" in expect:
            assert (row["tilt"] or "") == expect["tilt"], f"{where}: tilt {row['tilt']!r}"
        if "registered" in expect:
            assert row["eligible"] == expect["registered"], f"{where}: registered {row['eligible']}"
        explanation = explanation_of(program, row)
        lines = explanation.lines("zh") + explanation.lines("en")
        text = "\n".join(lines)
        for phrase in expect.get("explains", []):
            assert phrase in text, f"{where}: explanation lacks {phrase!r}:\n{text}"
        if row["eligible"]:  # the lines add up to the payout exactly
            parts = sum(band.contribution for band in explanation.bands) + explanation.rounding
            assert parts * 100 - explanation.cap_cut == explanation.payout, where


def test_every_scenario_is_explained_for_experts() -> None:
    assert len(SCENARIOS) >= 4
    for path in SCENARIOS:
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
        assert scenario["title"] and scenario["explanation"].strip(), path.name
        assert scenario["expect"], path.name
