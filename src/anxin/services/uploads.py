"""Files uploaded through the web (the pages and the API alike): kept under the data folder,
imported, listed, their problems shown and downloadable.

An upload is checked first (the kind of file; a persons file needs a program and a year, a claims
file a group-cover program: 团体意外与健康 or 特定疾病, a care bills file a long-term care program;
disability assessments and care providers need none), then saved
as ``{data folder}/uploads/{date}-{random}/{safe name}``: only the last part of the name the browser
sent is kept, with anything shaped like an ID number masked (``3701xxxxxxxxxx1234``) and the rest
reduced to letters, digits and ``. _ - ( ) （ ）``, so neither a path nor a person's number reaches
the disk or the import record. A file that is empty or larger than 512 MB is refused (and nothing of
it kept). Then the persons, settlements, claims or long-term care import runs on it, all or nothing; a rejected file is an
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

import sqlalchemy as sa

from anxin.domain.errors import InvalidInput, NotFound
from anxin.domain.identity import mask
from anxin.services.error_report import problems_frame
from anxin.services.imports import (
    import_assessments,
    import_care_bills,
    import_claims,
    import_persons,
    import_providers,
    import_settlements,
)
from anxin.services.imports.care import care_program
from anxin.services.imports.claims import claims_program_kind
from anxin.services.program_lookup import shipped_program
from anxin.store.database import Database
from anxin.store.schema import ImportBatch, ImportProblem
from anxin.store.tabular import FORMATS

KINDS = ("persons", "settlements", "claims", "care_assessments", "care_providers", "care_bills")
MAX_BYTES = 512 * 1024 * 1024  # 512 MB
_ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_UNSAFE = re.compile(r"[^\w.()（）\-]+")


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


def check_upload(kind: str, program_code: str | None, year: int | None) -> None:
    """Refuse, before anything is saved, an unknown kind, a persons file without its program
    (a shipped one) and year, a claims file without its group-cover program, or a care bills file
    without its long-term care program."""
    if kind not in KINDS:
        raise InvalidInput(
            "请选择文件类型：参保人员、结算记录、理赔记录、失能评估、护理机构或护理账单",
            "choose the kind: persons, settlements, claims, care assessments, care providers or care bills",
            code="unknown_kind",
        )
    if kind == "care_bills":
        if not program_code:
            raise InvalidInput(
                "导入护理账单须选择长期护理保险方案",
                "a care bills file needs its long-term care program",
                code="program_required",
            )
        shipped_program(program_code, field=True)
        care_program(program_code)
    if kind == "claims":
        if not program_code:
            raise InvalidInput(
                "导入理赔记录须选择方案（团体意外与健康或特定疾病）",
                "a claims file needs its program (group accident or specified disease)",
                code="program_required",
            )
        shipped_program(program_code, field=True)
        claims_program_kind(program_code)
    if kind == "persons":
        if not program_code or year is None:
            raise InvalidInput(
                "导入参保人员须选择方案和年度",
                "a persons file needs a program and a year",
                code="program_and_year_required",
            )
        shipped_program(program_code, field=True)


def safe_name(name: str) -> str:
    """The file's own name, made safe to store and show: no folders, no leading dots, ID-shaped
    digits masked, a known file type (suffix in lower case); anything else is refused."""
    base = re.split(r"[/\\]", name or "")[-1]
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InvalidInput(
            f"不支持的文件类型（支持 {known}）",
            f"unsupported file type (supported: {known})",
            code="unsupported_file",
        )
    # masked before anything is cut, so no part of a number survives; x for * (a name with * reads
    # as a glob pattern)
    stem = _ID_LIKE.sub(lambda m: mask(m.group(0)).replace("*", "x"), stem)
    return (_UNSAFE.sub("_", stem)[:100].strip("._") or "upload") + suffix


def save_upload(data_dir: Path, name: str, stream: BinaryIO) -> Path:
    """Copy ``stream`` to a new folder under ``data_dir/uploads``; an empty file or one larger than
    :data:`MAX_BYTES` is refused as soon as that is known, and nothing of it is kept."""
    file_name = safe_name(name)
    folder = data_dir / "uploads" / f"{dt.datetime.now(dt.UTC):%Y%m%d}-{secrets.token_hex(8)}"
    folder.mkdir(parents=True, mode=0o700)
    path = folder / file_name
    try:
        size = 0
        with path.open("wb") as out:
            while block := stream.read(1 << 20):
                size += len(block)
                if size > MAX_BYTES:
                    raise InvalidInput(
                        "文件过大（上限 512 MB）",
                        "the file is too large (limit 512 MB)",
                        code="bad_file_size",
                    )
                out.write(block)
        if size == 0:
            raise InvalidInput("文件为空", "the file is empty", code="bad_file_size")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def upload(
    db: Database,
    name: str,
    stream: BinaryIO,
    *,
    kind: str,
    actor: str,
    program_code: str | None = None,
    year: int | None = None,
    funder: str = "government",
    premium: str | int = 0,
) -> UploadOutcome:
    """Check, save under the data folder, import: what the pages and the API do with an upload.
    ``funder`` and ``premium`` (yuan) apply to the rows of a persons file that give none. A rejected
    file is kept and gives its import id and problem count; a file no import refers to (one already
    imported, or one whose import failed before anything was recorded) is not kept."""
    check_upload(kind, program_code, year)
    path = save_upload(db.settings.data_dir, name, stream)
    try:
        if kind == "persons":
            assert program_code and year is not None
            summary = import_persons(
                db, path, program_code=program_code, year=year, funder=funder, premium=premium, actor=actor
            )
        elif kind == "claims":
            assert program_code
            summary = import_claims(db, path, program_code=program_code, actor=actor)
        elif kind == "care_bills":
            assert program_code
            summary = import_care_bills(db, path, program_code=program_code, actor=actor)
        elif kind == "care_assessments":
            summary = import_assessments(db, path, actor=actor)
        elif kind == "care_providers":
            summary = import_providers(db, path, actor=actor)
        else:
            summary = import_settlements(db, path, actor=actor)
    except Exception as error:
        import_id = getattr(error, "import_id", None)
        if import_id is None or not isinstance(error, InvalidInput):
            shutil.rmtree(path.parent, ignore_errors=True)  # no import refers to the file
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


def problems_page(
    db: Database, import_id: int, *, limit: int | None = None, offset: int = 0
) -> tuple[list[ProblemRow], int]:
    """One page of an import's problems (all of them without ``limit``) in row order, and how many
    there are (values were masked when stored)."""
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
    problems, _ = problems_page(db, import_id)
    frame = problems_frame(vars(p) for p in problems)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        frame.write_excel(buffer, worksheet="错误报告", autofit=True)
    else:
        frame.write_csv(buffer, include_bom=True)
    return buffer.getvalue()
