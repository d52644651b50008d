"""The rules every review decision follows, whichever kind of result line it is about.

Two kinds of line are reviewed: settlement lines (``adjudications``, 大病保险) and the claim lines of
group covers (``claim_results``, 团体意外与健康 / 特定疾病). Both share the statuses, the decisions, the
reasons' rules and four eyes: a line whose amount is above ``four_eyes_above_fen`` needs two approvals
by two different people, neither of whom started the run that produced it. A decision is appended to
the kind's decision table and audited; the line's ``status`` moves only by a conditional update, so
two people deciding at once cannot both succeed. :mod:`anxin.services.review` and
:mod:`anxin.services.claim_review` hold what differs: how a line is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from anxin.domain.errors import AnxinError, Conflict
from anxin.store.audit import record
from anxin.store.database import Database

#: Statuses of a line that is waiting for a person.
OPEN = ("review", "second", "returned")
DECISIONS = ("approve", "reject", "send_back")
#: The two kinds of line in the queue (``ReviewItem.source``).
SOURCES = ("settlement", "claim")
STATUS_NAMES = {
    "approved": ("已通过", "approved"),
    "review": ("待审核", "in review"),
    "second": ("待复核（双人）", "awaiting second approval"),
    "returned": ("已退回", "sent back"),
    "rejected": ("已拒绝", "rejected"),
}
SOURCE_NAMES = {"settlement": ("大病结算", "settlement"), "claim": ("团体理赔", "group claim")}
DECISION_NAMES = {
    "approve": ("通过", "approve"),
    "reject": ("拒绝", "reject"),
    "send_back": ("退回", "send back"),
    "flag": ("标记复核", "flag for review"),
}
MAX_REASON = 400


@dataclass(frozen=True)
class ReviewItem:
    """One line in the queue. A settlement line names its ``setl_id`` and the bureau's figure; a
    claim line (``source == "claim"``) its ``claim_no``, ``claim_type`` and the rule's outcome
    (``outcome``, a reason code of :class:`anxin.domain.group_cover.Reason`); ``program_year`` is
    then the policy year."""

    line_id: int
    setl_id: str
    person_id: int
    id_masked: str
    program_code: str
    program_year: int
    kind: str
    amount_fen: int
    due_fen: int
    hifmi_fen: int | None
    review_reason: str
    status: str
    run_actor: str
    created_at: dt.datetime
    source: str = "settlement"
    claim_no: str = ""
    claim_type: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class Decision:
    decision: str
    status_after: str
    actor: str
    reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Outcome:
    line_id: int
    status: str
    needs_second: bool


def constant(value: str) -> sa.ColumnElement[str]:
    """A fixed text column of a query (rendered inline, so a UNION types it on either engine)."""
    assert value.replace("_", "").isalnum() or not value
    return sa.literal_column(f"'{value}'", sa.String)


def check_length(reason: str) -> None:
    if len(reason) > MAX_REASON:
        raise AnxinError(
            "原因不超过 400 个字符", "a reason has at most 400 characters", code="reason_too_long"
        )


def checked_reason(decision: str, reason: str) -> str:
    """``reason`` stripped, once ``decision`` is known and the reason fits it."""
    if decision not in DECISIONS:
        raise AnxinError(
            f"审核决定须为 approve、reject 或 send_back：{decision!r}",
            f"a decision is approve, reject or send_back: {decision!r}",
            code="invalid_decision",
        )
    reason = reason.strip()
    if decision != "approve" and not reason:
        raise AnxinError(
            "拒绝或退回须写明原因", "a rejection or a send-back needs a reason", code="reason_required"
        )
    check_length(reason)
    return reason


def require_open(item: ReviewItem) -> None:
    if item.status not in OPEN:
        names = STATUS_NAMES.get(item.status, (item.status, item.status))
        raise Conflict(
            f"该结果行已处理（{names[0]}），不能再审核", f"the line was already decided ({names[1]})"
        )


def first_approver(decisions: list[Decision]) -> str | None:
    return next((d.actor for d in reversed(decisions) if d.status_after == "second"), None)


def next_status(
    item: ReviewItem, decisions: list[Decision], decision: str, actor: str, threshold: int
) -> tuple[str, bool]:
    """The status after ``decision`` by ``actor``, and whether a second approval is still needed."""
    if decision == "reject":
        return "rejected", False
    if decision == "send_back":
        return "returned", False
    if abs(item.amount_fen) <= threshold:
        return "approved", False
    if actor == item.run_actor:
        raise AnxinError(
            "四眼原则：发起理算的人不能审批本笔超额赔付",
            "four eyes: the person who prepared this payout cannot approve it",
            code="four_eyes",
        )
    if item.status != "second":
        return "second", True
    if actor == first_approver(decisions):
        raise AnxinError(
            "四眼原则：超额赔付须由另一人复核通过",
            "four eyes: a second, different person must approve a payout above the threshold",
            code="four_eyes",
        )
    return "approved", False


def lost_race() -> Conflict:
    return Conflict("该结果行刚被他人处理，请刷新", "someone else has just decided this line; reload it")


def apply_decision(
    db: Database,
    *,
    line: Any,
    item: ReviewItem,
    status: str,
    decision_row: Any,
    entity: str,
    decision: str,
    actor: str,
    reason: str,
    guard: sa.ColumnElement[bool] | None = None,
) -> None:
    """Move ``line`` (a mapped class with ``id`` and ``status``) from the status read in ``item`` to
    ``status``, append ``decision_row`` and audit it, all in one transaction; refuse with a conflict
    when another decision (or ``guard``, e.g. "not paid") got there first."""
    where = [line.id == item.line_id, line.status == item.status]
    if guard is not None:
        where.append(guard)
    with db.session() as session, session.begin():
        changed = session.execute(
            sa.update(line).where(*where).values(status=status).execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise lost_race()
        session.add(decision_row)
        record(
            session,
            actor=actor,
            action=f"review_{decision}",
            entity=entity,
            entity_id=item.line_id,
            before={"status": item.status},
            after={"status": status, "reason": reason},
        )
