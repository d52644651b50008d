"""Writing several tables at once: one sheet each in Excel, one file each in CSV or Parquet.

Amounts go out as exact two-place yuan decimals, shares as exact two-place percentages; every file
is written whole or not at all (temporary file, then rename). Every export is audited
(:func:`export_audited`); a download is the XLSX workbook written to a temporary folder
(:func:`workbook_bytes`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from anxin.domain.money import BASIS_POINTS
from anxin.services.result_columns import yuan
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.tabular import format_of, write_table


@dataclass(frozen=True)
class ExportTable:
    """One table of an export: ``key`` names its CSV file, ``title`` its Excel sheet (Chinese)."""

    key: str
    title: str
    frame: pl.DataFrame


def yuan_column(name: str, values: list[int | None]) -> pl.Series:
    """Fen as an exact two-place yuan decimal column."""
    fen = pl.Series(name, values, dtype=pl.Int64)
    return pl.select(yuan(pl.lit(fen)).alias(name)).to_series()


def percent_column(name: str, values_bp: list[int]) -> pl.Series:
    """Basis points as an exact two-place percentage column (``1234`` → ``12.34``)."""
    bp = pl.Series(name, values_bp, dtype=pl.Int64)
    per_cent = BASIS_POINTS // 100
    expression = (pl.lit(bp).cast(pl.Decimal(18, 2)) / per_cent).cast(pl.Decimal(8, 2))
    return pl.select(expression.alias(name)).to_series()


def item_table(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    """An item / value / unit listing (values as exact text)."""
    return pl.DataFrame(rows, schema={"指标": pl.String, "数值": pl.String, "单位": pl.String}, orient="row")


def table_paths(tables: list[ExportTable], path: Path) -> list[Path]:
    """Where each table goes: Excel keeps them in ``path``; otherwise the first table is ``path``
    and each other one ``{stem}_{key}{suffix}`` beside it."""
    if format_of(path) == "xlsx":
        return [path]
    return [
        path if i == 0 else path.with_name(f"{path.stem}_{t.key}{path.suffix}") for i, t in enumerate(tables)
    ]


def write_tables(tables: list[ExportTable], path: str | Path) -> list[Path]:
    """Write ``tables`` to ``path`` (XLSX: a sheet each; CSV/Parquet: a file each); the paths written."""
    path = Path(path)
    paths = table_paths(tables, path)
    if format_of(path) != "xlsx":
        return [write_table(table.frame, target) for table, target in zip(tables, paths, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        with xlsxwriter.Workbook(temporary) as workbook:
            for table in tables:
                table.frame.write_excel(
                    workbook=workbook,
                    worksheet=table.title[:31],
                    autofit=True,
                    dtype_formats={pl.Decimal: "0.00"},
                )
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return [path]


def export_audited(
    tables: list[ExportTable],
    path: str | Path,
    db: Database,
    *,
    actor: str,
    entity: str,
    entity_id: str | int,
    **after: Any,
) -> list[Path]:
    """Write ``tables`` to ``path`` (as :func:`write_tables`) and record the export in the audit log:
    the files written, and ``after`` beside them. The paths written."""
    written = write_tables(tables, path)
    with db.session() as session, session.begin():
        record(
            session,
            actor=actor,
            action="export",
            entity=entity,
            entity_id=entity_id,
            after={"files": [p.name for p in written], **after},
        )
    return written


def workbook_bytes(export: Callable[[Path], object], name: str, *, prefix: str = "anxin-report-") -> bytes:
    """An export written as the XLSX workbook ``name`` in a temporary folder, read back into memory
    (for a download)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = Path(folder) / name
        export(path)
        return path.read_bytes()
