"""Import batches: the record of every file that came in, its problems, and its audit entry.

A file's identity is the SHA-256 of its bytes (for a persons file, together with the enrolment it
is imported into, since the same list may enrol the same people in another program or year). A
file already imported completely is not imported again: the earlier batch is reported instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.errors import AnxinError, InvalidInput, InvalidRows, RowProblem
from anxin.domain.identity import mask
from anxin.store import audit
from anxin.store.bulk import bulk_insert
from anxin.store.database import Database
from anxin.store.schema import ImportBatch, ImportProblem

COMPLETED, REJECTED = "completed", "rejected"


class UnknownImport(AnxinError):
    code = "unknown_import"


@dataclass(frozen=True)
class ImportSummary:
    """What an import did. ``counts`` is rows written per table; nothing else is ever changed."""

    import_id: int
    kind: str
    file_name: str
    rows: int
    inserted: int
    unchanged: int
    counts: dict[str, int] = field(default_factory=dict)
    already_imported: bool = False
    note_zh: str = ""
    note_en: str = ""


_ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")


def safe_file_name(path: Path) -> str:
    """The file's name as stored and shown, with anything shaped like an ID number masked."""
    return _ID_LIKE.sub(lambda m: mask(m.group(0)), path.name)[:260]


def file_digest(path: Path, *, context: str = "") -> str:
    """SHA-256 of the file's bytes, followed by ``context`` when the import has parameters."""
    if not path.is_file():
        raise InvalidInput(f"找不到文件：{path}", f"file not found: {path}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if context:
        digest.update(b"\0" + context.encode())
    return digest.hexdigest()


def earlier_import(connection: sa.Connection, kind: str, digest: str) -> ImportSummary | None:
    """The completed import of the same file, reported as unchanged, if there is one."""
    statement = (
        sa.select(ImportBatch)
        .where(ImportBatch.kind == kind, ImportBatch.file_hash == digest, ImportBatch.status == COMPLETED)
        .order_by(ImportBatch.id)
        .limit(1)
    )
    batch = connection.execute(statement).first()
    if batch is None:
        return None
    when = f"{batch.finished_at or batch.started_at:%Y-%m-%d %H:%M}"
    return ImportSummary(
        import_id=batch.id,
        kind=kind,
        file_name=batch.file_name,
        rows=batch.rows,
        inserted=0,
        unchanged=batch.rows,
        already_imported=True,
        note_zh=f"该文件已于 {when} 导入（批次 {batch.id}，新增 {batch.inserted} 行），本次未做任何更改",
        note_en=f"this file was imported on {when} (batch {batch.id}, {batch.inserted} rows added); "
        "nothing was changed",
    )


def insert_batch(
    connection: sa.Connection,
    *,
    kind: str,
    path: Path,
    digest: str,
    actor: str,
    status: str,
    rows: int = 0,
    inserted: int = 0,
    unchanged: int = 0,
    problems: int = 0,
) -> int:
    values = {
        "kind": kind,
        "file_name": safe_file_name(path),
        "file_hash": digest,
        "status": status,
        "rows": rows,
        "inserted": inserted,
        "unchanged": unchanged,
        "problems": problems,
        "actor": actor,
        "started_at": dt.datetime.now(dt.UTC),
    }
    if status == REJECTED:
        values["finished_at"] = values["started_at"]
    return int(connection.execute(sa.insert(ImportBatch).returning(ImportBatch.id), values).scalar_one())


def finish_batch(connection: sa.Connection, import_id: int) -> None:
    connection.execute(
        sa.update(ImportBatch).where(ImportBatch.id == import_id).values(finished_at=dt.datetime.now(dt.UTC))
    )


def record_audit(
    connection: sa.Connection, *, actor: str, action: str, import_id: int, detail: dict[str, Any]
) -> None:
    """One audit entry for the import, in its transaction: counts and parameters, no personal data."""
    with Session(bind=connection) as session:
        audit.record(
            session, actor=actor, action=action, entity="import_batches", entity_id=import_id, after=detail
        )
        session.flush()


def store_rejection(
    connection: sa.Connection,
    *,
    kind: str,
    path: Path,
    digest: str,
    actor: str,
    error: InvalidInput,
    rows: int,
    detail: dict[str, Any],
) -> int:
    """A rejected batch with its (already masked) problems, committed on its own; returns its id."""
    if isinstance(error, InvalidRows):
        problems, total = error.problems, error.total
    else:
        problems, total = [RowProblem(0, "", "", error.zh, error.en)], 1
    with connection.begin():
        import_id = insert_batch(
            connection,
            kind=kind,
            path=path,
            digest=digest,
            actor=actor,
            status=REJECTED,
            rows=rows,
            problems=total,
        )
        frame = pl.DataFrame(
            {
                "import_id": [import_id] * len(problems),
                "row": [p.row for p in problems],
                "column": [p.column[:80] for p in problems],
                "value": [p.value[:80] for p in problems],
                "reason_zh": [p.reason_zh[:200] for p in problems],
                "reason_en": [p.reason_en[:200] for p in problems],
            },
            schema={
                "import_id": pl.Int64,
                "row": pl.Int64,
                "column": pl.String,
                "value": pl.String,
                "reason_zh": pl.String,
                "reason_en": pl.String,
            },
        )
        bulk_insert(connection, ImportProblem.__table__, frame)  # type: ignore[arg-type]
        record_audit(
            connection,
            actor=actor,
            action="import_rejected",
            import_id=import_id,
            detail={**detail, "rows": rows, "problems": total},
        )
    return import_id


def import_problems(db: Database, import_id: int) -> list[RowProblem]:
    """The stored problems of an import, in row order (values already masked)."""
    with db.engine.connect() as connection:
        known = connection.execute(sa.select(ImportBatch.id).where(ImportBatch.id == import_id)).first()
        if known is None:
            raise UnknownImport(f"没有编号为 {import_id} 的导入批次", f"no import batch {import_id}")
        rows = connection.execute(
            sa.select(ImportProblem)
            .where(ImportProblem.import_id == import_id)
            .order_by(ImportProblem.row, ImportProblem.id)
        ).all()
    return [RowProblem(r.row, r.column, r.value, r.reason_zh, r.reason_en) for r in rows]


def import_batch(db: Database, import_id: int) -> ImportBatch:
    """One import batch's record (file name, status, counts)."""
    with db.session() as session:
        batch = session.get(ImportBatch, import_id)
        if batch is None:
            raise UnknownImport(f"没有编号为 {import_id} 的导入批次", f"no import batch {import_id}")
        session.expunge(batch)
        return batch
