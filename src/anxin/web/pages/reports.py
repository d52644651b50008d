"""Reports: the program year's figures as tables (overview, by city, by hospital tier, by vulnerable
status) and their export to Excel (audited). A group-cover program (团体意外与健康, 特定疾病) shows
its claims year instead: claims, claimants, paid, by claim type and by city, exported likewise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import NotFound
from anxin.services.claims_reports import ClaimsYearReport, claims_summary_zh, claims_year_report
from anxin.services.dashboard import default_program_year, program_years
from anxin.services.payments import pays_claims
from anxin.services.report_download import report_workbook
from anxin.services.report_export import claims_overview_rows, overview_rows
from anxin.services.reports import ProgramYearReport, program_year_report, summary_zh
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
    report: ProgramYearReport | ClaimsYearReport
    if pays_claims(program):
        report = claims_year_report(db, program, year)
        summary, overview = claims_summary_zh(report), claims_overview_rows(report, grouping=True)
    else:
        report = program_year_report(db, program, year)
        summary, overview = summary_zh(report), overview_rows(report, grouping=True)
    context = {
        "report": report,
        "claims": isinstance(report, ClaimsYearReport),
        "summary": summary,
        "overview": overview[2:-1],  # program and year are the heading, the summary is shown apart
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
    if pays_claims(program):
        data = report_workbook(db, claims_year_report(db, program, year), actor=staff.username)
    else:
        data = report_workbook(db, program_year_report(db, program, year), actor=staff.username)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="report-{program}-{year}.xlsx"'},
    )
