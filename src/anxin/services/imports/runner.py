"""The shape every import shares: all-or-nothing per file, idempotent, audited, with progress.

1. A file already imported completely is reported, not imported again.
2. The file is read and validated whole (vectorized); then, in one transaction, compared with what
   is stored: a plan of new rows, unchanged rows and conflicts.
3. Any problem: the transaction is rolled back and only a ``rejected`` batch with its problems is
   kept (committed on its own), and :class:`InvalidRows` is raised.
4. Otherwise the batch, every new row and one audit entry are committed together.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from anxin.domain.errors import AnxinError, InvalidInput, InvalidRows
from anxin.services.imports.batches import (
    COMPLETED,
    ImportSummary,
    earlier_import,
    file_digest,
    finish_batch,
    insert_batch,
    record_audit,
    safe_file_name,
    store_rejection,
)
from anxin.store.database import Database
from anxin.store.locks import hold_settlement_writes, refresh_statistics

Progress = Callable[[int, int], None]
Checked = TypeVar("Checked")


class ImportConflict(AnxinError):
    code = "import_conflict"


class ImportPlan(Protocol):
    """What an import will do, decided before anything is written."""

    rows: int
    inserted: int
    unchanged: int
    writes: int

    def write(
        self, connection: sa.Connection, import_id: int, on_rows: Callable[[int], None]
    ) -> dict[str, int]:
        """Write the new rows; returns rows written per table."""
        ...


#: The tables an import of each kind writes (their planner statistics are refreshed after it).
WRITTEN = {
    "settlements": ("settlements",),
    "persons": ("persons", "enrollments", "vulnerable_statuses", "group_members"),
    "claims": ("claims",),
}


def run_import(
    db: Database,
    *,
    kind: str,
    path: Path,
    actor: str,
    detail: dict[str, Any],
    validate: Callable[[], Checked],
    prepare: Callable[[sa.Connection, Checked], ImportPlan | InvalidRows],
    context: str = "",
    progress: Progress | None = None,
) -> ImportSummary:
    digest = file_digest(path, context=context)
    detail = {"kind": kind, "file_name": safe_file_name(path), "file_hash": digest, **detail}
    with db.engine.connect() as connection:
        with connection.begin():
            earlier = earlier_import(connection, kind, digest)
        if earlier is not None:
            return earlier

        def reject(error: InvalidInput, rows: int = 0) -> int:
            return store_rejection(
                connection,
                kind=kind,
                path=path,
                digest=digest,
                actor=actor,
                error=error,
                rows=rows,
                detail=detail,
            )

        try:
            checked = validate()
        except InvalidInput as error:
            error.import_id = reject(error)  # type: ignore[attr-defined]
            raise
        # Bulk writes go through the DBAPI connection: its own IntegrityError, not SQLAlchemy's.
        integrity_errors = (IntegrityError, connection.dialect.loaded_dbapi.IntegrityError)
        transaction = connection.begin()
        try:
            hold_settlement_writes(connection)
            plan = prepare(connection, checked)
            if isinstance(plan, InvalidRows):
                transaction.rollback()
                plan.import_id = reject(plan, _rows_of(checked))  # type: ignore[attr-defined]
                raise plan
            import_id = insert_batch(
                connection,
                kind=kind,
                path=path,
                digest=digest,
                actor=actor,
                status=COMPLETED,
                rows=plan.rows,
                inserted=plan.inserted,
                unchanged=plan.unchanged,
            )
            done = 0

            def on_rows(count: int) -> None:
                nonlocal done
                done += count
                if progress is not None:
                    progress(done, plan.writes)

            counts = plan.write(connection, import_id, on_rows)
            finish_batch(connection, import_id)
            summary = {"rows": plan.rows, "inserted": plan.inserted, "unchanged": plan.unchanged}
            record_audit(
                connection,
                actor=actor,
                action="import",
                import_id=import_id,
                detail={**detail, **summary, "counts": counts},
            )
            transaction.commit()
            with connection.begin():
                refresh_statistics(connection, WRITTEN.get(kind, ()), plan.inserted)
        except integrity_errors as error:
            if transaction.is_active:
                transaction.rollback()
            raise ImportConflict(
                "导入期间已存储的记录发生了变化（可能有另一个导入同时进行），未写入任何数据，请重试",
                "stored records changed during the import (another import at the same time?); "
                "nothing was written, please retry",
            ) from error
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
    if progress is not None and plan.writes == 0:
        progress(0, 0)
    return ImportSummary(
        import_id=import_id,
        kind=kind,
        file_name=safe_file_name(path),
        rows=plan.rows,
        inserted=plan.inserted,
        unchanged=plan.unchanged,
        counts=counts,
    )


def _rows_of(checked: object) -> int:
    frame = getattr(checked, "frame", None)
    return int(frame.height) if frame is not None else 0
