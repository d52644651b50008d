"""Reconciliation: what we say each settlement is due against what the bureau recorded (hifmi_pay).

Per settlement adjudicated in the program year, *ours* is the sum of its result lines (whatever
their approval status: the rule's figure, which is what the bureau's own figure should equal) and
*bureau* its ``hifmi_fen``. A difference is listed when they differ, when the bureau sent no
figure, or when the bureau paid a settlement we never adjudicated (a settlement of a person
enrolled in the program year, counted in that year by the program's date rule). The difference is
bureau − ours, as in the calculator's output. Totals are summed in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.errors import AnxinError
from anxin.domain.money import format_yuan
from anxin.domain.programs.model import ProgramYear, YearBasis
from anxin.services.exports import ExportTable, export_audited, item_table, yuan_column
from anxin.store.database import Database
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, Enrollment, Person, Settlement

DIFFERS, BUREAU_MISSING, NOT_ADJUDICATED = "differs", "bureau_missing", "not_adjudicated"
KIND_ZH = {
    DIFFERS: "金额不一致 amounts differ",
    BUREAU_MISSING: "医保无大病保险支付记录 no bureau figure",
    NOT_ADJUDICATED: "医保已支付但未计算 paid by the bureau, not adjudicated",
}
_SCHEMA = {
    "setl_id": pl.String,
    "person": pl.String,
    "ours_fen": pl.Int64,
    "bureau_fen": pl.Int64,
    "difference_fen": pl.Int64,
    "kind": pl.String,
}


@dataclass(frozen=True)
class ReconciliationReport:
    program_code: str
    year: int
    settlements: int  # adjudicated in the program year
    compared: int  # of those, with a bureau figure
    matched: int
    differing: int
    bureau_missing: int
    not_adjudicated: int
    ours_fen: int  # Σ ours over the adjudicated settlements
    bureau_fen: int  # Σ bureau figures (adjudicated and not adjudicated)
    difference_fen: int  # Σ (bureau − ours) where both exist or ours is absent
    differences: pl.DataFrame  # setl_id, person (masked), ours_fen, bureau_fen, difference_fen, kind

    @property
    def clean(self) -> bool:
        return self.differences.height == 0


def reconcile(db: Database, program_code: str, year: int) -> ReconciliationReport:
    """Compare every settlement of ``program_code``'s ``year`` with the bureau's figure."""
    line = Adjudication
    ours = (
        sa.select(line.settlement_id.label("settlement_id"), sa.func.sum(line.amount_fen).label("ours_fen"))
        .where(line.program_code == program_code, line.program_year == year)
        .group_by(line.settlement_id)
        .subquery("ours")
    )
    joined = ours.join(Settlement, Settlement.id == ours.c.settlement_id)
    bureau = Settlement.hifmi_fen
    with db.session() as session:
        totals = session.execute(
            sa.select(
                sa.func.count(),
                sa.func.sum(sa.case((bureau.is_not(None), 1), else_=0)),
                sa.func.sum(sa.case((bureau == ours.c.ours_fen, 1), else_=0)),
                sa.func.sum(ours.c.ours_fen),
                sa.func.sum(bureau),
                sa.func.sum(bureau - ours.c.ours_fen),
            ).select_from(joined)
        ).one()
        settlements, compared, matched, ours_fen, bureau_fen, gap_fen = (int(v or 0) for v in totals)
        listed = session.execute(
            sa.select(Settlement.setl_id, Person.id_masked, ours.c.ours_fen, bureau)
            .select_from(joined.join(Person, Person.id == Settlement.person_id))
            .where(sa.or_(bureau.is_(None), bureau != ours.c.ours_fen))
            .order_by(Settlement.setl_id)
        ).all()
        missing = _not_adjudicated(session, program_code, year)
    rows = [
        (
            setl_id,
            person,
            int(mine),
            figure,
            None if figure is None else figure - mine,
            BUREAU_MISSING if figure is None else DIFFERS,
        )
        for setl_id, person, mine, figure in listed
    ]
    rows += [(setl_id, person, None, figure, figure, NOT_ADJUDICATED) for setl_id, person, figure in missing]
    rows.sort(key=lambda row: row[0])
    return ReconciliationReport(
        program_code=program_code,
        year=year,
        settlements=settlements,
        compared=compared,
        matched=matched,
        differing=compared - matched,
        bureau_missing=settlements - compared,
        not_adjudicated=len(missing),
        ours_fen=ours_fen,
        bureau_fen=bureau_fen + sum(figure for _, _, figure in missing),
        difference_fen=gap_fen + sum(figure for _, _, figure in missing),
        differences=pl.DataFrame(rows, schema=_SCHEMA, orient="row"),
    )


def _year_rule(program_code: str) -> ProgramYear:
    try:
        return resolve_program(program_code).program_year
    except AnxinError:
        return ProgramYear()


def _not_adjudicated(session: Session, program_code: str, year: int) -> list[tuple[str, str, int]]:
    """Settlements of persons enrolled in the year, counted in it, paid by the bureau, never adjudicated."""
    rule = _year_rule(program_code)
    first, after = rule.first_day(year), rule.first_day(year + 1)
    if rule.counts_by is YearBasis.SETTLEMENT:
        day = Settlement.setl_time
        within = sa.and_(
            day >= dt.datetime.combine(first, dt.time()), day < dt.datetime.combine(after, dt.time())
        )
    else:
        column = Settlement.begndate if rule.counts_by is YearBasis.ADMISSION else Settlement.enddate
        within = sa.and_(column >= first, column < after)
    adjudicated = sa.exists().where(
        Adjudication.settlement_id == Settlement.id, Adjudication.program_code == program_code
    )
    enrolled = sa.exists().where(
        Enrollment.person_id == Settlement.person_id,
        Enrollment.program_code == program_code,
        Enrollment.year == year,
    )
    statement = (
        sa.select(Settlement.setl_id, Person.id_masked, Settlement.hifmi_fen)
        .join(Person, Person.id == Settlement.person_id)
        .where(within, enrolled, ~adjudicated, Settlement.hifmi_fen.is_not(None), Settlement.hifmi_fen != 0)
    )
    return [(setl_id, person, int(figure)) for setl_id, person, figure in session.execute(statement)]


def difference_table(report: ReconciliationReport) -> pl.DataFrame:
    """The differences with Chinese headers, amounts in yuan."""
    frame = report.differences
    return pl.DataFrame(
        [
            frame["setl_id"].alias("结算ID"),
            frame["person"].alias("参保人（脱敏）"),
            yuan_column("我方应赔(元)", frame["ours_fen"].to_list()),
            yuan_column("医保大病保险支付(元)", frame["bureau_fen"].to_list()),
            yuan_column("差额(元)（医保−我方）", frame["difference_fen"].to_list()),
            frame["kind"].replace_strict(KIND_ZH, return_dtype=pl.String).alias("说明"),
        ]
    )


def summary_rows(report: ReconciliationReport, *, grouping: bool = False) -> list[tuple[str, str, str]]:
    """The totals as (item, value, unit), Chinese first (``grouping`` adds separators, for screens)."""

    def count(value: int) -> str:
        return f"{value:,}" if grouping else str(value)

    return [
        ("项目 program", report.program_code, ""),
        ("年度 year", str(report.year), ""),
        ("已计算结算 adjudicated settlements", count(report.settlements), "笔"),
        ("有医保记录 with a bureau figure", count(report.compared), "笔"),
        ("一致 matched", count(report.matched), "笔"),
        ("金额不一致 differing", count(report.differing), "笔"),
        ("医保无记录 no bureau figure", count(report.bureau_missing), "笔"),
        ("医保已支付但未计算 not adjudicated", count(report.not_adjudicated), "笔"),
        ("我方应赔合计 ours", format_yuan(report.ours_fen, grouping=grouping), "元"),
        ("医保记录合计 bureau", format_yuan(report.bureau_fen, grouping=grouping), "元"),
        ("差额合计（医保−我方） difference", format_yuan(report.difference_fen, grouping=grouping), "元"),
    ]


def export_reconciliation(
    db: Database, report: ReconciliationReport, path: str | Path, *, actor: str
) -> list[Path]:
    """Write the differences (and, beside them, the totals) to CSV/XLSX/Parquet; audited."""
    tables = [
        ExportTable("differences", "差异明细", difference_table(report)),
        ExportTable("summary", "汇总", item_table(summary_rows(report))),
    ]
    return export_audited(
        tables, path, db, actor=actor, entity="reconciliation", entity_id=f"{report.program_code}:{report.year}",
        differences=report.differences.height,
    )  # fmt: skip
