"""The program-year report (大病保险), the claims year of a group-cover program (团体意外与健康,
特定疾病) and a long-term care program's year or month (长期护理保险) as tables with Chinese headers,
and their export to CSV / XLSX / Parquet (audited)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from anxin.domain.money import format_yuan
from anxin.services.care_reports import CareReport, care_summary_zh
from anxin.services.claims_reports import ClaimShare, ClaimsYearReport, claims_summary_zh
from anxin.services.exports import ExportTable, export_audited, item_table, percent_column, yuan_column
from anxin.services.reports import ProgramYearReport, Share, summary_zh
from anxin.store.database import Database


def overview_rows(report: ProgramYearReport, *, grouping: bool = False) -> list[tuple[str, str, str]]:
    """The headline figures as (item, value, unit); amounts are exact yuan text (``grouping`` adds
    thousands separators, for screens)."""

    def yuan(fen: int) -> str:
        return format_yuan(fen, grouping=grouping)

    def count(value: int) -> str:
        return f"{value:,}" if grouping else str(value)

    def days(value: int | None) -> str:
        return "" if value is None else str(value)

    return [
        ("项目 program", f"{report.program_name}（{report.program_code}）", ""),
        ("年度 year", str(report.year), ""),
        ("参保人数 insured", count(report.insured), "人"),
        ("赔付人数 claimants", count(report.claimants), "人"),
        ("赔付人次 person-times", count(report.person_times), "人次"),
        ("结算笔数 settlements", count(report.settlements), "笔"),
        ("合规费用 eligible cost", yuan(report.eligible_fen), "元"),
        ("赔付金额 paid", yuan(report.paid_fen), "元"),
        ("人均赔付 average per claimant", yuan(report.average_per_claimant_fen), "元"),
        ("待审核明细 lines in review", count(report.review_lines), "条"),
        ("待审核金额 amount in review", yuan(report.review_fen), "元"),
        ("已支付结算 settlements paid", count(report.turnaround_settlements), "笔"),
        ("支付用时中位数 median turnaround", days(report.turnaround_median_days), "天"),
        ("支付用时90%分位 90th percentile turnaround", days(report.turnaround_p90_days), "天"),
        ("摘要 summary", summary_zh(report), ""),
    ]


def share_table(shares: tuple[Share, ...], key_zh: str, label_zh: str) -> pl.DataFrame:
    """A breakdown with Chinese headers: counts, yuan amounts and percentage shares."""
    return pl.DataFrame(
        [
            pl.Series(key_zh, [s.key for s in shares], dtype=pl.String),
            pl.Series(label_zh, [s.label for s in shares], dtype=pl.String),
            pl.Series("结算笔数", [s.settlements for s in shares], dtype=pl.Int64),
            pl.Series("赔付人次", [s.person_times for s in shares], dtype=pl.Int64),
            yuan_column("合规费用(元)", [s.eligible_fen for s in shares]),
            yuan_column("赔付金额(元)", [s.paid_fen for s in shares]),
            percent_column("赔付金额占比(%)", [s.paid_share_bp for s in shares]),
            percent_column("赔付人次占比(%)", [s.person_times_share_bp for s in shares]),
        ]
    )


def report_tables(report: ProgramYearReport) -> list[ExportTable]:
    """Overview, then the shares by city, hospital tier and vulnerable status."""
    return [
        ExportTable("overview", "总览", item_table(overview_rows(report))),
        ExportTable("city", "地市", share_table(report.by_city, "地市代码", "地市")),
        ExportTable("tier", "医院等级", share_table(report.by_tier, "医院等级代码", "医院等级")),
        ExportTable("vulnerable", "人员类别", share_table(report.by_vulnerable, "人员类别代码", "人员类别")),
    ]


def claims_overview_rows(report: ClaimsYearReport, *, grouping: bool = False) -> list[tuple[str, str, str]]:
    """The claims year's headline figures as (item, value, unit), as :func:`overview_rows`."""

    def yuan(fen: int) -> str:
        return format_yuan(fen, grouping=grouping)

    def count(value: int) -> str:
        return f"{value:,}" if grouping else str(value)

    return [
        ("项目 program", f"{report.program_name}（{report.program_code}）", ""),
        ("保单年度 policy year", str(report.year), ""),
        ("参保人数 insured", count(report.insured), "人"),
        ("理赔件数 claims", count(report.claims), "件"),
        ("赔付件数 paid claims", count(report.paid_claims), "件"),
        ("拒赔件数 rejected claims", count(report.rejected_claims), "件"),
        ("赔付人数 claimants", count(report.claimants), "人"),
        ("赔付金额 paid", yuan(report.paid_fen), "元"),
        ("人均赔付 average per claimant", yuan(report.average_per_claimant_fen), "元"),
        ("待复核明细 lines in review", count(report.review_lines), "条"),
        ("待复核金额 amount in review", yuan(report.review_fen), "元"),
        ("摘要 summary", claims_summary_zh(report), ""),
    ]


def claims_share_table(shares: tuple[ClaimShare, ...], key_zh: str, label_zh: str) -> pl.DataFrame:
    """A claims breakdown with Chinese headers: claims, paid claims, yuan paid and its share."""
    return pl.DataFrame(
        [
            pl.Series(key_zh, [s.key for s in shares], dtype=pl.String),
            pl.Series(label_zh, [s.label for s in shares], dtype=pl.String),
            pl.Series("理赔件数", [s.claims for s in shares], dtype=pl.Int64),
            pl.Series("赔付件数", [s.paid_claims for s in shares], dtype=pl.Int64),
            yuan_column("赔付金额(元)", [s.paid_fen for s in shares]),
            percent_column("赔付金额占比(%)", [s.paid_share_bp for s in shares]),
        ]
    )


def claims_report_tables(report: ClaimsYearReport) -> list[ExportTable]:
    """Overview, then the shares by claim type and by city."""
    return [
        ExportTable("overview", "总览", item_table(claims_overview_rows(report))),
        ExportTable("type", "理赔类型", claims_share_table(report.by_type, "理赔类型代码", "理赔类型")),
        ExportTable("city", "地市", claims_share_table(report.by_city, "地市代码", "地市")),
    ]


def export_report(report: ProgramYearReport, path: str | Path, *, db: Database, actor: str) -> list[Path]:
    """Write the report (XLSX: a sheet per table; CSV/Parquet: a file per table); audited."""
    return export_audited(
        report_tables(report),
        path,
        db,
        actor=actor,
        entity="program_year_report",
        entity_id=_period_id(report),
    )


def export_claims_report(
    report: ClaimsYearReport, path: str | Path, *, db: Database, actor: str
) -> list[Path]:
    """Write the claims year (XLSX: a sheet per table; CSV/Parquet: a file per table); audited."""
    return export_audited(
        claims_report_tables(report),
        path,
        db,
        actor=actor,
        entity="claims_year_report",
        entity_id=_period_id(report),
    )


def care_overview_rows(report: CareReport, *, grouping: bool = False) -> list[tuple[str, str, str]]:
    """A long-term care period's headline figures as (item, value, unit), as :func:`overview_rows`."""

    def yuan(fen: int) -> str:
        return format_yuan(fen, grouping=grouping)

    def count(value: int) -> str:
        return f"{value:,}" if grouping else str(value)

    return [
        ("项目 program", f"{report.program_name}（{report.program_code}）", ""),
        ("期间 period", report.period, ""),
        ("护理账单 bills", count(report.bills), "张"),
        ("人数 persons", count(report.persons), "人"),
        ("护理天数 days billed", count(report.days), "天"),
        ("支付天数 days paid", count(report.paid_days), "天"),
        ("护理费用 cost", yuan(report.cost_fen), "元"),
        ("核定支付 due", yuan(report.due_fen), "元"),
        ("待复核金额 amount in review", yuan(report.review_fen), "元"),
        ("已拨付 paid", yuan(report.paid_fen), "元"),
        ("整单不予支付 bills refused", count(report.rejected_bills), "张"),
        ("摘要 summary", care_summary_zh(report), ""),
    ]


def care_service_table(report: CareReport) -> pl.DataFrame:
    """The figures by service type with Chinese headers, and a total row (合计) that reconciles."""
    rows = list(report.by_service)
    return pl.DataFrame(
        [
            pl.Series("服务类型代码", [r.service_type for r in rows] + [""], dtype=pl.String),
            pl.Series("服务类型", [r.label for r in rows] + ["合计 total"], dtype=pl.String),
            pl.Series("账单数", [r.bills for r in rows] + [report.bills], dtype=pl.Int64),
            pl.Series("人数", [r.persons for r in rows] + [report.persons], dtype=pl.Int64),
            pl.Series("护理天数", [r.days for r in rows] + [report.days], dtype=pl.Int64),
            pl.Series("支付天数", [r.paid_days for r in rows] + [report.paid_days], dtype=pl.Int64),
            yuan_column("护理费用(元)", [r.cost_fen for r in rows] + [report.cost_fen]),
            yuan_column("核定支付(元)", [r.due_fen for r in rows] + [report.due_fen]),
        ]
    )


def care_report_tables(report: CareReport) -> list[ExportTable]:
    """Overview, then the figures by service type."""
    return [
        ExportTable("overview", "总览", item_table(care_overview_rows(report))),
        ExportTable("service", "服务类型", care_service_table(report)),
    ]


def export_care_report(report: CareReport, path: str | Path, *, db: Database, actor: str) -> list[Path]:
    """Write a long-term care year or month (XLSX: a sheet per table; CSV/Parquet: a file per
    table); audited."""
    entity_id = f"{report.program_code}:{report.period}"
    return export_audited(
        care_report_tables(report), path, db, actor=actor, entity="care_report", entity_id=entity_id
    )


def _period_id(report: ProgramYearReport | ClaimsYearReport) -> str:
    return f"{report.program_code}:{report.year}"
