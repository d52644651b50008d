"""Review of group-cover claim lines (团体意外与健康, 特定疾病): the same queue, rules and four eyes as
settlement lines (:mod:`anxin.services.review_rules`), on ``claim_results``.

A claims run puts a line in review when its amount is above the run's review threshold
(``review_above_fen``) or when the claim lacks a document its program requires; the queue shows it
with the reason ``above_threshold`` (or ``documents_missing``) and the rule's outcome (``outcome``,
e.g. ``paid``). A reviewer approves, rejects or sends it back; decisions are appended
to ``claim_review_decisions`` and audited (entity ``claim_result``). An approved line is paid by
:func:`anxin.services.payments.pay` like any approved claim line; a paid line is never decided again
(the decision's conditional update also requires "not paid").
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from anxin.domain import group_accident_explanation, specified_disease
from anxin.domain.errors import Conflict, NotFound
from anxin.domain.group_cover import Reason
from anxin.domain.programs import Program, ProgramKind
from anxin.services.review_rules import (
    OPEN,
    Decision,
    Outcome,
    ReviewItem,
    apply_decision,
    checked_reason,
    constant,
    next_status,
    require_open,
)
from anxin.store.database import Database
from anxin.store.schema import AdjudicationRun, Claim, ClaimResult, ClaimReviewDecision, Payment, Person

#: The rule's outcomes (``ReviewItem.outcome``) by code, Chinese and English.
OUTCOME_NAMES = {r.value: (r.label_zh, r.label_en) for r in Reason}
DOCUMENT_SEPARATOR = ","


@dataclass(frozen=True)
class ClaimFacts:
    """What the claim says (as imported or entered), shown beside its line."""

    claim_no: str
    claim_type: str
    due_on: dt.date
    accident_on: dt.date | None
    admitted_on: dt.date | None
    discharged_on: dt.date | None
    grades: str
    expense_fen: int
    disease_code: str
    basic_insurance: bool
    channel: str
    documents: tuple[str, ...]
    entered_by: str
    version: str
    param_hash: str
    explanation: str


#: A claims run holds a line for review when it lacks a required document (its stored reason) …
DOCUMENTS_MISSING = "documents_missing"


def claim_review_reason() -> sa.ColumnElement[str]:
    """Why a claim line is in review: ``documents_missing`` (stored as its reason by the run), else
    ``above_threshold`` (the run's review amount; the stored reason is then the rule's outcome)."""
    return sa.case(
        (ClaimResult.review_reason == DOCUMENTS_MISSING, constant(DOCUMENTS_MISSING)),
        else_=constant("above_threshold"),
    )


def claim_items(*where: sa.ColumnElement[bool]) -> sa.Select:
    """Claim lines as queue rows, in the columns of :class:`ReviewItem` (for the union with the
    settlement lines in :func:`anxin.services.review.review_queue`)."""
    return (
        sa.select(
            ClaimResult.id.label("line_id"),
            constant("").label("setl_id"),
            ClaimResult.person_id,
            Person.id_masked,
            ClaimResult.program_code,
            ClaimResult.policy_year.label("program_year"),
            ClaimResult.kind,
            ClaimResult.amount_fen,
            ClaimResult.due_fen,
            sa.cast(sa.null(), sa.BigInteger).label("hifmi_fen"),
            claim_review_reason().label("review_reason"),
            ClaimResult.status,
            AdjudicationRun.actor.label("run_actor"),
            ClaimResult.created_at,
            constant("claim").label("source"),
            Claim.claim_no,
            Claim.claim_type,
            ClaimResult.review_reason.label("outcome"),
        )
        .join(Claim, Claim.id == ClaimResult.claim_id)
        .join(Person, Person.id == ClaimResult.person_id)
        .join(AdjudicationRun, AdjudicationRun.id == ClaimResult.run_id)
        .where(*where)
    )


def _paid(line_id: int | sa.ColumnElement[int]) -> sa.Exists:
    """Whether the claim line has a payment that no later payment reverses."""
    reversal = aliased(Payment)
    reversed_ = sa.exists().where(reversal.reverses_payment_id == Payment.id)
    return sa.exists().where(Payment.claim_result_id == line_id, ~reversed_)


def claim_is_paid(db: Database, line_id: int) -> bool:
    with db.session() as session:
        return bool(session.scalar(sa.select(_paid(line_id))))


def claim_review_item(db: Database, line_id: int) -> tuple[ReviewItem, list[Decision], ClaimFacts]:
    """One claim line, its decisions (oldest first) and its claim."""
    with db.session() as session:
        row = session.execute(claim_items(ClaimResult.id == line_id)).first()
        if row is None:
            raise NotFound(f"没有该理赔结果行：{line_id}", f"no such claim result line: {line_id}")
        claim = session.execute(
            sa.select(Claim, ClaimResult.version, ClaimResult.param_hash, ClaimResult.explanation)
            .join(ClaimResult, ClaimResult.claim_id == Claim.id)
            .where(ClaimResult.id == line_id)
        ).one()
        decisions = session.execute(
            sa.select(
                ClaimReviewDecision.decision,
                ClaimReviewDecision.status_after,
                ClaimReviewDecision.actor,
                ClaimReviewDecision.reason,
                ClaimReviewDecision.created_at,
            )
            .where(ClaimReviewDecision.claim_result_id == line_id)
            .order_by(ClaimReviewDecision.id)
        ).all()
    c = claim[0]
    facts = ClaimFacts(
        claim_no=c.claim_no,
        claim_type=c.claim_type,
        due_on=c.due_on,
        accident_on=c.accident_on,
        admitted_on=c.admitted_on,
        discharged_on=c.discharged_on,
        grades=c.grades,
        expense_fen=c.expense_fen,
        disease_code=c.disease_code,
        basic_insurance=c.basic_insurance,
        channel=c.channel,
        documents=tuple(d for d in c.documents.split(DOCUMENT_SEPARATOR) if d),
        entered_by=c.entered_by,
        version=claim.version,
        param_hash=claim.param_hash,
        explanation=claim.explanation,
    )
    return ReviewItem(*row), [Decision(*d) for d in decisions], facts


def _already_paid() -> Conflict:
    return Conflict(
        "该理赔结果行已支付，不能再审核",
        "the claim line has been paid and cannot be decided again",
        code="already_paid",
    )


def decide_claim(
    db: Database,
    line_id: int,
    decision: str,
    *,
    actor: str,
    reason: str = "",
    four_eyes_above_fen: int,
) -> Outcome:
    """Record ``decision`` on an open claim line and move its status (the rules of
    :func:`anxin.services.review.decide`)."""
    reason = checked_reason(decision, reason)
    item, decisions, _ = claim_review_item(db, line_id)
    if claim_is_paid(db, line_id):
        raise _already_paid()
    require_open(item)
    status, needs_second = next_status(item, decisions, decision, actor, four_eyes_above_fen)
    apply_decision(
        db,
        line=ClaimResult,
        item=item,
        status=status,
        decision_row=ClaimReviewDecision(
            claim_result_id=line_id, decision=decision, status_after=status, actor=actor, reason=reason
        ),
        entity="claim_result",
        decision=decision,
        actor=actor,
        reason=reason,
        guard=~_paid(ClaimResult.id),
    )
    return Outcome(line_id, status, needs_second)


def claim_explanation(program: Program, item: ReviewItem, facts: ClaimFacts, lang: str = "zh") -> list[str]:
    """The stored engine columns of a claim line explained, line by line (Chinese or English)."""
    row = json.loads(facts.explanation or "{}")
    if not row:
        return []
    version = program.version_named(facts.version)
    if program.kind is ProgramKind.SPECIFIED_DISEASE:
        lump = specified_disease.LumpSum(
            claim_id=facts.claim_no,
            reason=Reason(str(row["reason"])),
            age=int(row.get("age") or 0),
            units=int(row.get("units_paid") or 0),
            units_paid=int(row.get("units_paid") or 0),
            unit_sum_fen=int(row.get("unit_sum_fen") or 0),
            multiple_bp=int(row.get("multiple_bp") or 0),
            gross_e4=int(row.get("gross_e4") or 0),
            payout_fen=int(row.get("payout_fen") or 0),
        )
        return specified_disease.explain(version.parameters, lump, facts.disease_code, lang)  # type: ignore[arg-type]
    assessment = group_accident_explanation.assessment_from_row({**row, "claim_id": facts.claim_no})
    return group_accident_explanation.ClaimExplanation(
        assessment=assessment,
        program_code=program.code,
        program_name_zh=program.name_zh,
        program_name_en=program.name_en,
        version=facts.version,
        parameter_hash=facts.param_hash,
    ).lines(lang)


def is_open(item: ReviewItem) -> bool:
    return item.status in OPEN
