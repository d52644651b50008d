"""A long-term care program's figures for a year or a month (长护险结算统计), by SQL aggregates.

Definitions (one program; the bills of the months in the period):

- *bills*: the care bills in force (a bill replaced by a correcting bill is not counted; its
  correction is); *persons*: persons with such bills; *days* and *cost*: billed on them;
- *paid days*: the days paid by each bill's latest result line;
- *due*: the sum of the approved result lines (payouts less recoveries; corrections included);
  *in review*: lines waiting for a person; *rejected bills*: bills refused whole by the rule;
- *paid*: the money of payments made for the period's lines (reversals included);
- by service type: the same figures per service (医疗专护, 机构护理, 居家上门, 居家自护).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from anxin.domain.long_term_care import ServiceType
from anxin.domain.money import format_yuan_cn
from anxin.domain.programs import ProgramKind
from anxin.services.reports import count_cn, program_name
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import CareBill, CareBillResult, Payment


@dataclass(frozen=True)
class CareServiceFigures:
    service_type: str
    label: str
    bills: int
    persons: int
    days: int
    paid_days: int
    cost_fen: int
    due_fen: int


@dataclass(frozen=True)
class CareReport:
    program_code: str
    program_name: str
    year: int
    month: int | None
    bills: int
    persons: int
    days: int
    paid_days: int
    cost_fen: int
    due_fen: int
    review_fen: int
    rejected_bills: int
    paid_fen: int
    by_service: tuple[CareServiceFigures, ...]

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)


def is_care_program(code: str) -> bool:
    """Whether ``code`` is a shipped long-term care program."""
    program = shipped_programs().get(code)
    return program is not None and program.kind is ProgramKind.LONG_TERM_CARE


def service_label(code: str) -> str:
    try:
        service = ServiceType(code)
    except ValueError:
        return code
    return f"{service.label_zh} {service.label_en}"


def _months(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 1)
    return dt.date(year, month, 1), dt.date(year, month, 1)


def care_report(db: Database, program_code: str, year: int, month: int | None = None) -> CareReport:
    """The period's figures, in total and by service type."""
    first, last = _months(year, month)
    bills = _bills(program_code, first, last)
    lines = _lines(program_code, first, last)
    with db.session() as session:
        rows = {key: figures for key, figures in _by_service(session, bills, lines)}
        paid = _paid(session, program_code, first, last)
        rejected = session.scalar(sa.select(sa.func.count()).select_from(lines).where(lines.c.rejected > 0))
        review = session.scalar(sa.select(sa.func.sum(lines.c.review_fen)))
    by_service = tuple(rows[k] for k in sorted(rows, key=_service_order))
    return CareReport(
        program_code=program_code,
        program_name=program_name(program_code),
        year=year,
        month=month,
        bills=sum(r.bills for r in by_service),
        persons=_persons(db, bills),
        days=sum(r.days for r in by_service),
        paid_days=sum(r.paid_days for r in by_service),
        cost_fen=sum(r.cost_fen for r in by_service),
        due_fen=sum(r.due_fen for r in by_service),
        review_fen=int(review or 0),
        rejected_bills=int(rejected or 0),
        paid_fen=paid,
        by_service=by_service,
    )


def _service_order(code: str) -> int:
    codes = [s.value for s in ServiceType]
    return codes.index(code) if code in codes else len(codes)


def _bills(program_code: str, first: dt.date, last: dt.date) -> sa.Subquery:
    """The period's bills, each marked whether a later bill replaced it."""
    replacing = aliased(CareBill)
    replaced = sa.exists().where(replacing.replaces_bill_no == CareBill.bill_no)
    return (
        sa.select(
            CareBill.id, CareBill.person_id, CareBill.service_type, CareBill.days, CareBill.cost_fen,
            sa.case((replaced, 0), else_=1).label("in_force"),
        )
        .where(CareBill.program_code == program_code, CareBill.month.between(first, last))
        .subquery("bills")
    )  # fmt: skip


def _lines(program_code: str, first: dt.date, last: dt.date) -> sa.Subquery:
    """Per bill: the approved sum, what waits in review, refusals, the latest line's paid days."""
    line = CareBillResult
    latest = sa.func.max(line.id)
    approved = sa.case((line.status == "approved", line.amount_fen), else_=0)
    return (
        sa.select(
            line.bill_id.label("bill_id"),
            sa.func.sum(approved).label("due_fen"),
            sa.func.sum(sa.case((line.status == "review", line.amount_fen), else_=0)).label("review_fen"),
            sa.func.sum(
                sa.case(((line.status == "rejected") & (line.reason != "bill_replaced"), 1), else_=0)
            ).label("rejected"),
            latest.label("latest_id"),
        )
        .where(line.program_code == program_code, line.month.between(first, last))
        .group_by(line.bill_id)
        .subquery("lines")
    )


def _by_service(
    session: Session, bills: sa.Subquery, lines: sa.Subquery
) -> list[tuple[str, CareServiceFigures]]:
    latest = aliased(CareBillResult)
    in_force = bills.c.in_force == 1
    statement = (
        sa.select(
            bills.c.service_type,
            sa.func.sum(bills.c.in_force),
            sa.func.count(sa.distinct(sa.case((in_force, bills.c.person_id)))),
            sa.func.sum(sa.case((in_force, bills.c.days), else_=0)),
            sa.func.sum(sa.case((in_force, sa.func.coalesce(latest.paid_days, 0)), else_=0)),
            sa.func.sum(sa.case((in_force, bills.c.cost_fen), else_=0)),
            sa.func.sum(sa.func.coalesce(lines.c.due_fen, 0)),
        )
        .select_from(bills)
        .outerjoin(lines, lines.c.bill_id == bills.c.id)
        .outerjoin(latest, latest.id == lines.c.latest_id)
        .group_by(bills.c.service_type)
    )
    found = []
    for code, count, persons, days, paid_days, cost, due in session.execute(statement):
        figures = CareServiceFigures(
            code, service_label(code), int(count or 0), int(persons or 0), int(days or 0),
            int(paid_days or 0), int(cost or 0), int(due or 0),
        )  # fmt: skip
        found.append((code, figures))
    return found


def _persons(db: Database, bills: sa.Subquery) -> int:
    with db.session() as session:
        statement = sa.select(sa.func.count(sa.distinct(bills.c.person_id))).where(bills.c.in_force == 1)
        return int(session.scalar(statement) or 0)


def _paid(session: Session, program_code: str, first: dt.date, last: dt.date) -> int:
    """Payments of the period's lines, and reversals of those payments."""
    ids = sa.select(CareBillResult.id).where(
        CareBillResult.program_code == program_code, CareBillResult.month.between(first, last)
    )
    direct = sa.select(Payment.id).where(Payment.care_result_id.in_(ids))
    statement = sa.select(sa.func.sum(Payment.amount_fen)).where(
        Payment.care_result_id.in_(ids) | Payment.reverses_payment_id.in_(direct)
    )
    return int(session.scalar(statement) or 0)


def care_summary_zh(report: CareReport) -> str:
    """One paragraph in Chinese, every number from the data."""
    when = f"{report.year}年{report.month}月" if report.month else f"{report.year}年"
    return (
        f"{when}，{report.program_name}受理护理账单{report.bills}张、{count_cn(report.persons)}人，"
        f"护理{report.days}天、费用{format_yuan_cn(report.cost_fen)}；核定支付{report.paid_days}天、"
        f"{format_yuan_cn(report.due_fen)}，已拨付{format_yuan_cn(report.paid_fen)}；"
        f"整单不予支付{report.rejected_bills}张。"
    )


@dataclass(frozen=True)
class CareLine:
    """A stored care bill result line with its bill (for pages and the API)."""

    id: int
    bill_no: str
    person_id: int
    program_code: str
    month: dt.date
    provider_code: str
    service_type: str
    service_label: str
    days: int
    cost_fen: int
    kind: str
    status: str
    reason: str
    amount_fen: int
    due_fen: int
    paid_days: int
    version: str


_LINE_COLUMNS = (
    CareBillResult.id, CareBill.bill_no, CareBillResult.person_id, CareBillResult.program_code,
    CareBillResult.month, CareBill.provider_code, CareBill.service_type, CareBill.days, CareBill.cost_fen,
    CareBillResult.kind, CareBillResult.status, CareBillResult.reason, CareBillResult.amount_fen,
    CareBillResult.due_fen, CareBillResult.paid_days, CareBillResult.version,
)  # fmt: skip


def _care_line(row: sa.Row) -> CareLine:
    values = list(row)
    return CareLine(*values[:7], service_label(values[6]), *values[7:])


def care_line(db: Database, result_id: int) -> CareLine | None:
    """The stored line ``result_id`` with its bill, or None."""
    statement = sa.select(*_LINE_COLUMNS).join(CareBill, CareBill.id == CareBillResult.bill_id)
    with db.session() as session:
        row = session.execute(statement.where(CareBillResult.id == result_id)).first()
    return None if row is None else _care_line(row)


def person_care_lines(db: Database, person_id: int, limit: int = 200) -> list[CareLine]:
    """A person's care bill result lines with their bills, latest month first (at most ``limit``)."""
    statement = (
        sa.select(*_LINE_COLUMNS)
        .join(CareBill, CareBill.id == CareBillResult.bill_id)
        .where(CareBillResult.person_id == person_id)
        .order_by(CareBillResult.month.desc(), CareBill.bill_no, CareBillResult.id)
        .limit(limit)
    )
    with db.session() as session:
        return [_care_line(row) for row in session.execute(statement)]
