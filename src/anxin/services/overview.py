"""Every program year at a glance, whatever its kind: who is enrolled, what was judged, what is due,
in review and paid — the first table of the dashboard.

Each kind keeps its result lines in its own table (settlement lines for critical illness and
supplementary programs, claim lines for group covers, care bill lines for long-term care); the
figures are summed in the database per table and put side by side. *Due* is the approved lines'
money (payouts net of adjustments), *paid* what was paid and not reversed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from anxin.domain.programs import ProgramKind
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import Adjudication, CareBillResult, ClaimResult, Enrollment, Payment


@dataclass(frozen=True)
class ProgramYearFigures:
    program_code: str
    name_zh: str
    name_en: str
    kind: ProgramKind | None
    year: int
    insured: int
    #: Settlements, claims or care bills with a result line.
    judged: int
    persons: int
    due_fen: int
    review_lines: int
    paid_fen: int


def _lines(line, year_of, judged_by, payment_column):  # type: ignore[no-untyped-def]
    """Per (program, year): items judged, persons, approved money, lines in review, money paid."""
    reversal = aliased(Payment)
    paid = (
        sa.select(payment_column.label("line_id"), Payment.amount_fen.label("paid"))
        .where(payment_column.is_not(None), ~sa.exists().where(reversal.reverses_payment_id == Payment.id))
        .subquery()
    )
    year = year_of.label("year")
    return (
        sa.select(
            line.program_code,
            year,
            sa.func.count(sa.distinct(judged_by)),
            sa.func.count(sa.distinct(line.person_id)),
            sa.func.sum(sa.case((line.status == "approved", line.amount_fen), else_=0)),
            sa.func.sum(sa.case((line.status == "review", 1), else_=0)),
            sa.func.sum(sa.func.coalesce(paid.c.paid, 0)),
        )
        .outerjoin(paid, paid.c.line_id == line.id)
        .group_by(line.program_code, year)
    )


def _year_of_month(db: Database) -> sa.ColumnElement[int]:
    if db.dialect == "postgresql":
        return sa.cast(sa.func.extract("year", CareBillResult.month), sa.Integer)
    return sa.cast(sa.func.strftime("%Y", CareBillResult.month), sa.Integer)


def program_overview(db: Database) -> list[ProgramYearFigures]:
    """Every (program, year) with enrolments or result lines, latest year first, then by code."""
    statements = [
        _lines(Adjudication, Adjudication.program_year, Adjudication.settlement_id, Payment.adjudication_id),
        _lines(ClaimResult, ClaimResult.policy_year, ClaimResult.claim_id, Payment.claim_result_id),
        _lines(CareBillResult, _year_of_month(db), CareBillResult.bill_id, Payment.care_result_id),
    ]
    figures: dict[tuple[str, int], list[int]] = {}
    with db.session() as session:
        for statement in statements:
            for code, year, judged, persons, due, review, paid in session.execute(statement):
                figures[(code, int(year))] = [
                    0,
                    int(judged),
                    int(persons),
                    int(due or 0),
                    int(review or 0),
                    int(paid or 0),
                ]
        insured = session.execute(
            sa.select(Enrollment.program_code, Enrollment.year, sa.func.count()).group_by(
                Enrollment.program_code, Enrollment.year
            )
        ).all()
    for code, year, count in insured:
        figures.setdefault((code, int(year)), [0, 0, 0, 0, 0, 0])[0] = int(count)
    shipped = shipped_programs()
    rows = []
    for (code, year), (enrolled, judged, persons, due, review, paid) in figures.items():
        program = shipped.get(code)
        rows.append(
            ProgramYearFigures(
                program_code=code,
                name_zh=program.name_zh if program else code,
                name_en=program.name_en if program else code,
                kind=program.kind if program else None,
                year=year,
                insured=enrolled,
                judged=judged,
                persons=persons,
                due_fen=due,
                review_lines=review,
                paid_fen=paid,
            )
        )
    return sorted(rows, key=lambda r: (-r.year, r.program_code))
