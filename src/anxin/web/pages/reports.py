"""Reports: the program year's figures as tables (overview, by city, by hospital tier, by vulnerable
status) and their export to Excel (audited). A group-cover program (团体意外与健康, 特定疾病) shows
its claims year instead: claims, claimants, paid, by claim type and by city, exported likewise; a
long-term care program (长期护理保险) its year or one month (``?month=``): bills, persons, days, cost, due
and paid by service type, exported to Excel or CSV, each service's bills reachable from the persons. The life-policy servicing report (寿险保全, ``/reports/life``)
shows a year by month × region (province or city) and the relief campaigns (whom each helped, what it
cost), each exported to Excel (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import NotFound
from anxin.services.campaign_reports import campaign_reports
from anxin.services.care_reports import CareReport, care_report, care_summary_zh, is_care_program
from anxin.services.claims_reports import ClaimsYearReport, claims_summary_zh, claims_year_report
from anxin.services.dashboard import default_program_year, program_years
from anxin.services.life_report_export import campaign_workbook, life_overview_rows, life_report_workbook
from anxin.services.life_reports import LEVELS, latest_life_year, life_report, life_years
from anxin.services.payments import pays_claims
from anxin.services.report_download import care_report_file, report_workbook
from anxin.services.report_export import care_overview_rows, claims_overview_rows, overview_rows
from anxin.services.reports import ProgramYearReport, program_year_report, summary_zh
from anxin.services.users import Staff
from anxin.web.api.common import download
from anxin.web.pages.common import program_names, share_label, valid_code
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()


def _checked(program: str, year: int, month: int | None = None) -> None:
    if not valid_code(program) or not 1900 <= year <= 2100 or not (month is None or 1 <= month <= 12):
        raise NotFound("没有该方案年度", "no such program year", code="unknown_program_year")


def _life_checked(year: int, level: str) -> None:
    if not 1900 <= year <= 2100 or level not in LEVELS:
        raise NotFound("没有该年度或汇总层级", "no such year or level", code="unknown_life_report")


@router.get("/reports/life")
def life_reports(
    request: Request,
    staff: Annotated[Staff, require(Permission.REPORTS_READ)],
    year: int | None = None,
    level: str = "province",
) -> Response:
    """The life-servicing year by month × region, then the relief campaigns."""
    db = database(request)
    chosen = year if year is not None else latest_life_year(db)
    context: dict[str, object] = {"life_view": True, "report": None, "level": level, "levels": LEVELS}
    if chosen is not None:
        _life_checked(chosen, level)
        found = life_report(db, chosen, level=level)
        context |= {
            "life": found,
            "life_overview": life_overview_rows(found, grouping=True)[3:],
            "years": sorted(set(life_years(db)) | {chosen}, reverse=True),
        }
    context["campaigns"] = campaign_reports(db)
    return render(request, "reports.html", context)


@router.get("/reports/life/export.xlsx")
def life_export(
    request: Request,
    year: int,
    staff: Annotated[Staff, require(Permission.REPORTS_READ)],
    level: str = "province",
) -> Response:
    """The life-servicing year as an Excel workbook (overview, month × region); audited."""
    _life_checked(year, level)
    db = database(request)
    data = life_report_workbook(db, life_report(db, year, level=level), actor=staff.username)
    return download(data, f"life-{year}-{level}.xlsx")


@router.get("/reports/campaigns/export.xlsx")
def campaigns_export(request: Request, staff: Annotated[Staff, require(Permission.REPORTS_READ)]) -> Response:
    """Every relief campaign's report as an Excel workbook (campaigns, by city); audited."""
    db = database(request)
    return download(campaign_workbook(db, campaign_reports(db), actor=staff.username), "campaigns.xlsx")


@router.get("/reports")
def reports(
    request: Request,
    staff: Annotated[Staff, require(Permission.REPORTS_READ)],
    program: str = "",
    year: int | None = None,
    month: int | None = None,
) -> Response:
    db = database(request)
    known = program_years(db)
    default = default_program_year(db)
    if not (program and valid_code(program) and year is not None):
        if default is None:
            return render(request, "reports.html", {"report": None})
        program, year = default.program_code, default.year
    _checked(program, year, month)
    report: ProgramYearReport | ClaimsYearReport | CareReport
    if is_care_program(program):
        report = care_report(db, program, year, month)
        summary, overview = care_summary_zh(report), care_overview_rows(report, grouping=True)
    elif pays_claims(program):
        report = claims_year_report(db, program, year)
        summary, overview = claims_summary_zh(report), claims_overview_rows(report, grouping=True)
    else:
        report = program_year_report(db, program, year)
        summary, overview = summary_zh(report), overview_rows(report, grouping=True)
    context = {
        "report": report,
        "claims": isinstance(report, ClaimsYearReport),
        "care": isinstance(report, CareReport),
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
    request: Request,
    program: str,
    year: int,
    staff: Annotated[Staff, require(Permission.REPORTS_READ)],
    month: int | None = None,
) -> Response:
    """The report as an Excel workbook, a sheet per table; the export is written to the audit trail."""
    _checked(program, year, month)
    db = database(request)
    period = str(year)
    if is_care_program(program):
        found = care_report(db, program, year, month)
        data, period = care_report_file(db, found, "xlsx", actor=staff.username), found.period
    elif pays_claims(program):
        data = report_workbook(db, claims_year_report(db, program, year), actor=staff.username)
    else:
        data = report_workbook(db, program_year_report(db, program, year), actor=staff.username)
    return download(data, f"report-{program}-{period}.xlsx")


@router.get("/reports/{program}/{year}/export.csv")
def export_csv(
    request: Request,
    program: str,
    year: int,
    staff: Annotated[Staff, require(Permission.REPORTS_READ)],
    month: int | None = None,
) -> Response:
    """A long-term care period's figures by service type (with the total row) as CSV; audited."""
    _checked(program, year, month)
    if not is_care_program(program):
        raise NotFound(
            "CSV 导出仅用于长期护理保险报表", "CSV export is for long-term care reports", code="no_csv"
        )
    db = database(request)
    found = care_report(db, program, year, month)
    return download(
        care_report_file(db, found, "csv", actor=staff.username), f"report-{program}-{found.period}.csv"
    )
