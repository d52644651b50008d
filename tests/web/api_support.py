"""Helpers for the API tests: keys, settlement files for persons of the demo province, and a run
that puts large new lines into review."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from anxin.store.database import Database
from anxin.store.schema import Person, Settlement
from tests.web.conftest import PROGRAM

V1 = "/api/v1"


def key() -> dict[str, str]:
    """A fresh ``Idempotency-Key`` header."""
    return {"Idempotency-Key": str(uuid.uuid4())}


def psn_numbers(db: Database, count: int) -> list[str]:
    """Person numbers of persons without any settlement yet (their year to date is 0)."""
    claimed = sa.exists().where(Settlement.person_id == Person.id)
    with db.session() as session:
        return list(
            session.scalars(sa.select(Person.psn_no).where(~claimed).order_by(Person.id.desc()).limit(count))
        )


def settlement_csv(folder: Path, rows: list[tuple[str, str, str]], name: str = "settlements.csv") -> Path:
    """A settlement file: (setl_id, psn_no, eligible owed cost in yuan), discharged in December 2023."""
    lines = ["setl_id,psn_no,setl_time,begndate,enddate,eligible_owed"]
    lines += [f"{setl},{psn},2023-12-20 10:00:00,2023-12-01,2023-12-20,{owed}" for setl, psn, owed in rows]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def upload(client: TestClient, path: Path, kind: str = "settlements", **form: str) -> dict:
    with path.open("rb") as handle:
        response = client.post(
            f"{V1}/imports",
            files={"file": (path.name, handle, "text/csv")},
            data={"kind": kind, **form},
            headers=key(),
        )
    assert response.status_code in (200, 201), response.text
    return response.json()


def lines_in_review(api, db: Database, folder: Path, owed: list[str]) -> list[dict]:  # type: ignore[no-untyped-def]
    """New settlements (one person each) imported by the clerk and adjudicated by the adjuster with
    every line sent to review; the review items of the new settlements, in the order given."""
    numbers = psn_numbers(db, len(owed))
    rows = [(f"T{k:04d}", psn, amount) for k, (psn, amount) in enumerate(zip(numbers, owed, strict=True))]
    assert upload(api("clerk"), settlement_csv(folder, rows))["status"] == "completed"
    run = api("adjuster").post(f"{V1}/runs", json={"program": PROGRAM, "review_above_fen": 0}, headers=key())
    assert run.status_code == 201, run.text
    queue = api("reviewer").get(f"{V1}/review", params={"program": PROGRAM, "limit": 200}).json()["items"]
    by_setl = {item["setl_id"]: item for item in queue}
    return [by_setl[setl] for setl, _, _ in rows]
