"""Imports: the list of files that came in, uploading a persons or settlements file (saved under the
data folder's ``uploads/``), one import's problems in the browser and as an Excel file."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError, InvalidInput, InvalidRows, NotFound
from anxin.services.dashboard import default_program_year, recent_imports
from anxin.services.error_report import write_error_report
from anxin.services.imports import (
    UnknownImport,
    import_batch,
    import_persons,
    import_problems,
    import_settlements,
)
from anxin.services.imports.batches import safe_file_name
from anxin.services.program_catalogue import catalogue
from anxin.services.users import Staff
from anxin.store.tabular import FORMATS
from anxin.web.errors import status_of
from anxin.web.pages.common import PAGE_SIZE, after_change, clamp_page, pages
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()

KINDS = {"persons": ("参保人员", "persons"), "settlements": ("结算记录", "settlements")}
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE = re.compile(r"[^\w.()（）\-]+")


def upload_name(original: str) -> str:
    """A safe file name for an upload: no folders, no leading dots, only word characters (Chinese
    included), dots, dashes and brackets; anything shaped like an ID number masked; a known suffix."""
    base = re.split(r"[\\/]", original or "")[-1]
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in FORMATS:
        known = "、".join(sorted(FORMATS))
        raise InvalidInput(
            f"不支持的文件类型（支持 {known}）",
            f"unsupported file type (supported: {', '.join(sorted(FORMATS))})",
        )
    stem = _UNSAFE.sub("_", stem).strip("._") or "upload"
    # masked ID-shaped digits, with x for * (a file name with * reads as a glob pattern)
    return safe_file_name(Path(stem[:100] + suffix)).replace("*", "x")


def _save(file: UploadFile, folder: Path) -> Path:
    name = upload_name(file.filename or "")
    folder = folder / f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True, exist_ok=False)
    target = folder / name
    size = 0
    with target.open("wb") as out:
        while block := file.file.read(1 << 20):
            size += len(block)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                target.unlink()
                folder.rmdir()
                raise InvalidInput("文件过大（上限 512 MB）", "the file is too large (limit 512 MB)")
            out.write(block)
    if size == 0:
        target.unlink()
        folder.rmdir()
        raise InvalidInput("文件为空", "the file is empty")
    return target


def _list_page(request: Request, page: int = 1, status_code: int = 200, **extra: Any) -> Response:
    db = database(request)
    rows, total = recent_imports(db, limit=PAGE_SIZE, offset=(max(page, 1) - 1) * PAGE_SIZE)
    default = default_program_year(db)
    context = {
        "imports": rows,
        "total": total,
        "page": clamp_page(page, total),
        "page_count": pages(total),
        "kinds": KINDS,
        "programs": catalogue(),
        "default_program": default.program_code if default else "",
        "default_year": default.year if default else dt.date.today().year,
        "form": {},
        **extra,
    }
    return render(request, "imports.html", context, status_code=status_code)


@router.get("/imports")
def imports(
    request: Request, staff: Annotated[Staff, require(Permission.IMPORTS_READ)], page: int = 1
) -> Response:
    return _list_page(request, page)


@router.post("/imports/upload")
def upload(
    request: Request,
    staff: Annotated[Staff, require(Permission.IMPORTS_UPLOAD)],
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()],
    program: Annotated[str, Form(max_length=64)] = "",
    year: Annotated[int | None, Form()] = None,
    funder: Annotated[str, Form(max_length=20)] = "government",
    premium: Annotated[str, Form(max_length=20)] = "0",
) -> Response:
    db = database(request)
    form = {"kind": kind, "program": program, "year": year, "funder": funder, "premium": premium}
    try:
        if kind not in KINDS:
            raise InvalidInput(
                "请选择文件类型：参保人员或结算记录", "choose the kind: persons or settlements"
            )
        if kind == "persons" and (not program or year is None):
            raise InvalidInput("导入参保人员须选择方案和年度", "a persons file needs a program and a year")
        path = _save(file, db.settings.data_dir / "uploads")
        if kind == "persons":
            assert year is not None
            summary = import_persons(
                db,
                path,
                program_code=program,
                year=year,
                funder=funder,
                premium=premium,
                actor=staff.username,
            )
        else:
            summary = import_settlements(db, path, actor=staff.username)
    except InvalidInput as error:
        import_id = getattr(error, "import_id", None)
        if import_id is None:
            return _list_page(request, status_code=status_of(error), error=error, form=form)
        return after_change(
            request,
            f"/imports/{import_id}",
            lambda rejected=error: _import_page(request, import_id, rejected=rejected),
        )
    except AnxinError as error:
        return _list_page(request, status_code=status_of(error), error=error, form=form)
    return after_change(
        request,
        f"/imports/{summary.import_id}",
        lambda: _import_page(request, summary.import_id, summary=summary),
    )


def _batch(request: Request, import_id: int) -> tuple[Any, list[Any]]:
    db = database(request)
    try:
        return import_batch(db, import_id), import_problems(db, import_id)
    except UnknownImport as error:
        raise NotFound(error.zh, error.en, code="unknown_import") from None


def _import_page(request: Request, import_id: int, **extra: Any) -> Response:
    batch, problems = _batch(request, import_id)
    return render(request, "import.html", {"batch": batch, "problems": problems, "kinds": KINDS, **extra})


@router.get("/imports/{import_id}")
def import_page(
    request: Request, import_id: int, staff: Annotated[Staff, require(Permission.IMPORTS_READ)]
) -> Response:
    return _import_page(request, import_id)


@router.get("/imports/{import_id}/problems.xlsx")
def problems_xlsx(
    request: Request, import_id: int, staff: Annotated[Staff, require(Permission.IMPORTS_READ)]
) -> Response:
    """The import's problems as an Excel file (row, column, masked value, reasons in both languages)."""
    batch, problems = _batch(request, import_id)
    if not problems:
        raise NotFound("该导入没有错误", "this import has no problems", code="no_problems")
    error = InvalidRows(batch.file_name, problems, max(batch.problems, len(problems)))
    with tempfile.TemporaryDirectory() as folder:
        data = write_error_report(error, Path(folder) / "problems.xlsx").read_bytes()
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-problems.xlsx"'},
    )
