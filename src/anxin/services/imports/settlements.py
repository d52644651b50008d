"""Importing the bureau's settlement records from a file (CSV, Excel, Parquet).

The file is validated by :func:`anxin.services.settlement_files.read_settlements` (the same rules
as ``anxin calc``), then resolved and compared in bulk (:mod:`.settlement_plan`), then written in one
transaction: ``COPY`` on PostgreSQL, ``executemany`` on SQLite. Amounts are stored in fen, with
``base_fen`` (what the critical-illness rule counts) as the validated file computed it. ID numbers
are used only to find the person and are never stored with a settlement.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidRows
from anxin.services.imports.batches import ImportSummary
from anxin.services.imports.problems import Problems
from anxin.services.imports.runner import Progress, run_import
from anxin.services.imports.settlement_plan import (
    check_reversals,
    compare_stored,
    length_problems,
    resolve_persons,
    stored_rows,
)
from anxin.services.settlement_fields import header_index
from anxin.services.settlement_files import SettlementFile, read_settlements
from anxin.store.bulk import bulk_insert
from anxin.store.database import Database
from anxin.store.schema import Settlement
from anxin.store.tabular import format_of


def import_settlements(
    db: Database, path: str | Path, *, actor: str = "system", progress: Progress | None = None
) -> ImportSummary:
    """Import a settlement file. All or nothing: any problem records a rejected batch with its
    problems and raises :class:`InvalidRows`; the same file or the same rows again change nothing."""
    path = Path(path)

    def prepare(connection: sa.Connection, checked: SettlementFile) -> SettlementPlan | InvalidRows:
        headers = file_headers(path, checked.fields)
        problems = Problems()
        frame = checked.frame
        length_problems(frame, headers, problems)
        frame = resolve_persons(connection, frame, headers, db.protector, problems)
        rows = stored_rows(frame, checked.fields)
        new = compare_stored(connection, rows, checked.fields, headers, problems)
        if "reverses_setl_id" in checked.fields:
            check_reversals(connection, rows, new, headers, problems)
        if error := problems.error(path.name):
            return error
        return SettlementPlan(new=new.drop("source_row"), rows=rows.height)

    return run_import(
        db,
        kind="settlements",
        path=path,
        actor=actor,
        detail={},
        validate=lambda: read_settlements(path),
        prepare=prepare,
        progress=progress,
    )


def file_headers(path: Path, fields: tuple[str, ...]) -> dict[str, str]:
    """Each field's header as the file spells it (for problem reports), read from the header only."""
    kind = format_of(path)
    if kind == "csv":
        names = pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy").collect_schema().names()
    elif kind == "parquet":
        names = list(pl.read_parquet_schema(path))
    else:
        names = pl.read_excel(path, infer_schema_length=0, read_options={"n_rows": 0}).columns
    index = header_index()
    found = {index[n.strip().lower()].name: n for n in names if n.strip().lower() in index}
    return {field: found.get(field, field) for field in fields}


@dataclass
class SettlementPlan:
    new: pl.DataFrame
    rows: int

    def __post_init__(self) -> None:
        self.inserted = self.new.height
        self.unchanged = self.rows - self.inserted
        self.writes = self.inserted

    def write(self, connection: sa.Connection, import_id: int, on_rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
        frame = self.new.with_columns(import_id=pl.lit(import_id, pl.Int64))
        table: sa.Table = Settlement.__table__  # type: ignore[assignment]
        return {"settlements": bulk_insert(connection, table, frame, on_rows=on_rows)}
