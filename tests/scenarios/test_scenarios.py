"""Runs every scenario file in this folder: program + settlements in → payouts and reasons out.

A scenario is a TOML file a claims expert can read and check by hand (see ``explanation`` in each).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.money import parse_yuan
from anxin.domain.vulnerability import VulnerableGroup
from anxin.engine.critical_illness import compute
from anxin.services.calculate import explanation_of
from anxin.store.program_files import resolve_program

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))


def _program(name: str):
    path = HERE / name
    return resolve_program(path if path.suffix == ".toml" else name)


def _results(scenario: dict) -> tuple[object, dict[str, dict]]:
    program = _program(scenario["program"])
    rows = []
    for s in scenario["settlements"]:
        group = VulnerableGroup.parse(s.get("group", ""))
        rows.append(
            {
                "person_id": s["person"],
                "settlement_id": s["id"],
                "admitted_on": s["admitted"],
                "discharged_on": s["discharged"],
                "settled_at": s["settled"]
                if isinstance(s["settled"], dt.datetime)
                else dt.datetime.combine(s["settled"], dt.time()),
                "base_fen": parse_yuan(s["owed"]),
                "vulnerable_group": group.value if group else None,
            }
        )
    out = pl.from_arrow(compute(pl.DataFrame(rows).to_arrow(), program))
    return program, {row["settlement_id"]: row for row in out.iter_rows(named=True)}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    program, results = _results(scenario)
    for expect in scenario["expect"]:
        row = results[expect["id"]]
        where = f"{path.name} {expect['id']}"
        for key in ("payout", "deductible_applied", "ytd_before", "ytd_after", "cap_cut"):
            if key in expect:
                assert row[f"{key}_fen"] == parse_yuan(expect[key]), f"{where}: {key}"
        if "program_year" in expect:
            assert row["program_year"] == expect["program_year"], where
        if "tilt" in expect:
            assert (row["tilt"] or "") == expect["tilt"], where
        for k, amount in enumerate(expect.get("band_amounts", []), start=1):
            assert row[f"band_{k}_fen"] == parse_yuan(amount), f"{where}: band {k}"
        lines = "\n".join(explanation_of(row, program).lines_zh())
        for phrase in expect.get("explains", []):
            assert phrase in lines, f"{where}: explanation lacks {phrase!r}:\n{lines}"
    for person in scenario.get("expect_person", []):
        paid = sum(
            r["payout_fen"]
            for r in results.values()
            if r["person_id"] == person["person"] and r["program_year"] == person["year"]
        )
        assert paid == parse_yuan(person["paid"]), path.name


def test_every_scenario_is_explained_for_experts() -> None:
    assert SCENARIOS
    for path in SCENARIOS:
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
        assert scenario["title"] and scenario["explanation"].strip(), path.name
