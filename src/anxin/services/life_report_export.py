"""The life-servicing report and the relief-campaign reports as tables with Chinese headers, and their
export to CSV / XLSX / Parquet (audited), with the helpers of :mod:`anxin.services.exports`."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from anxin.domain.money import format_yuan
from anxin.services.campaign_reports import CampaignReport
from anxin.services.exports import ExportTable, export_audited, item_table, workbook_bytes, yuan_column
from anxin.services.life_reports import LEVEL_ZH, LifeMonthRow, LifeReport
from anxin.store.database import Database


def life_overview_rows(report: LifeReport, *, grouping: bool = False) -> list[tuple[str, str, str]]:
    """The year's totals as (item, value, unit); amounts exact yuan text (``grouping`` for screens)."""
    t = report.totals

    def yuan(fen: int) -> str:
        return format_yuan(fen, grouping=grouping)

    def count(value: int) -> str:
        return f"{value:,}" if grouping else str(value)

    return [
        ("年度 year", str(report.year), ""),
        ("汇总层级 level", f"{LEVEL_ZH[report.level]} {report.level}", ""),
        ("地区 region", report.region or "全部 all", ""),
        ("年末有效保单 policies in force at the end", count(t.policies_in_force), "件"),
        ("效力中止 suspensions", count(t.suspensions), "件"),
        ("复效 reinstatements", count(t.reinstatements), "件"),
        ("退保 surrenders", count(t.surrenders), "件"),
        ("退保金额 surrender paid", yuan(t.surrender_paid_fen), "元"),
        ("犹豫期撤销 cooling-off cancellations", count(t.cooling_off_cancellations), "件"),
        ("终止 terminations", count(t.terminations), "件"),
        ("满期终止 maturities", count(t.maturities), "件"),
        ("满期给付 paid at maturity", yuan(t.maturity_paid_fen), "元"),
        ("保单贷款笔数 loans taken", count(t.loans_taken), "笔"),
        ("保单贷款金额 loans taken", yuan(t.loans_taken_fen), "元"),
        ("年末贷款余额 loans outstanding at the end", yuan(t.loans_outstanding_fen), "元"),
        ("贷款利息收入 loan interest", yuan(t.loan_interest_fen), "元"),
        *((f"{v.name_zh} {v.name_en}", v.rate_text, f"{v.numerator}/{v.denominator}") for v in report.rates),
    ]


#: (attribute, Chinese header, is money)
LIFE_COLUMNS = [
    ("policies_in_force", "月末有效保单", False),
    ("suspensions", "效力中止", False),
    ("reinstatements", "复效", False),
    ("surrenders", "退保", False),
    ("surrender_paid_fen", "退保金额(元)", True),
    ("cooling_off_cancellations", "犹豫期撤销", False),
    ("terminations", "终止", False),
    ("maturities", "满期终止", False),
    ("maturity_paid_fen", "满期给付(元)", True),
    ("loans_taken", "贷款笔数", False),
    ("loans_taken_fen", "贷款金额(元)", True),
    ("loans_outstanding_fen", "月末贷款余额(元)", True),
    ("loan_interest_fen", "贷款利息收入(元)", True),
]


def life_month_table(report: LifeReport) -> pl.DataFrame:
    """One row per month × region, then the totals row (全年) that adds up."""
    rows: list[LifeMonthRow] = [*report.rows, report.totals]
    series = [
        pl.Series("月份", [r.month for r in rows], dtype=pl.String),
        pl.Series("地区", [r.region for r in rows], dtype=pl.String),
    ]
    for name, header, money in LIFE_COLUMNS:
        values = [getattr(r, name) for r in rows]
        series.append(yuan_column(header, values) if money else pl.Series(header, values, dtype=pl.Int64))
    rates = [report.rates_of(r) for r in rows]
    for index, kpi in enumerate(report.rates):
        values = [found[index] for found in rates]
        series += [
            pl.Series(f"{kpi.name_zh}分子", [v.numerator if v else 0 for v in values], dtype=pl.Int64),
            pl.Series(f"{kpi.name_zh}分母", [v.denominator if v else 0 for v in values], dtype=pl.Int64),
            pl.Series(kpi.name_zh, [v.rate_text if v else "—" for v in values], dtype=pl.String),
        ]
    return pl.DataFrame(series)


def life_report_tables(report: LifeReport) -> list[ExportTable]:
    return [
        ExportTable("overview", "总览", item_table(life_overview_rows(report))),
        ExportTable("months", "月度地区", life_month_table(report)),
    ]


def campaign_table(reports: list[CampaignReport]) -> pl.DataFrame:
    """One row per campaign: who it helped and what it cost (cost = the reinstatement interest waived)."""
    return pl.DataFrame(
        [
            pl.Series("活动代码", [r.code for r in reports], dtype=pl.String),
            pl.Series("活动名称", [r.name_zh for r in reports], dtype=pl.String),
            pl.Series("开始", [str(r.window_from) for r in reports], dtype=pl.String),
            pl.Series("结束", [str(r.window_to) for r in reports], dtype=pl.String),
            pl.Series("地区", [" ".join(r.regions) for r in reports], dtype=pl.String),
            pl.Series("延长宽限期保单", [r.grace_extended_policies for r in reports], dtype=pl.Int64),
            yuan_column("延长宽限期保额(元)", [r.grace_extended_sum_insured_fen for r in reports]),
            pl.Series("免息复效", [r.interest_free_reinstatements for r in reports], dtype=pl.Int64),
            yuan_column("免收复效利息(元)", [r.waived_interest_fen for r in reports]),
            pl.Series("缓息贷款", [r.interest_deferred_loans for r in reports], dtype=pl.Int64),
            yuan_column("缓息贷款本金(元)", [r.interest_deferred_principal_fen for r in reports]),
            yuan_column("活动成本(元)", [r.cost_fen for r in reports]),
            pl.Series("受助保单", [r.helped_policies for r in reports], dtype=pl.Int64),
        ]
    )


def campaign_region_table(reports: list[CampaignReport]) -> pl.DataFrame:
    rows = [(r.code, g) for r in reports for g in r.by_region]
    return pl.DataFrame(
        [
            pl.Series("活动代码", [code for code, _ in rows], dtype=pl.String),
            pl.Series("地市", [g.region for _, g in rows], dtype=pl.String),
            pl.Series("延长宽限期保单", [g.grace_extended_policies for _, g in rows], dtype=pl.Int64),
            pl.Series("免息复效", [g.interest_free_reinstatements for _, g in rows], dtype=pl.Int64),
            yuan_column("免收复效利息(元)", [g.waived_interest_fen for _, g in rows]),
            pl.Series("缓息贷款", [g.interest_deferred_loans for _, g in rows], dtype=pl.Int64),
            pl.Series("受助保单", [g.helped_policies for _, g in rows], dtype=pl.Int64),
        ]
    )


def campaign_report_tables(reports: list[CampaignReport]) -> list[ExportTable]:
    return [
        ExportTable("campaigns", "救助活动", campaign_table(reports)),
        ExportTable("regions", "活动地市", campaign_region_table(reports)),
    ]


def export_life_report(report: LifeReport, path: str | Path, *, db: Database, actor: str) -> list[Path]:
    """Write the life-servicing year (XLSX: a sheet per table; CSV/Parquet: a file per table); audited."""
    entity_id = f"{report.year}:{report.level}" + (f":{report.region}" if report.region else "")
    return export_audited(
        life_report_tables(report), path, db, actor=actor, entity="life_report", entity_id=entity_id
    )


def export_campaign_reports(
    reports: list[CampaignReport], path: str | Path, *, db: Database, actor: str
) -> list[Path]:
    """Write the relief-campaign reports (XLSX: a sheet per table; CSV/Parquet: a file per table); audited."""
    entity_id = ",".join(r.code for r in reports)
    return export_audited(
        campaign_report_tables(reports), path, db, actor=actor, entity="campaign_report", entity_id=entity_id
    )


def life_report_workbook(db: Database, report: LifeReport, *, actor: str) -> bytes:
    """The life-servicing year as an XLSX workbook in memory, for a download; audited."""
    name = f"life-{report.year}-{report.level}.xlsx"
    return workbook_bytes(lambda path: export_life_report(report, path, db=db, actor=actor), name)


def campaign_workbook(db: Database, reports: list[CampaignReport], *, actor: str) -> bytes:
    """The relief-campaign reports as an XLSX workbook in memory, for a download; audited."""
    return workbook_bytes(
        lambda path: export_campaign_reports(reports, path, db=db, actor=actor), "campaigns.xlsx"
    )
