"""Long-term care scenarios (tests/scenarios/long_term_care) turned into the files an office imports:
a roster enrolling the persons, providers, assessments and care bills with Chinese headers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl

from anxin.domain.long_term_care import CareLevel, ServiceType
from anxin.domain.money import parse_yuan
from anxin.services.imports import import_assessments, import_care_bills, import_persons, import_providers
from anxin.store.database import Database

from .group_claims_support import resident_id, write

SCENARIOS = Path(__file__).parents[1] / "scenarios" / "long_term_care"
RESIDENT = "shandong-city-ltc-resident"
YEAR = 2023


def scenario(name: str) -> dict:
    return tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))


def person_numbers(case: dict) -> list[str]:
    names = {e["person"] for e in case["enrolments"]} | {b["person"] for b in case["bills"]}
    return sorted(names)


def certno(index: int) -> str:
    return resident_id("19400101", f"{index:03d}", "370102")


def files(case: dict, tmp_path: Path, suffix: str = ".csv") -> dict[str, Path]:
    """The roster, providers, assessments and bills of a scenario (levels given as codes)."""
    people = person_numbers(case)
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(people))], "人员编号": people})
    providers = pl.DataFrame(
        {
            "机构编码": [p["code"] for p in case["providers"]],
            "机构名称": [p["name"] for p in case["providers"]],
            "医院等级": [str(p.get("tier", "")) for p in case["providers"]],
            "服务类型": [
                "、".join(ServiceType(s).label_zh for s in p["services"]) for p in case["providers"]
            ],
        }
    )
    assessments = pl.DataFrame(
        {
            "评估编号": [f"A-{i}" for i, _ in enumerate(case["assessments"])],
            "人员编号": [a["person"] for a in case["assessments"]],
            "评估日期": [str(a["assessed_on"]) for a in case["assessments"]],
            "失能等级": [CareLevel[a["level"].upper()].label_zh for a in case["assessments"]],
        }
    )
    return {
        "roster": write(roster, tmp_path / "ltc-roster.csv"),
        "providers": write(providers, tmp_path / f"providers{suffix}"),
        "assessments": write(assessments, tmp_path / f"assessments{suffix}"),
        "bills": write(bills_frame(case["bills"]), tmp_path / f"bills{suffix}"),
    }


def bills_frame(bills: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "账单号": [b["id"] for b in bills],
            "人员编号": [b["person"] for b in bills],
            "机构编码": [b["provider"] for b in bills],
            "服务类型": [ServiceType(b["service"]).label_zh for b in bills],
            "护理月份": [b["month"] for b in bills],
            "护理开始日期": [str(b.get("from", "")) for b in bills],
            "护理结束日期": [str(b.get("to", "")) for b in bills],
            "护理天数": [str(b["days"]) for b in bills],
            "护理费用": [b.get("cost", "0") for b in bills],
            "原账单号": [b.get("replaces", "") for b in bills],
        }
    )


def load(db: Database, case: dict, tmp_path: Path, program: str = RESIDENT) -> dict[str, Path]:
    """Everything of a scenario imported: the roster enrolled in ``program`` for 2023, then the rest."""
    paths = files(case, tmp_path)
    import_persons(db, paths["roster"], program_code=program, year=YEAR)
    import_providers(db, paths["providers"])
    import_assessments(db, paths["assessments"])
    import_care_bills(db, paths["bills"], program_code=program)
    return paths


def expected(case: dict) -> dict[str, int]:
    """Bill number → the payout the scenario expects, in fen."""
    return {e["bill"]: parse_yuan(e["payout"]) for e in case["expect"] if "bill" in e}
