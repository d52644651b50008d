"""The dashboard: every program year in one table, then one program year at a glance — figures,
monthly payouts, shares, the summary; and, when there are life policies, the life-policy servicing
(寿险保全) of the latest year with policy events: suspensions, reinstatements, surrenders, loans
outstanding and the life-service KPI rates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.money import format_yuan, format_yuan_cn
from anxin.services.dashboard import MonthTotal, default_program_year, monthly_payouts, program_years
from anxin.services.life_reports import LifeMonthRow, latest_life_year, life_report
from anxin.services.overview import program_overview
from anxin.services.reports import ProgramYearReport, Share, program_year_report, summary_zh
from anxin.services.users import Staff
from anxin.store.database import Database
from anxin.web.charts import Item, bar_chart, column_chart
from anxin.web.i18n import language
from anxin.web.pages.common import program_names, share_label, valid_code
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()


@router.get("/dashboard")
def dashboard(
    request: Request,
    staff: Annotated[Staff, require(Permission.DASHBOARD_READ)],
    program: str = "",
    year: int | None = None,
) -> Response:
    db = database(request)
    known = program_years(db)
    chosen = default_program_year(db)
    overview = program_overview(db)
    if program and valid_code(program) and year is not None:
        chosen_code, chosen_year = program, year
    elif chosen is not None:
        chosen_code, chosen_year = chosen.program_code, chosen.year
    else:
        return render(
            request,
            "dashboard.html",
            {"report": None, "known": known, "overview": overview, "life": life_section(db)},
        )
    report = program_year_report(db, chosen_code, chosen_year)
    months = monthly_payouts(db, chosen_code, chosen_year)
    lang = language(request)
    return render(
        request,
        "dashboard.html",
        {
            "report": report,
            "summary": summary_zh(report),
            "known": known,
            "programs": sorted({k.program_code for k in known} | {chosen_code}),
            "years": sorted({k.year for k in known} | {chosen_year}, reverse=True),
            "program_names": program_names({k.program_code for k in known} | {chosen_code}),
            "charts": charts(report, months, lang),
            "overview": overview,
            "life": life_section(db),
        },
    )


@dataclass(frozen=True)
class LifeSection:
    """The dashboard's life-policy servicing figures of one year."""

    year: int
    totals: LifeMonthRow
    #: ``anxin.services.life_kpis.KpiValue`` of the year (e-callback rate, e-servicing rate …).
    kpis: list  # type: ignore[type-arg]


def life_section(db: Database) -> LifeSection | None:
    """The latest year with policy events, or ``None`` when there are no life policies."""
    year = latest_life_year(db)
    if year is None:
        return None
    report = life_report(db, year)  # its totals and the year's rates
    return LifeSection(year, report.totals, list(report.rates))


def charts(report: ProgramYearReport, months: list[MonthTotal], lang: str) -> list:  # type: ignore[type-arg]
    en = lang == "en"
    month_items = [
        Item(f"{int(m.month[5:])}月" if not en else m.month[5:], m.paid_fen, f"{format_yuan(m.paid_fen)}")
        for m in months
    ]
    return [
        column_chart(
            "Monthly payouts (by month of settlement)" if en else "每月赔付金额（按结算月份）",
            month_items,
            axis_text=_axis_en if en else _axis_zh,
            unit="yuan" if en else "元",
        ),
        bar_chart(
            "Person-times paid by city" if en else "各地市赔付人次",
            [_count(share, share.label) for share in report.by_city],
        ),
        bar_chart(
            "Person-times paid by hospital tier" if en else "各级医院赔付人次",
            [_count(share, share_label("tier", share, lang)) for share in report.by_tier],
        ),
        bar_chart(
            "Share of person-times by vulnerable status" if en else "困难人员赔付人次占比",
            [
                Item(
                    share_label("vulnerable", share, lang),
                    share.person_times_share_bp,
                    f"{share.person_times_share_bp / 100:.2f}%",
                )
                for share in report.by_vulnerable
            ],
        ),
    ]


def _count(share: Share, label: str) -> Item:
    return Item(label, share.person_times, f"{share.person_times:,}")


def _axis_zh(fen: int) -> str:
    """Axis ticks in 万 / 亿 (``25万``); small amounts in whole yuan."""
    return format_yuan_cn(fen).removesuffix("元").removesuffix(".00") if fen else "0"


def _axis_en(fen: int) -> str:
    yuan = fen // 100
    if yuan >= 1_000_000:
        return f"{yuan / 1_000_000:g}M"
    return f"{yuan / 1000:g}k" if yuan >= 1000 else str(yuan)
