"""The review queue and the decision on one line: approve, reject or send back, with four eyes for
lines above the threshold (two approvals by two different people); and flagging an approved line
that is not paid yet for review, with a reason. The queue holds settlement lines and the claim
lines of group covers alike; a claim line opens at ``/review/claims/{id}`` (the claim, the documents
received, the explanation) and is decided with the same rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError
from anxin.services.claim_review import OUTCOME_NAMES, claim_explanation, claim_review_item, decide_claim
from anxin.services.claims_reports import type_label
from anxin.services.dashboard import program_years
from anxin.services.review import (
    DECISION_NAMES,
    OPEN,
    REASON_NAMES,
    SOURCE_NAMES,
    SOURCES,
    STATUS_NAMES,
    decide,
    flag,
    is_paid,
    review_item,
    review_queue,
)
from anxin.services.review_rules import Outcome
from anxin.services.stored_explanations import explain_stored
from anxin.services.users import Staff
from anxin.web.errors import status_of
from anxin.web.i18n import language
from anxin.web.pages.common import PAGE_SIZE, after_change, clamp_page, pages, shipped
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()


@router.get("/review")
def queue(
    request: Request,
    staff: Annotated[Staff, require(Permission.REVIEW_READ)],
    program: str = "",
    status: str = "",
    reason: str = "",
    source: str = "",
    page: int = 1,
) -> Response:
    db = database(request)
    source = source if source in SOURCES else ""
    status = status if status in OPEN else ""
    reason = reason if reason in REASON_NAMES and reason else ""
    program = program[:64]
    page = max(page, 1)
    items, total = review_queue(
        db,
        program_code=program or None,
        status=status or None,
        reason=reason or None,
        source=source or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "items": items,
        "total": total,
        "page": clamp_page(page, total),
        "page_count": pages(total),
        "filters": {"program": program, "status": status, "reason": reason, "source": source},
        "sources": SOURCE_NAMES,
        "outcome_names": OUTCOME_NAMES,
        "type_label": type_label,
        "programs": sorted({k.program_code for k in program_years(db)}),
        "open_statuses": OPEN,
        "reasons": [key for key in REASON_NAMES if key],
        "four_eyes_above_fen": db.settings.four_eyes_above_fen,
    }
    return render(request, "review_queue.html", context)


def _line_page(request: Request, line_id: int, status_code: int = 200, **extra: Any) -> Response:
    db = database(request)
    item, decisions = review_item(db, line_id)
    threshold = db.settings.four_eyes_above_fen
    lines: list[str] = []
    explanation_error = None
    try:
        lines = explain_stored(db, shipped(item.program_code), item.setl_id).lines(language(request))
    except AnxinError as error:
        explanation_error = error
    first = next((d for d in reversed(decisions) if d.status_after == "second"), None)
    context = {
        "item": item,
        "decisions": decisions,
        "lines": lines,
        "explanation_error": explanation_error,
        "is_open": item.status in OPEN,
        "needs_two": abs(item.amount_fen) > threshold,
        "four_eyes_above_fen": threshold,
        "first_approval": first if item.status == "second" else None,
        "flaggable": item.status == "approved" and not is_paid(db, line_id),
        "decision_names": DECISION_NAMES,
        "decide_url": f"/review/{line_id}/decide",
        **extra,
    }
    return render(request, "review_line.html", context, status_code=status_code)


@router.get("/review/{line_id}")
def line(
    request: Request,
    line_id: int,
    staff: Annotated[Staff, require(Permission.REVIEW_READ)],
    decided: str = "",
    flagged: str = "",
) -> Response:
    return _line_page(
        request, line_id, decided=decided if decided in STATUS_NAMES else "", flagged=flagged == "1"
    )


@router.post("/review/{line_id}/decide")
def decide_line(
    request: Request,
    line_id: int,
    staff: Annotated[Staff, require(Permission.REVIEW_DECIDE)],
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _decided(request, line_id, decide, _line_page, f"/review/{line_id}", staff, decision, reason)


@router.post("/review/{line_id}/flag")
def flag_line(
    request: Request,
    line_id: int,
    staff: Annotated[Staff, require(Permission.REVIEW_FLAG)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Send an approved, unpaid line back into review (reason ``flagged``); a reason is required."""
    try:
        flag(database(request), line_id, actor=staff.username, reason=reason)
    except AnxinError as error:
        return _line_page(
            request, line_id, status_code=status_of(error), flag_error=error, flag_reason=reason
        )
    return after_change(
        request, f"/review/{line_id}?flagged=1", lambda: _line_page(request, line_id, flagged=True)
    )


def _claim_page(request: Request, line_id: int, status_code: int = 200, **extra: Any) -> Response:
    db = database(request)
    item, decisions, facts = claim_review_item(db, line_id)
    threshold = db.settings.four_eyes_above_fen
    lines: list[str] = []
    explanation_error = None
    try:
        lines = claim_explanation(shipped(item.program_code), item, facts, language(request))
    except (AnxinError, KeyError, ValueError) as error:  # a stored explanation that no longer reads
        explanation_error = error if isinstance(error, AnxinError) else None
    first = next((d for d in reversed(decisions) if d.status_after == "second"), None)
    context = {
        "item": item,
        "claim": facts,
        "claim_type_label": type_label(facts.claim_type),
        "outcome": OUTCOME_NAMES.get(item.outcome, (item.outcome, item.outcome)),
        "decisions": decisions,
        "lines": lines,
        "explanation_error": explanation_error,
        "is_open": item.status in OPEN,
        "needs_two": abs(item.amount_fen) > threshold,
        "four_eyes_above_fen": threshold,
        "first_approval": first if item.status == "second" else None,
        "decision_names": DECISION_NAMES,
        "decide_url": f"/review/claims/{line_id}/decide",
        **extra,
    }
    return render(request, "review_claim.html", context, status_code=status_code)


@router.get("/review/claims/{line_id}")
def claim_line(
    request: Request,
    line_id: int,
    staff: Annotated[Staff, require(Permission.REVIEW_READ)],
    decided: str = "",
) -> Response:
    return _claim_page(request, line_id, decided=decided if decided in STATUS_NAMES else "")


@router.post("/review/claims/{line_id}/decide")
def decide_claim_line(
    request: Request,
    line_id: int,
    staff: Annotated[Staff, require(Permission.REVIEW_DECIDE)],
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _decided(
        request, line_id, decide_claim, _claim_page, f"/review/claims/{line_id}", staff, decision, reason
    )


def _decided(
    request: Request,
    line_id: int,
    decide_line: Callable[..., Outcome],
    page: Callable[..., Response],
    url: str,
    staff: Staff,
    decision: str,
    reason: str,
) -> Response:
    """A decision on a settlement or claim line, with the configured four-eyes amount: the line's
    page again with the error, or (after the change) the page saying what was decided."""
    db = database(request)
    try:
        outcome = decide_line(
            db,
            line_id,
            decision,
            actor=staff.username,
            reason=reason,
            four_eyes_above_fen=db.settings.four_eyes_above_fen,
        )
    except AnxinError as error:
        return page(request, line_id, status_code=status_of(error), error=error, reason=reason)
    return after_change(
        request, f"{url}?decided={outcome.status}", lambda: page(request, line_id, decided=outcome.status)
    )
