"""The review queue: result lines a person must look at, and their decisions.

A line enters review when the bureau's figure differs from ours or it is above the run's review
threshold, or when a person flags an approved line that is not paid yet (:func:`flag`, with a
reason). A reviewer approves, rejects or sends it back (to be looked at again), with a reason.
Four eyes: a line whose amount is above ``four_eyes_above_fen`` needs two approvals by two different
people, neither of whom started the run that produced it. Decisions are append-only; the line's
``status`` follows them, changed only by a conditional update so two people deciding at once cannot
both succeed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from anxin.domain.errors import AnxinError, Conflict, NotFound
from anxin.services.claim_review import claim_items, claim_review_reason
from anxin.services.review_rules import (
    DECISION_NAMES,
    DECISIONS,
    OPEN,
    SOURCE_NAMES,
    SOURCES,
    STATUS_NAMES,
    Decision,
    Outcome,
    ReviewItem,
    apply_decision,
    check_length,
    checked_reason,
    constant,
    next_status,
    require_open,
)
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.schema import (
    Adjudication,
    AdjudicationRun,
    ClaimResult,
    Payment,
    Person,
    ReviewDecision,
    Settlement,
)

REASON_NAMES = {
    "bureau_differs": ("与医保结算金额不一致", "bureau figure differs"),
    "above_threshold": ("超过审核金额", "above the review threshold"),
    "not_enrolled": ("未参保", "not enrolled"),
    "flagged": ("人工标记", "flagged"),
    "documents_missing": ("理赔材料不全", "claim documents missing"),
    "": ("", ""),
}
__all__ = [
    "DECISIONS",
    "DECISION_NAMES",
    "OPEN",
    "REASON_NAMES",
    "SOURCES",
    "SOURCE_NAMES",
    "STATUS_NAMES",
    "Decision",
    "Outcome",
    "ReviewItem",
    "decide",
    "flag",
    "flaggable_lines",
    "is_paid",
    "review_item",
    "review_queue",
]


def _items() -> sa.Select:
    return (
        sa.select(
            Adjudication.id.label("line_id"),
            Settlement.setl_id,
            Adjudication.person_id,
            Person.id_masked,
            Adjudication.program_code,
            Adjudication.program_year,
            Adjudication.kind,
            Adjudication.amount_fen,
            Adjudication.due_fen,
            Settlement.hifmi_fen,
            Adjudication.review_reason,
            Adjudication.status,
            AdjudicationRun.actor,
            Adjudication.created_at,
        )
        .join(Settlement, Settlement.id == Adjudication.settlement_id)
        .join(Person, Person.id == Adjudication.person_id)
        .join(AdjudicationRun, AdjudicationRun.id == Adjudication.run_id)
    )


def review_queue(
    db: Database,
    *,
    program_code: str | None = None,
    status: str | None = None,
    reason: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ReviewItem], int]:
    """Open lines of both kinds (settlement and claim lines, ``source``; largest amount first) and
    how many there are in all. Claim lines have the reason ``above_threshold`` or
    ``documents_missing``."""
    statuses = (status,) if status else OPEN
    parts: list[sa.Select] = []
    if source in (None, "settlement"):
        where = [Adjudication.status.in_(statuses)]
        if program_code:
            where.append(Adjudication.program_code == program_code)
        if reason:
            where.append(Adjudication.review_reason == reason)
        parts.append(
            _items()
            .add_columns(
                constant("settlement").label("source"),
                constant("").label("claim_no"),
                constant("").label("claim_type"),
                constant("").label("outcome"),
            )
            .where(*where)
        )
    if source in (None, "claim"):
        where = [ClaimResult.status.in_(statuses)]
        if program_code:
            where.append(ClaimResult.program_code == program_code)
        if reason:
            where.append(claim_review_reason() == reason)
        parts.append(claim_items(*where))
    if not parts:
        return [], 0
    union = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery()
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(union)) or 0
        rows = session.execute(
            sa.select(union)
            .order_by(union.c.amount_fen.desc(), union.c.source.desc(), union.c.line_id)
            .limit(limit)
            .offset(offset)
        ).all()
    return [ReviewItem(*row) for row in rows], int(total)


def review_item(db: Database, line_id: int) -> tuple[ReviewItem, list[Decision]]:
    with db.session() as session:
        row = session.execute(_items().where(Adjudication.id == line_id)).first()
        if row is None:
            raise NotFound(f"没有该结果行：{line_id}", f"no such result line: {line_id}")
        decisions = session.execute(
            sa.select(
                ReviewDecision.decision,
                ReviewDecision.status_after,
                ReviewDecision.actor,
                ReviewDecision.reason,
                ReviewDecision.created_at,
            )
            .where(ReviewDecision.adjudication_id == line_id)
            .order_by(ReviewDecision.id)
        ).all()
    return ReviewItem(*row), [Decision(*d) for d in decisions]


def decide(
    db: Database,
    line_id: int,
    decision: str,
    *,
    actor: str,
    reason: str = "",
    four_eyes_above_fen: int,
) -> Outcome:
    """Record ``decision`` on an open line and move its status."""
    reason = checked_reason(decision, reason)
    item, decisions = review_item(db, line_id)
    require_open(item)
    status, needs_second = next_status(item, decisions, decision, actor, four_eyes_above_fen)
    apply_decision(
        db,
        line=Adjudication,
        item=item,
        status=status,
        decision_row=ReviewDecision(
            adjudication_id=line_id, decision=decision, status_after=status, actor=actor, reason=reason
        ),
        entity="adjudication",
        decision=decision,
        actor=actor,
        reason=reason,
    )
    return Outcome(line_id, status, needs_second)


def _paid(line_id: int | sa.ColumnElement[int]) -> sa.Exists:
    """Whether the line has a payment that no later payment reverses."""
    reversal = aliased(Payment)
    reversed_ = sa.exists().where(reversal.reverses_payment_id == Payment.id)
    return sa.exists().where(Payment.adjudication_id == line_id, ~reversed_)


def is_paid(db: Database, line_id: int) -> bool:
    with db.session() as session:
        return bool(session.scalar(sa.select(_paid(line_id))))


def _already_paid() -> Conflict:
    return Conflict(
        "该结果行已支付，不能标记复核（支付须先冲正）",
        "the line has been paid and cannot be flagged for review (its payment must be reversed first)",
        code="already_paid",
    )


def flag(db: Database, line_id: int, *, actor: str, reason: str) -> Outcome:
    """Send an approved, unpaid line back into review (reason ``flagged``), with a reason.

    Like :func:`decide`, the status moves only by a conditional update (approved and unpaid at that
    moment), so a flag and a decision or a payment batch at the same time cannot both win; the
    payment check is repeated after the update, inside the transaction, for a batch that committed
    while the update waited for the line's lock."""
    reason = reason.strip()
    if not reason:
        raise AnxinError(
            "标记复核须写明原因", "flagging a line for review needs a reason", code="reason_required"
        )
    check_length(reason)
    item, _ = review_item(db, line_id)
    if is_paid(db, line_id):
        raise _already_paid()
    if item.status != "approved":
        names = STATUS_NAMES.get(item.status, (item.status, item.status))
        raise Conflict(
            f"只能标记已通过的结果行（当前：{names[0]}）",
            f"only an approved line can be flagged for review (this one is {names[1]})",
            code="not_flaggable",
        )
    with db.session() as session:  # one transaction: committed below, rolled back on leaving otherwise
        changed = session.execute(
            sa.update(Adjudication)
            .where(Adjudication.id == line_id, Adjudication.status == "approved", ~_paid(Adjudication.id))
            .values(status="review", review_reason="flagged")
            .execution_options(synchronize_session=False)
        ).rowcount
        paid_now = bool(session.scalar(sa.select(_paid(line_id))))
        lost = changed != 1 or paid_now
        if lost:
            session.rollback()
        else:
            session.add(
                ReviewDecision(
                    adjudication_id=line_id,
                    decision="flag",
                    status_after="review",
                    actor=actor,
                    reason=reason,
                )
            )
            record(
                session,
                actor=actor,
                action="review_flag",
                entity="adjudication",
                entity_id=line_id,
                before={"status": item.status, "review_reason": item.review_reason},
                after={"status": "review", "review_reason": "flagged", "reason": reason},
            )
            session.commit()
    if lost:
        if paid_now:
            raise _already_paid()
        raise Conflict("该结果行刚被他人处理，请刷新", "someone else has just changed this line; reload it")
    return Outcome(line_id, "review", False)


def flaggable_lines(db: Database, person_id: int) -> dict[str, list[tuple[int, str]]]:
    """A person's approved, unpaid lines (the lines :func:`flag` accepts) as
    ``{setl_id: [(line id, program code), …]}``."""
    with db.session() as session:
        rows = session.execute(
            sa.select(Settlement.setl_id, Adjudication.id, Adjudication.program_code)
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(
                Adjudication.person_id == person_id,
                Adjudication.status == "approved",
                ~_paid(Adjudication.id),
            )
            .order_by(Adjudication.id)
        ).all()
    found: dict[str, list[tuple[int, str]]] = {}
    for setl_id, line_id, program_code in rows:
        found.setdefault(setl_id, []).append((line_id, program_code))
    return found
