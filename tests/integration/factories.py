"""Test data put straight into the database (the import service has its own tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import sqlalchemy as sa

from anxin.domain.identity import mask
from anxin.domain.money import parse_yuan
from anxin.store.database import Database
from anxin.store.schema import Enrollment, Person, Settlement


def store_persons(
    db: Database, persons: pl.DataFrame, *, program_code: str, years: list[int]
) -> dict[str, int]:
    """Persons (ID numbers protected as the importer does) enrolled in ``program_code`` for ``years``."""
    rows = [
        {
            "id_hash": db.protector.lookup_hash(p["certno"]),
            "id_cipher": db.protector.encrypt(p["certno"]),
            "id_masked": mask(p["certno"]),
            "psn_no": p["psn_no"],
            "name": p.get("name", ""),
            "sex": p.get("sex", "male"),
            "birth_date": p.get("birth_date", dt.date(1960, 1, 1)),
            "region_code": p.get("region_code", ""),
        }
        for p in persons.iter_rows(named=True)
    ]
    with db.engine.begin() as connection:
        connection.execute(sa.insert(Person), rows)
        ids = dict(connection.execute(sa.select(Person.psn_no, Person.id)).all())
        connection.execute(
            sa.insert(Enrollment),
            [
                {
                    "person_id": pid,
                    "program_code": program_code,
                    "year": year,
                    "funder": "government",
                    "premium_fen": 0,
                    "covered_from": dt.date(year, 1, 1),
                    "covered_to": dt.date(year, 12, 31),
                }
                for pid in ids.values()
                for year in years
            ],
        )
    return ids


def store_settlements(db: Database, settlements: pl.DataFrame, person_ids: dict[str, int]) -> None:
    """Settlements with amounts in fen; ``base_fen`` = policy-scope amount − pooled fund payment."""

    def fen(value) -> int | None:  # type: ignore[no-untyped-def]
        return None if value is None else parse_yuan(Decimal(str(value)))

    rows = []
    for s in settlements.iter_rows(named=True):
        inscp, hifp = fen(s.get("inscp_scp_amt")), fen(s.get("hifp_pay"))
        rows.append(
            {
                "setl_id": s["setl_id"],
                "person_id": person_ids[s["psn_no"]],
                "psn_no": s["psn_no"],
                "setl_time": s["setl_time"],
                "begndate": s["begndate"],
                "enddate": s["enddate"],
                "medfee_fen": fen(s.get("medfee_sumamt")),
                "inscp_fen": inscp,
                "hifp_fen": hifp,
                "hifmi_fen": fen(s.get("hifmi_pay")),
                "base_fen": s["base_fen"] if "base_fen" in s else inscp - hifp,
                "psn_idet_type": s.get("psn_idet_type"),
                "hosp_lv": s.get("hosp_lv") or "",
                "insuplc_admdvs": s.get("insuplc_admdvs") or "",
                "reverses_setl_id": s.get("reverses_setl_id"),
            }
        )
    with db.engine.begin() as connection:
        connection.execute(sa.insert(Settlement), rows)
