"""The review queue and decisions on its lines: approve, reject, send back.

Four eyes: a line above ``ANXIN_FOUR_EYES_ABOVE`` needs two approvals by two different people,
neither of whom started the run that produced it. A decision that breaks the rule is refused with
**409** and the code ``four_eyes`` (the caller holds the permission; the line's state, who already
approved it or whose run made it, is what forbids it), so 403 keeps meaning one thing: the caller's
roles lack the permission.

Claim lines of group covers (团体意外与健康, 特定疾病) share the queue: each item names its ``source``
(``settlement`` or ``claim``); a claim line carries ``claim_no``, ``claim_type`` and ``outcome`` (the
rule's reason code) and is read and decided under ``/review/claims/{line_id}`` with the same rules,
four eyes included. A claim line already paid answers 409 ``already_paid``.

Flagging (``POST /review/{line_id}/flag``, permission ``review.flag``) sends an approved line that is
not paid yet back into review with the reason ``flagged``; a paid line answers 409 ``already_paid``,
a line that is not approved 409 ``not_flaggable``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.domain.errors import AnxinError, Conflict
from anxin.services import claim_review, review
from anxin.services.claims_reports import type_label
from anxin.services.program_lookup import shipped_program
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, PROGRAM_CODE, IdPath, Lang, Page, PageParams, yuan
from anxin.web.security import database, require

router = APIRouter(prefix="/review", tags=["review 审核"], responses=ERRORS)

Status = Literal["review", "second", "returned", "approved", "rejected"]
Source = Literal["settlement", "claim"]


class ReviewItemOut(BaseModel):
    line_id: int
    setl_id: str
    person_id: int
    id_masked: str
    program_code: str
    program_year: int
    kind: str
    amount_fen: int
    amount_yuan: str
    due_fen: int
    due_yuan: str
    hifmi_fen: int | None
    hifmi_yuan: str | None
    review_reason: str
    reason_zh: str
    reason_en: str
    status: str
    status_zh: str
    status_en: str
    run_actor: str
    needs_two: bool = Field(description="超过双人复核金额 / above the four-eyes amount")
    created_at: dt.datetime
    source: Source = Field(description="settlement 大病结算行 | claim 团体理赔行 / the kind of line")
    source_zh: str
    source_en: str
    claim_no: str = Field(description="赔案号（理赔行）/ claim number (claim lines)")
    claim_type: str = Field(description="理赔类型代码（理赔行）/ claim type code (claim lines)")
    outcome: str = Field(description="规则结果代码（理赔行）/ the rule's reason code (claim lines)")
    outcome_zh: str
    outcome_en: str


class DecisionOut(BaseModel):
    decision: str
    status_after: str
    actor: str
    reason: str
    created_at: dt.datetime


class ReviewDetailOut(ReviewItemOut):
    decisions: list[DecisionOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject", "send_back"]
    reason: str = Field("", max_length=400, description="拒绝或退回须写原因 / needed to reject or send back")


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        max_length=400, description="标记复核的原因（必填）/ why the line needs a person (required)"
    )


class OutcomeOut(BaseModel):
    line_id: int
    status: str
    status_zh: str
    status_en: str
    needs_second: bool = Field(description="还需另一人复核 / a second person must still approve")


def _item(item: review.ReviewItem, threshold: int) -> ReviewItemOut:
    reason = review.REASON_NAMES.get(item.review_reason, (item.review_reason, item.review_reason))
    status = review.STATUS_NAMES.get(item.status, (item.status, item.status))
    source = review.SOURCE_NAMES[item.source]
    outcome = claim_review.OUTCOME_NAMES.get(item.outcome, (item.outcome, item.outcome))
    return ReviewItemOut(
        **vars(item),
        source_zh=source[0],
        source_en=source[1],
        outcome_zh=outcome[0],
        outcome_en=outcome[1],
        amount_yuan=yuan(item.amount_fen) or "",
        due_yuan=yuan(item.due_fen) or "",
        hifmi_yuan=yuan(item.hifmi_fen),
        reason_zh=reason[0],
        reason_en=reason[1],
        status_zh=status[0],
        status_en=status[1],
        needs_two=abs(item.amount_fen) > threshold,
    )


@router.get("", response_model=Page[ReviewItemOut], summary="审核队列 / the review queue")
def queue(
    request: Request,
    staff: Annotated[Staff, require(P.REVIEW_READ)],
    paging: PageParams,
    program: Annotated[str | None, Query(pattern=PROGRAM_CODE)] = None,
    status: Annotated[Status | None, Query(description="默认全部待处理 / default: every open line")] = None,
    reason: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    source: Annotated[Source | None, Query(description="默认两类都有 / default: both kinds")] = None,
) -> Page[ReviewItemOut]:
    """待处理的结果行（大病结算行与团体理赔行），金额大的在前 / open lines of both kinds, largest first."""
    db = database(request)
    rows, total = review.review_queue(
        db,
        program_code=program,
        status=status,
        reason=reason,
        source=source,
        limit=paging.limit,
        offset=paging.offset,
    )
    return paging.page([_item(r, db.settings.four_eyes_above_fen) for r in rows], total)


class ClaimOut(BaseModel):
    claim_no: str
    claim_type: str
    claim_type_label: str = Field(description="理赔类型（中文 英文）/ claim type, Chinese and English")
    due_on: dt.date
    accident_on: dt.date | None
    admitted_on: dt.date | None
    discharged_on: dt.date | None
    grades: str
    expense_fen: int
    expense_yuan: str
    disease_code: str
    basic_insurance: bool
    channel: str
    documents: list[str] = Field(description="已收材料代码 / codes of the documents received")
    entered_by: str
    version: str
    param_hash: str


class ClaimReviewDetailOut(ReviewItemOut):
    decisions: list[DecisionOut]
    claim: ClaimOut
    explanation: list[str] = Field(
        description="赔付计算说明，逐行 / how the payout was computed, line by line"
    )


@router.get(
    "/claims/{line_id}",
    response_model=ClaimReviewDetailOut,
    summary="理赔审核项 / one claim line with its claim, explanation and decisions",
)
def claim_item(
    line_id: IdPath,
    request: Request,
    staff: Annotated[Staff, require(P.REVIEW_READ)],
    lang: Lang = "zh",
) -> ClaimReviewDetailOut:
    db = database(request)
    found, decisions, facts = claim_review.claim_review_item(db, line_id)
    explanation = claim_review.claim_explanation(shipped_program(found.program_code), found, facts, lang)
    return ClaimReviewDetailOut(
        **_item(found, db.settings.four_eyes_above_fen).model_dump(),
        decisions=[DecisionOut(**vars(d)) for d in decisions],
        claim=ClaimOut(
            **{k: v for k, v in vars(facts).items() if k not in ("documents", "explanation")},
            claim_type_label=type_label(facts.claim_type),
            expense_yuan=yuan(facts.expense_fen) or "",
            documents=list(facts.documents),
        ),
        explanation=explanation,
    )


@router.post(
    "/claims/{line_id}/decisions",
    response_model=OutcomeOut,
    status_code=201,
    summary="理赔行审核决定 / decide a claim line",
)
def decide_claim(
    line_id: IdPath, body: DecisionIn, request: Request, staff: Annotated[Staff, require(P.REVIEW_DECIDE)]
) -> OutcomeOut:
    """与结算行相同的规则：通过、拒绝或退回，四眼原则（409 four_eyes）；已支付的理赔行返回 409，代码
    already_paid。通过后由支付批次（pay）支付给参保人。
    The rules of settlement lines: approve, reject or send back, four eyes (409 four_eyes); a claim line
    already paid answers 409 already_paid. An approved line is paid to the person by the next batch."""
    db = database(request)
    with _four_eyes_as_conflict():
        outcome = claim_review.decide_claim(
            db,
            line_id,
            body.decision,
            actor=staff.username,
            reason=body.reason,
            four_eyes_above_fen=db.settings.four_eyes_above_fen,
        )
    return _outcome(outcome)


@contextmanager
def _four_eyes_as_conflict() -> Iterator[None]:
    try:
        yield
    except AnxinError as error:
        if error.code == "four_eyes":
            raise Conflict(error.zh, error.en, code="four_eyes") from None
        raise


@router.get("/{line_id}", response_model=ReviewDetailOut, summary="审核项 / one line with its decisions")
def item(
    line_id: IdPath, request: Request, staff: Annotated[Staff, require(P.REVIEW_READ)]
) -> ReviewDetailOut:
    db = database(request)
    found, decisions = review.review_item(db, line_id)
    return ReviewDetailOut(
        **_item(found, db.settings.four_eyes_above_fen).model_dump(),
        decisions=[DecisionOut(**vars(d)) for d in decisions],
    )


def _outcome(outcome: review.Outcome) -> OutcomeOut:
    names = review.STATUS_NAMES[outcome.status]
    return OutcomeOut(
        line_id=outcome.line_id,
        status=outcome.status,
        status_zh=names[0],
        status_en=names[1],
        needs_second=outcome.needs_second,
    )


@router.post("/{line_id}/decisions", response_model=OutcomeOut, status_code=201, summary="审核决定 / decide")
def decide(
    line_id: IdPath, body: DecisionIn, request: Request, staff: Annotated[Staff, require(P.REVIEW_DECIDE)]
) -> OutcomeOut:
    """通过、拒绝或退回。违反四眼原则返回 409，代码 four_eyes；已处理的行返回 409，代码 conflict。
    Approve, reject or send back. A four-eyes violation answers 409 with the code four_eyes; a line
    already decided answers 409 with the code conflict."""
    db = database(request)
    with _four_eyes_as_conflict():
        outcome = review.decide(
            db,
            line_id,
            body.decision,
            actor=staff.username,
            reason=body.reason,
            four_eyes_above_fen=db.settings.four_eyes_above_fen,
        )
    return _outcome(outcome)


@router.post(
    "/{line_id}/flag", response_model=OutcomeOut, status_code=201, summary="标记复核 / flag for review"
)
def flag(
    line_id: IdPath, body: FlagIn, request: Request, staff: Annotated[Staff, require(P.REVIEW_FLAG)]
) -> OutcomeOut:
    """把已通过、尚未支付的结果行送回审核（原因：人工标记），须写明原因。已支付的行返回 409，代码
    already_paid；未处于已通过状态的行返回 409，代码 not_flaggable；没有原因返回 400，代码 reason_required。
    Send an approved line that is not paid yet back into review (reason: flagged), with a reason.
    A paid line answers 409 already_paid; a line that is not approved, 409 not_flaggable; no reason,
    400 reason_required. The usual decisions (with four eyes) follow."""
    return _outcome(review.flag(database(request), line_id, actor=staff.username, reason=body.reason))
