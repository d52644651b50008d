"""Imports: the list of files that came in, uploading a persons, settlements or claims file (a claims
file names its group-cover program) or a long-term care file (assessments, providers, care bills: the
bills name their long-term care program; saved under the
data folder's ``uploads/``), one import's problems in the browser and as an Excel file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError, NotFound
from anxin.services import uploads
from anxin.services.dashboard import default_program_year
from anxin.services.program_catalogue import catalogue
from anxin.services.users import Staff
from anxin.web.errors import status_of
from anxin.web.pages.common import PAGE_SIZE, after_change, clamp_page, pages
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()

KINDS = {
    "persons": ("参保人员", "persons"),
    "settlements": ("结算记录", "settlements"),
    "claims": ("理赔记录（团体保障）", "claims (group covers)"),
    "care_assessments": ("失能评估（长护险）", "disability assessments (long-term care)"),
    "care_providers": ("护理机构（长护险）", "care providers (long-term care)"),
    "care_bills": ("护理账单（长护险）", "care bills (long-term care)"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_page(request: Request, page: int = 1, status_code: int = 200, **extra: Any) -> Response:
    db = database(request)
    rows, total = uploads.list_imports(db, limit=PAGE_SIZE, offset=(max(page, 1) - 1) * PAGE_SIZE)
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
    form = {"kind": kind, "program": program, "year": year, "funder": funder, "premium": premium}
    try:
        outcome = uploads.upload(
            database(request),
            file.filename or "",
            file.file,
            kind=kind,
            actor=staff.username,
            program_code=program or None,
            year=year,
            funder=funder,
            premium=premium,
        )
    except AnxinError as error:
        return _list_page(request, status_code=status_of(error), error=error, form=form)
    import_id = outcome.import_id
    assert import_id is not None
    shown = {"rejected" if outcome.status == "rejected" else "summary": outcome}
    return after_change(request, f"/imports/{import_id}", lambda: _import_page(request, import_id, **shown))


def _import_page(request: Request, import_id: int, **extra: Any) -> Response:
    db = database(request)
    batch = uploads.import_row(db, import_id)
    problems, _ = uploads.problems_page(db, import_id)
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
    db = database(request)
    _, count = uploads.problems_page(db, import_id, limit=1)
    if not count:
        raise NotFound("该导入没有错误", "this import has no problems", code="no_problems")
    return Response(
        uploads.problems_file(db, import_id, "xlsx"),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-problems.xlsx"'},
    )
