"""Files uploaded through the web: kept under the data folder, imported, their problems listed.

An upload is saved as ``{data folder}/uploads/{date}-{random}/{safe name}``: only the last part of
the name the browser sent is kept, reduced to letters, digits and ``. _ - ( )``, with anything shaped
like an ID number masked (``3701xxxxxxxxxx1234``), so neither a path nor a person's number reaches the disk or the import
record. Then the persons or settlements import runs on it, all or nothing; a rejected file is an
outcome (the import's id, its status and how many problems), not an error.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput, NotFound
from anxin.domain.identity import mask
from anxin.services.error_report import COLUMNS_ZH
from anxin.services.imports import import_persons, import_settlements
from anxin.services.program_lookup import shipped_program
from anxin.store.database import Database
from anxin.store.schema import ImportBatch, ImportProblem
from anxin.store.tabular import FORMATS

KINDS = ("persons", "settlements")
MAX_BYTES = 1 << 30  # 1 GiB
_ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_UNSAFE = re.compile(r"[^\w.()\-]+")


class UnknownImportBatch(NotFound):
    code = "unknown_import"


@dataclass(frozen=True)
class UploadOutcome:
    import_id: int | None
    kind: str
    status: str  # completed | rejected | already_imported
    file_name: str
    rows: int
    inserted: int
    unchanged: int
    problems: int
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class ImportRow:
    id: int
    kind: str
    file_name: str
    status: str
    rows: int
    inserted: int
    unchanged: int
    problems: int
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class ProblemRow:
    row: int
    column: str
    value: str
    reason_zh: str
    reason_en: str


def safe_name(name: str) -> str:
    """The file's own name, made safe to store and show; refused unless a known file type."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _ID_LIKE.sub(lambda m: mask(m.group(0)).replace("*", "x"), base)
    base = _UNSAFE.sub("_", base).lstrip("._")[-120:]
    suffix = Path(base).suffix.lower()
    if suffix not in FORMATS or base == suffix:
        known = ", ".join(sorted(FORMATS))
        raise InvalidInput(
            f"不支持的文件类型（支持 {known}）",
            f"unsupported file type (supported: {known})",
            code="unsupported_file",
        )
    return base


def save_upload(data_dir: Path, name: str, stream: BinaryIO) -> Path:
    """Copy ``stream`` to a new folder under ``data_dir/uploads``; refuse empty or oversized files."""
    folder = data_dir / "uploads" / f"{dt.datetime.now(dt.UTC):%Y%m%d}-{secrets.token_hex(8)}"
    folder.mkdir(parents=True, mode=0o700)
    path = folder / safe_name(name)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, length=1 << 20)
        size = out.tell()
    if not 0 < size <= MAX_BYTES:
        shutil.rmtree(folder, ignore_errors=True)
        raise InvalidInput(
            "文件为空或超过 1 GiB", "the file is empty or larger than 1 GiB", code="bad_file_size"
        )
    return path


def run_upload(
    db: Database,
    path: Path,
    *,
    kind: str,
    actor: str,
    program_code: str | None = None,
    year: int | None = None,
) -> UploadOutcome:
    """Import the saved file; a rejected file gives its import id and problem count."""
    if kind == "persons":
        if program_code is None or year is None:
            raise InvalidInput(
                "导入参保人须给出项目与年度",
                "a persons import needs a program and a year",
                code="program_and_year_required",
            )
        shipped_program(program_code, field=True)
    try:
        if kind == "persons":
            assert program_code is not None and year is not None
            summary = import_persons(db, path, program_code=program_code, year=year, actor=actor)
        else:
            summary = import_settlements(db, path, actor=actor)
    except InvalidInput as error:
        import_id = getattr(error, "import_id", None)
        if import_id is None:
            raise
        batch = import_row(db, import_id)
        return UploadOutcome(
            import_id, kind, "rejected", batch.file_name, batch.rows, 0, 0, batch.problems, error.zh, error.en
        )
    if summary.already_imported:
        shutil.rmtree(path.parent, ignore_errors=True)  # the earlier upload is the record
    return UploadOutcome(
        summary.import_id,
        kind,
        "already_imported" if summary.already_imported else "completed",
        summary.file_name,
        summary.rows,
        summary.inserted,
        summary.unchanged,
        0,
        summary.note_zh,
        summary.note_en,
    )


_COLUMNS = (
    ImportBatch.id,
    ImportBatch.kind,
    ImportBatch.file_name,
    ImportBatch.status,
    ImportBatch.rows,
    ImportBatch.inserted,
    ImportBatch.unchanged,
    ImportBatch.problems,
    ImportBatch.actor,
    ImportBatch.started_at,
    ImportBatch.finished_at,
)


def list_imports(
    db: Database, *, kind: str | None = None, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ImportRow], int]:
    """Imports, newest first, and how many there are."""
    where = []
    if kind:
        where.append(ImportBatch.kind == kind)
    if status:
        where.append(ImportBatch.status == status)
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(ImportBatch).where(*where))
        rows = session.execute(
            sa.select(*_COLUMNS).where(*where).order_by(ImportBatch.id.desc()).limit(limit).offset(offset)
        ).all()
    return [ImportRow(*row) for row in rows], int(total or 0)


def import_row(db: Database, import_id: int) -> ImportRow:
    with db.session() as session:
        row = session.execute(sa.select(*_COLUMNS).where(ImportBatch.id == import_id)).first()
    if row is None:
        raise UnknownImportBatch("没有该导入批次", "no such import")
    return ImportRow(*row)


def problems_page(db: Database, import_id: int, *, limit: int, offset: int) -> tuple[list[ProblemRow], int]:
    """One page of an import's problems in row order (values were masked when stored)."""
    import_row(db, import_id)
    where = ImportProblem.import_id == import_id
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(ImportProblem).where(where))
        rows = session.execute(
            sa.select(
                ImportProblem.row,
                ImportProblem.column,
                ImportProblem.value,
                ImportProblem.reason_zh,
                ImportProblem.reason_en,
            )
            .where(where)
            .order_by(ImportProblem.row, ImportProblem.id)
            .limit(limit)
            .offset(offset)
        ).all()
    return [ProblemRow(*row) for row in rows], int(total or 0)


def problems_file(db: Database, import_id: int, fmt: str) -> bytes:
    """Every stored problem of the import as an XLSX workbook or a CSV (UTF-8 with BOM, for Excel),
    with Chinese headers as ``anxin`` writes them on the command line."""
    problems, _ = problems_page(db, import_id, limit=1_000_000, offset=0)
    frame = pl.DataFrame(
        [vars(p) for p in problems],
        schema={
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason_zh": pl.String,
            "reason_en": pl.String,
        },
    ).rename(COLUMNS_ZH)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        frame.write_excel(buffer, worksheet="错误报告", autofit=True)
    else:
        frame.write_csv(buffer, include_bom=True)
    return buffer.getvalue()
