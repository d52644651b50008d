"""What the dashboard charts beside the program-year report: which program years have data, and
payouts by month. (Imports and payment batches are listed by :mod:`anxin.services.uploads` and
:mod:`anxin.services.payment_records`.)

Monthly payouts are counted by the month of the settlement (``setl_time``, as stored) of every
result line of the program year: *approved* is the sum of approved lines, *paid* the sum of lines
with a payment that was not reversed. Everything is summed in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from anxin.store.database import Database
from anxin.store.schema import Adjudication, Enrollment, Payment, Settlement


@dataclass(frozen=True)
class ProgramYearKey:
    program_code: str
    year: int
    #: Result lines in the year (0: only enrolments so far).
    lines: int
    #: Whether anyone is enrolled in the year (lines of a year nobody is enrolled in are refusals).
    enrolled: bool


@dataclass(frozen=True)
class MonthTotal:
    month: str  # "2023-01"
    lines: int
    approved_fen: int
    paid_fen: int


def program_years(db: Database) -> list[ProgramYearKey]:
    """Every (program, year) with result lines or enrolments, latest year first."""
    with db.session() as session:
        counted = session.execute(
            sa.select(Adjudication.program_code, Adjudication.program_year, sa.func.count()).group_by(
                Adjudication.program_code, Adjudication.program_year
            )
        ).all()
        enrolled = session.execute(sa.select(Enrollment.program_code, Enrollment.year).distinct()).all()
    lines = {(code, int(year)): int(n) for code, year, n in counted}
    keys = {(code, int(year)) for (code, year) in lines} | {(code, int(year)) for code, year in enrolled}
    insured = {(code, int(year)) for code, year in enrolled}
    found = [
        ProgramYearKey(code, year, lines.get((code, year), 0), (code, year) in insured) for code, year in keys
    ]
    return sorted(found, key=lambda k: (-k.year, k.program_code))


def default_program_year(db: Database) -> ProgramYearKey | None:
    """The latest year with enrolments and result lines (else with lines, else with enrolments)."""
    found = program_years(db)
    return next(
        (k for k in found if k.lines and k.enrolled),
        next((k for k in found if k.lines), found[0] if found else None),
    )


def _month(db: Database, column: sa.ColumnElement) -> sa.ColumnElement[str]:
    if db.dialect == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def monthly_payouts(db: Database, program_code: str, year: int) -> list[MonthTotal]:
    """Approved and paid amounts of the program year's lines by month of settlement; months without
    lines between the first and the last are listed with zeros."""
    line = Adjudication
    reversal = aliased(Payment)
    reversed_ = sa.exists().where(reversal.reverses_payment_id == Payment.id)
    paid = (
        sa.select(Payment.adjudication_id.label("line_id"))
        .where(Payment.adjudication_id.is_not(None), ~reversed_)
        .subquery("paid")
    )
    month = _month(db, Settlement.setl_time).label("month")
    statement = (
        sa.select(
            month,
            sa.func.count(),
            sa.func.sum(sa.case((line.status == "approved", line.amount_fen), else_=0)),
            sa.func.sum(sa.case((paid.c.line_id.is_not(None), line.amount_fen), else_=0)),
        )
        .select_from(line)
        .join(Settlement, Settlement.id == line.settlement_id)
        .outerjoin(paid, paid.c.line_id == line.id)
        .where(line.program_code == program_code, line.program_year == year)
        .group_by(month)
        .order_by(month)
    )
    with db.session() as session:
        rows = {
            str(m): MonthTotal(str(m), int(n), int(a or 0), int(p or 0))
            for m, n, a, p in session.execute(statement)
        }
    if not rows:
        return []
    first, last = min(rows), max(rows)
    months = []
    y, m = int(first[:4]), int(first[5:7])
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        months.append(rows.get(key, MonthTotal(key, 0, 0, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months
