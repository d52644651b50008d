"""What the staff pages list and chart beside the program-year report: which program years have
data, payouts by month, and the listings of imports and payment batches (newest first).

Monthly payouts are counted by the month of the settlement (``setl_time``, as stored) of every
result line of the program year: *approved* is the sum of approved lines, *paid* the sum of lines
with a payment that was not reversed. Everything is summed in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from anxin.domain.errors import NotFound
from anxin.store.database import Database
from anxin.store.schema import (
    Adjudication,
    Enrollment,
    ImportBatch,
    Payment,
    PaymentBatch,
    Person,
    Settlement,
)


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


@dataclass(frozen=True)
class ImportRow:
    id: int
    kind: str
    file_name: str
    status: str
    rows: int
    inserted: int
    unchanged: int
    problems: int
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class BatchRow:
    id: int
    program_code: str
    payee: str
    status: str
    payments: int
    total_fen: int
    actor: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PaymentRow:
    id: int
    line_id: int | None
    setl_id: str | None
    person_id: int
    id_masked: str
    amount_fen: int
    created_at: dt.datetime
    reverses_payment_id: int | None
    #: The payment that reversed this one, if any.
    reversed_by: int | None


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


def recent_imports(db: Database, *, limit: int = 50, offset: int = 0) -> tuple[list[ImportRow], int]:
    """Import batches, newest first, and how many there are."""
    columns = (
        ImportBatch.id,
        ImportBatch.kind,
        ImportBatch.file_name,
        ImportBatch.status,
        ImportBatch.rows,
        ImportBatch.inserted,
        ImportBatch.unchanged,
        ImportBatch.problems,
        ImportBatch.actor,
        ImportBatch.started_at,
        ImportBatch.finished_at,
    )
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) or 0
        rows = session.execute(
            sa.select(*columns).order_by(ImportBatch.id.desc()).limit(limit).offset(offset)
        ).all()
    return [ImportRow(*row) for row in rows], int(total)


_BATCH = (
    PaymentBatch.id,
    PaymentBatch.program_code,
    PaymentBatch.payee,
    PaymentBatch.status,
    PaymentBatch.payments,
    PaymentBatch.total_fen,
    PaymentBatch.actor,
    PaymentBatch.created_at,
)


def payment_batches(
    db: Database, *, program_code: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[BatchRow], int]:
    """Payment batches (reversals included), newest first, and how many there are."""
    where = [PaymentBatch.program_code == program_code] if program_code else []
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(PaymentBatch).where(*where)) or 0
        rows = session.execute(
            sa.select(*_BATCH).where(*where).order_by(PaymentBatch.id.desc()).limit(limit).offset(offset)
        ).all()
    return [BatchRow(*row) for row in rows], int(total)


def _payments() -> sa.Select:
    reversal = aliased(Payment)
    return (
        sa.select(
            Payment.id,
            Payment.adjudication_id,
            Settlement.setl_id,
            Payment.person_id,
            Person.id_masked,
            Payment.amount_fen,
            Payment.created_at,
            Payment.reverses_payment_id,
            reversal.id,
        )
        .join(Person, Person.id == Payment.person_id)
        .outerjoin(Adjudication, Adjudication.id == Payment.adjudication_id)
        .outerjoin(Settlement, Settlement.id == Adjudication.settlement_id)
        .outerjoin(reversal, reversal.reverses_payment_id == Payment.id)
    )


def _batch(session: Session, batch_id: int) -> BatchRow:
    batch = session.execute(sa.select(*_BATCH).where(PaymentBatch.id == batch_id)).first()
    if batch is None:
        raise NotFound(f"没有该支付批次：{batch_id}", f"no such payment batch: {batch_id}")
    return BatchRow(*batch)


def batch_payments(
    db: Database, batch_id: int, *, limit: int = 200, offset: int = 0
) -> tuple[BatchRow, list[PaymentRow]]:
    """One batch and its payments (a page of them), with the line, settlement and masked ID."""
    with db.session() as session:
        batch = _batch(session, batch_id)
        rows = session.execute(
            _payments().where(Payment.batch_id == batch_id).order_by(Payment.id).limit(limit).offset(offset)
        ).all()
    return batch, [PaymentRow(*row) for row in rows]


def payment_of(db: Database, payment_id: int) -> tuple[BatchRow, PaymentRow]:
    """One payment and the batch it belongs to."""
    with db.session() as session:
        row = session.execute(_payments().where(Payment.id == payment_id)).first()
        if row is None:
            raise NotFound(f"没有该支付：{payment_id}", f"no such payment: {payment_id}")
        batch_id = session.scalar(sa.select(Payment.batch_id).where(Payment.id == payment_id))
        assert batch_id is not None
        return _batch(session, batch_id), PaymentRow(*row)
