"""The program year's figures for a group-cover claims program (团体意外与健康, 特定疾病).

Definitions (one program, one policy year):

- *insured*: persons enrolled in the year; *claims*: claims with a result line in the year;
- *paid*: the sum of the approved lines; a claim's *due* is the sum of its approved lines;
- *paid claims*: claims with due > 0; *rejected claims*: claims refused by the rule (a ``rejected``
  line) with nothing due; lines in review are counted apart;
- *claimants*: persons whose approved lines sum to more than 0; *average per claimant*: paid /
  claimants, rounded half up to the fen; lines *in review* are those waiting for a person (in review,
  awaiting a second approval, or sent back);
- breakdowns by claim type and by city (the first four digits of the person's region code + ``00``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.group_accident import ClaimType
from anxin.domain.money import BASIS_POINTS, format_yuan_cn, round_half_up
from anxin.services.imports.claim_fields import SPECIFIED_DISEASE
from anxin.services.reports import count_cn, program_name
from anxin.services.review_rules import OPEN
from anxin.store.database import Database
from anxin.store.schema import Claim, ClaimResult, Enrollment, Person
from anxin.synth.regions import SHANDONG_CITIES


@dataclass(frozen=True)
class ClaimShare:
    """One row of a breakdown: a claim type or a city."""

    key: str
    label: str
    claims: int
    paid_claims: int
    paid_fen: int
    paid_share_bp: int


@dataclass(frozen=True)
class ClaimsYearReport:
    program_code: str
    program_name: str
    year: int
    insured: int
    claimants: int
    claims: int
    paid_claims: int
    rejected_claims: int
    paid_fen: int
    average_per_claimant_fen: int
    review_lines: int
    review_fen: int
    by_type: tuple[ClaimShare, ...]
    by_city: tuple[ClaimShare, ...]


def type_label(code: str) -> str:
    if code == SPECIFIED_DISEASE:
        return "特定疾病保险金 specified-disease benefit"
    try:
        kind = ClaimType(code)
    except ValueError:
        return code
    return f"{kind.label_zh} {kind.label_en}"


def city_label(prefix: str) -> str:
    if not prefix:
        return "未知 unknown"
    code = f"{prefix}00"
    return SHANDONG_CITIES.get(code, f"其他 {code}")


def claims_year_report(db: Database, program_code: str, year: int) -> ClaimsYearReport:
    """Every figure of the policy year, each a grouped aggregate in the database."""
    due = _due(program_code, year)
    with db.session() as session:
        row = session.execute(
            sa.select(
                sa.func.count(),
                sa.func.sum(due.c.paid_fen),
                sa.func.sum(sa.case((due.c.paid_fen > 0, 1), else_=0)),
                sa.func.sum(sa.case(((due.c.rejected_lines > 0) & (due.c.paid_fen == 0), 1), else_=0)),
                sa.func.sum(due.c.review_lines),
                sa.func.sum(due.c.review_fen),
            )
        ).one()
        claims, paid, paid_claims, rejected, review_lines, review_fen = (int(v or 0) for v in row)
        insured = session.scalar(
            sa.select(sa.func.count(sa.distinct(Enrollment.person_id))).where(
                Enrollment.program_code == program_code, Enrollment.year == year
            )
        )
        per_person = (
            sa.select(due.c.person_id).group_by(due.c.person_id).having(sa.func.sum(due.c.paid_fen) > 0)
        ).subquery("claimants")
        claimants = int(session.scalar(sa.select(sa.func.count()).select_from(per_person)) or 0)
        by_type = _shares(session, due, Claim.claim_type, paid, type_label)
        by_city = _shares(session, due, sa.func.substr(Person.region_code, 1, 4), paid, city_label)
    return ClaimsYearReport(
        program_code=program_code,
        program_name=program_name(program_code),
        year=year,
        insured=int(insured or 0),
        claimants=claimants,
        claims=claims,
        paid_claims=paid_claims,
        rejected_claims=rejected,
        paid_fen=paid,
        average_per_claimant_fen=round_half_up(paid, claimants) if claimants else 0,
        review_lines=review_lines,
        review_fen=review_fen,
        by_type=by_type,
        by_city=by_city,
    )


def _due(program_code: str, year: int) -> sa.Subquery:
    line = ClaimResult
    approved = sa.case((line.status == "approved", line.amount_fen), else_=0)
    in_review = line.status.in_(OPEN)  # in review, awaiting a second approval, or sent back
    return (
        sa.select(
            line.claim_id.label("claim_id"),
            line.person_id.label("person_id"),
            sa.func.sum(approved).label("paid_fen"),
            sa.func.sum(sa.case((line.status == "rejected", 1), else_=0)).label("rejected_lines"),
            sa.func.sum(sa.case((in_review, 1), else_=0)).label("review_lines"),
            sa.func.sum(sa.case((in_review, line.amount_fen), else_=0)).label("review_fen"),
        )
        .where(line.program_code == program_code, line.policy_year == year)
        .group_by(line.claim_id, line.person_id)
        .subquery("due")
    )


def _shares(
    session: Session, due: sa.Subquery, key: sa.ColumnElement, paid_total: int, label
) -> tuple[ClaimShare, ...]:  # type: ignore[no-untyped-def]
    keyed = (
        sa.select(sa.func.coalesce(key, "").label("key"), due.c.paid_fen)
        .select_from(due.join(Claim, Claim.id == due.c.claim_id).join(Person, Person.id == due.c.person_id))
        .subquery("keyed")
    )
    statement = (
        sa.select(
            keyed.c.key,
            sa.func.count(),
            sa.func.sum(sa.case((keyed.c.paid_fen > 0, 1), else_=0)),
            sa.func.sum(keyed.c.paid_fen),
        )
        .group_by(keyed.c.key)
        .order_by(keyed.c.key)
    )
    shares = []
    for value, count, paid_claims, paid in session.execute(statement):
        paid = int(paid or 0)
        share = round_half_up(paid * BASIS_POINTS, paid_total) if paid_total > 0 else 0
        shares.append(
            ClaimShare(value or "", label(value or ""), int(count), int(paid_claims or 0), paid, share)
        )
    return tuple(shares)


def claims_summary_zh(report: ClaimsYearReport) -> str:
    """One paragraph in Chinese, every number from the data."""
    return (
        f"{report.year}年度，{report.program_name}参保{count_cn(report.insured)}人，"
        f"受理理赔{report.claims}件，赔付{report.paid_claims}件、{report.claimants}人，"
        f"赔付金额{format_yuan_cn(report.paid_fen)}，人均{format_yuan_cn(report.average_per_claimant_fen)}；"
        f"拒赔{report.rejected_claims}件，待复核{report.review_lines}笔。"
    )
