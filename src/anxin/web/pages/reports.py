"""Reports: the program year's figures as tables (overview, by city, by hospital tier, by vulnerable
status) and their export to Excel (audited)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import NotFound
from anxin.services.dashboard import default_program_year, program_years
from anxin.services.report_export import export_report, overview_rows
from anxin.services.reports import program_year_report, summary_zh
from anxin.services.users import Staff
from anxin.web.pages.common import program_names, share_label, valid_code
from anxin.web.pages.imports import XLSX
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()


def _checked(program: str, year: int) -> None:
    if not valid_code(program) or not 1900 <= year <= 2100:
        raise NotFound("没有该方案年度", "no such program year", code="unknown_program_year")


@router.get("/reports")
def reports(
    request: Request,
    staff: Annotated[Staff, require(Permission.REPORTS_READ)],
    program: str = "",
    year: int | None = None,
) -> Response:
    db = database(request)
    known = program_years(db)
    default = default_program_year(db)
    if not (program and valid_code(program) and year is not None):
        if default is None:
            return render(request, "reports.html", {"report": None})
        program, year = default.program_code, default.year
    _checked(program, year)
    report = program_year_report(db, program, year)
    context = {
        "report": report,
        "summary": summary_zh(report),
        "overview": overview_rows(report, grouping=True)[2:-1],  # program and year are the heading
        "programs": sorted({k.program_code for k in known} | {program}),
        "years": sorted({k.year for k in known} | {year}, reverse=True),
        "program_names": program_names({k.program_code for k in known} | {program}),
        "share_label": share_label,
    }
    return render(request, "reports.html", context)


@router.get("/reports/{program}/{year}/export.xlsx")
def export(
    request: Request, program: str, year: int, staff: Annotated[Staff, require(Permission.REPORTS_READ)]
) -> Response:
    """The report as an Excel workbook, a sheet per table; the export is written to the audit trail."""
    _checked(program, year)
    db = database(request)
    report = program_year_report(db, program, year)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{program}-{year}.xlsx"
        export_report(report, path, db=db, actor=staff.username)
        data = path.read_bytes()
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="report-{program}-{year}.xlsx"'},
    )
