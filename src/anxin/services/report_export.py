"""The program-year report (大病保险) and the claims year of a group-cover program (团体意外与健康,
特定疾病) as tables with Chinese headers, and their export to CSV / XLSX / Parquet (audited)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from anxin.domain.money import format_yuan
from anxin.services.claims_reports import ClaimShare, ClaimsYearReport, claims_summary_zh
from anxin.services.exports import ExportTable, item_table, percent_column, write_tables, yuan_column
from anxin.services.reports import ProgramYearReport, Share, summary_zh
from anxin.store.audit import record
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
    return _export(report_tables(report), path, db, actor, "program_year_report", report)


def export_claims_report(
    report: ClaimsYearReport, path: str | Path, *, db: Database, actor: str
) -> list[Path]:
    """Write the claims year (XLSX: a sheet per table; CSV/Parquet: a file per table); audited."""
    return _export(claims_report_tables(report), path, db, actor, "claims_year_report", report)


def _export(
    tables: list[ExportTable],
    path: str | Path,
    db: Database,
    actor: str,
    entity: str,
    report: ProgramYearReport | ClaimsYearReport,
) -> list[Path]:
    written = write_tables(tables, path)
    with db.session() as session, session.begin():
        record(
            session,
            actor=actor,
            action="export",
            entity=entity,
            entity_id=f"{report.program_code}:{report.year}",
            after={"files": [p.name for p in written]},
        )
    return written
