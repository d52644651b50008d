"""`anxin report …`: the program year's figures as tables, a summary paragraph and exports; the
life-policy servicing year (``life``) and the relief campaigns (``campaigns``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from anxin.cli.common import ExportOption, console, fail, print_exported
from anxin.cli.payments_cli import ActorOption, CodeOption, YearOption, actor_name
from anxin.domain.errors import AnxinError
from anxin.domain.money import format_ratio, format_yuan

app = typer.Typer(help="项目年度报表 / program reports", no_args_is_help=True, add_completion=False)

Figures = TypeVar("Figures")


def report_and_export(
    figures_of: Callable[[Any], Figures],
    export: Callable[..., list[Path]],
    out: Path | None,
    actor: str | None,
) -> tuple[Figures, list[Path]]:
    """Open the database, sum the figures and, with ``out``, export them (audited, by ``actor``); an
    error is shown and ends the command."""
    from anxin.store.database import open_database

    try:
        db = open_database()
        try:
            with console.status("汇总 / summing…"):
                figures = figures_of(db)
            written = export(figures, out, db=db, actor=actor_name(actor)) if out else []
        finally:
            db.dispose()
    except AnxinError as error:
        fail(error)
    return figures, written


def print_overview(title: str, rows: Iterable[tuple[str, ...]]) -> None:
    """The overview table of a report: item, value (and unit where rows have one)."""
    rows = list(rows)
    units = ("单位 Unit",) if rows and len(rows[0]) == 3 else ()
    overview = Table("指标 Item", "数值 Value", *units, title=title)
    for row in rows:
        overview.add_row(*row)
    console.print(overview)


@app.command("year")
def year_report(
    program: CodeOption,
    year: YearOption,
    out: ExportOption = None,
    actor: ActorOption = None,
) -> None:
    """项目年度数据：参保、赔付人数与人次、金额、地市/医院等级/人员类别占比、支付用时 / the year's figures."""
    from anxin.services.payments import pays_claims
    from anxin.services.report_export import export_report, overview_rows
    from anxin.services.reports import program_year_report, summary_zh

    if pays_claims(program):
        _claims_year_report(program, year, out, actor)
        return
    report, written = report_and_export(
        lambda db: program_year_report(db, program, year), export_report, out, actor
    )
    print_overview(f"{report.program_name} {year}年度 / year", overview_rows(report, grouping=True)[2:-1])
    for title, shares in (
        ("按地市 / by city", report.by_city),
        ("按医院等级 / by hospital tier", report.by_tier),
        ("按人员类别 / by vulnerable status", report.by_vulnerable),
    ):
        table = Table(
            "分组 Group",
            "结算笔数 Settlements",
            "赔付人次 Person-times",
            "赔付金额 Paid (元)",
            "金额占比 Share",
            title=title,
        )
        for share in shares:
            table.add_row(
                share.label,
                f"{share.settlements:,}",
                f"{share.person_times:,}",
                format_yuan(share.paid_fen),
                format_ratio(share.paid_share_bp),
            )
        console.print(table)
    console.print(summary_zh(report), highlight=False)
    print_exported(written)


@app.command("claims")
def claims_report(
    program: CodeOption,
    year: YearOption,
    out: ExportOption = None,
    actor: ActorOption = None,
) -> None:
    """团体意外与健康、特定疾病的保单年度：理赔件数、赔付人数与金额、按理赔类型和地市 / a claims year."""
    from anxin.services.imports.claims import claims_program_kind

    try:
        claims_program_kind(program)
    except AnxinError as error:
        fail(error)
    _claims_year_report(program, year, out, actor)


def _claims_year_report(program: str, year: int, out: Path | None, actor: str | None) -> None:
    """The year of a group-cover claims program: claims, claimants, paid, by claim type and city;
    with ``out``, exported (audited) as ``anxin report year`` does."""
    from anxin.services.claims_reports import claims_summary_zh, claims_year_report
    from anxin.services.report_export import claims_overview_rows, export_claims_report

    report, written = report_and_export(
        lambda db: claims_year_report(db, program, year), export_claims_report, out, actor
    )
    print_overview(
        f"{report.program_name} {year}年度 / year", claims_overview_rows(report, grouping=True)[2:-1]
    )
    for title, shares in (
        ("按理赔类型 / by claim type", report.by_type),
        ("按地市 / by city", report.by_city),
    ):
        table = Table(
            "分组 Group", "件数 Claims", "赔付件数 Paid", "赔付金额 Paid (元)", "金额占比 Share", title=title
        )
        for share in shares:
            table.add_row(
                share.label, f"{share.claims:,}", f"{share.paid_claims:,}", format_yuan(share.paid_fen),
                format_ratio(share.paid_share_bp),
            )  # fmt: skip
        console.print(table)
    console.print(claims_summary_zh(report), highlight=False)
    print_exported(written)


LifeLevel = Annotated[str, typer.Option("--level", help="汇总层级 province（省）| city（地市）/ level")]


@app.command("life")
def life_report_command(
    year: YearOption,
    level: LifeLevel = "province",
    region: Annotated[str | None, typer.Option("--region", help="地区代码或前缀，如 41 / region")] = None,
    out: ExportOption = None,
    actor: ActorOption = None,
) -> None:
    """寿险保全年度：按月份 × 地区的有效保单、中止、复效、退保、贷款、电子化指标 / the life-servicing year."""
    from anxin.services.life_report_export import LIFE_COLUMNS, export_life_report, life_overview_rows
    from anxin.services.life_reports import life_report

    report, written = report_and_export(
        lambda db: life_report(db, year, level=level, region=region), export_life_report, out, actor
    )
    print_overview(f"寿险保全 {year}年 / life-policy servicing", life_overview_rows(report, grouping=True))
    table = Table("月份 Month", "地区 Region", *(header for _, header, _ in LIFE_COLUMNS),
                  *(kpi.name_zh for kpi in report.rates), title="按月份与地区 / by month and region")  # fmt: skip
    for row in [*report.rows, report.totals]:
        table.add_row(
            row.month, row.region,
            *(format_yuan(getattr(row, n)) if money else f"{getattr(row, n):,}" for n, _, money in LIFE_COLUMNS),
            *(f"{v.rate_text} ({v.numerator}/{v.denominator})" if v else "—" for v in report.rates_of(row)),
        )  # fmt: skip
    console.print(table)
    print_exported(written)


@app.command("campaigns")
def campaigns_command(
    out: ExportOption = None,
    actor: ActorOption = None,
) -> None:
    """救助活动：延长宽限期、免息复效、缓息贷款、成本与受助保单 / whom each relief campaign helped, at what cost."""
    from anxin.services.campaign_reports import campaign_reports
    from anxin.services.life_report_export import export_campaign_reports

    reports, written = report_and_export(campaign_reports, export_campaign_reports, out, actor)
    table = Table(
        "活动 Campaign", "窗口 Window", "延长宽限期 Grace kept", "免息复效 Interest-free", "免收利息 Waived (元)",
        "缓息贷款 Deferred loans", "成本 Cost (元)", "受助保单 Helped", title="救助活动 / relief campaigns",
    )  # fmt: skip
    for c in reports:
        table.add_row(
            f"{c.name_zh}（{c.code}）", f"{c.window_from} – {c.window_to}", f"{c.grace_extended_policies:,}",
            f"{c.interest_free_reinstatements:,}", format_yuan(c.waived_interest_fen), f"{c.interest_deferred_loans:,}",
            format_yuan(c.cost_fen), f"{c.helped_policies:,}",
        )  # fmt: skip
    console.print(table)
    console.print("成本 = 免收的复效利息 / cost = the reinstatement interest waived", highlight=False)
    print_exported(written)
