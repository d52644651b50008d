"""Servicing requests (保全申请) on the database: each request applied to a stored policy in one
transaction.

A request that moves money is decided by the pure rules of :mod:`anxin.domain.life.servicing` on the
policy and its loan account (read and locked by :mod:`anxin.services.policy_records`), with the
product and the relief campaigns in force for the policy's region on the request's day; in the same
transaction it writes the policy's new state, its loan account, one ``policy_events`` row per posting,
the status change, the ``servicing_requests`` row (``BQ20261130-000123``; money owed to the customer
due within 30 days), an audit entry, and for a cancellation or surrender closes the policy's open
callback. The requests that move no money (contact details, beneficiaries, policyholder) are in
:mod:`anxin.services.servicing_changes`.

A refused request (the rules or the checks say no) writes nothing but its own ``servicing_requests``
row, status ``refused`` with the reason's code and text, and an audit entry; the error is then raised
to the caller. Reinstatement restarts the suicide-exclusion period (Insurance Law art. 44) on its day
(``suicide_clock_from``); inside a relief campaign granting interest-free reinstatement the interest
waived and the campaigns are kept in the details (``waived_interest_fen``, ``campaigns``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.errors import AnxinError
from anxin.domain.life.products import LifeProduct
from anxin.domain.life.relief import ReliefCampaign
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.services import servicing_changes
from anxin.services.callbacks import close_callback_task
from anxin.services.policy_records import (
    load_policy,
    not_found,
    write_events,
    write_loan,
    write_state,
)
from anxin.services.servicing_decisions import Decision, PolicyQuotes, Quote, decide, quote_policy
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.life_files import campaigns_or_shipped, products_or_shipped
from anxin.store.schema import LifePolicy, ServicingRequest
from anxin.store.schema.base import utc_now

#: Requests that end the policy: its open callback is closed.
__all__ = ["PolicyQuotes", "Quote", "RequestResult", "policy_requests", "quote_policy", "submit_request"]
ENDING = frozenset({RequestKind.COOLING_OFF_CANCELLATION, RequestKind.SURRENDER})
_CHANGES = {
    RequestKind.CONTACT_CHANGE: servicing_changes.change_contact,
    RequestKind.BENEFICIARY_CHANGE: servicing_changes.change_beneficiaries,
    RequestKind.POLICYHOLDER_CHANGE: servicing_changes.change_policyholder,
}


@dataclass(frozen=True)
class RequestResult:
    request_no: str
    policy_no: str
    kind: RequestKind
    channel: Channel
    status: RequestStatus
    day: dt.date
    amount_fen: int
    due_by: dt.date | None
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]


def submit_request(
    db: Database,
    policy_no: str,
    kind: RequestKind,
    *,
    channel: Channel,
    day: dt.date,
    actor: str,
    details: Mapping[str, Any] | None = None,
    products: Iterable[LifeProduct] | None = None,
    campaigns: Iterable[ReliefCampaign] | None = None,
) -> RequestResult:
    """Apply one request to a stored policy (the shipped products and campaigns unless given).

    Raises the rule's error (``Conflict``, ``InvalidInput``, ``NotFound``) after recording the request
    as refused; an unknown policy number is raised without a record."""
    kind, channel = RequestKind(kind), Channel(channel)
    given = dict(details or {})
    catalogue = {p.code: p for p in products_or_shipped(products)}
    reliefs = campaigns_or_shipped(campaigns)
    try:
        with db.session() as session, session.begin():
            return _apply(session, policy_no, kind, channel, day, actor, given, catalogue, reliefs)
    except AnxinError as error:
        _refuse(db, policy_no, kind, channel, day, actor, given, error)
        raise


def _apply(
    session: Session,
    policy_no: str,
    kind: RequestKind,
    channel: Channel,
    day: dt.date,
    actor: str,
    given: dict[str, Any],
    catalogue: dict[str, LifeProduct],
    reliefs: list[ReliefCampaign],
) -> RequestResult:
    connection = session.connection()
    stored = load_policy(connection, policy_no)
    now = utc_now()
    if kind in _CHANGES:
        change = _CHANGES[kind](connection, stored, given)
        request = _request_row(session, stored.id, kind, channel, day, actor, given | change.details)
        _finish(request, RequestStatus.DONE, 0, None, change.lines_zh, change.lines_en)
        before, after = change.before, change.after
    else:
        decision: Decision = decide(connection, stored, kind, day, given, catalogue, reliefs)
        outcome = decision.outcome
        request = _request_row(session, stored.id, kind, channel, day, actor, given | decision.details)
        _finish(
            request, RequestStatus.DONE, outcome.amount, decision.due_by, decision.lines_zh, decision.lines_en
        )
        statuses = (stored.state.status, outcome.state.status)
        write_state(connection, stored.id, outcome.state, now)
        write_loan(connection, stored.id, stored.loan, decision.loan, now)
        write_events(connection, stored.id, request.id, day, outcome.event, outcome.postings, statuses, now)
        if kind in ENDING:
            close_callback_task(connection, stored.id, outcome.event.value, now)
        before = _money_state(stored.state.status.value, stored.state.premiums_paid, stored.loan)
        after = _money_state(outcome.state.status.value, outcome.state.premiums_paid, decision.loan)
    session.flush()
    record(
        session, actor=actor, action=f"servicing.{kind.value}", entity="life_policy", entity_id=policy_no,
        before=before, after=after | {"request_no": request.request_no, "amount_fen": request.amount_fen},
    )  # fmt: skip
    return _result(request, policy_no)


def _money_state(status: str, premiums_paid: int, loan: Any) -> dict[str, Any]:
    return {
        "status": status,
        "premiums_paid": premiums_paid,
        "loan_principal_fen": loan.principal if loan else 0,
    }


def _request_row(
    session: Session,
    policy_id: int,
    kind: RequestKind,
    channel: Channel,
    day: dt.date,
    actor: str,
    details: dict[str, Any],
) -> ServicingRequest:
    """The request's row, numbered ``BQ`` + day + its id (unique without a counter to contend for)."""
    request = ServicingRequest(
        request_no=uuid.uuid4().hex, policy_id=policy_id, kind=kind.value, channel=channel.value,
        status=RequestStatus.DONE.value, day=day, details=json.dumps(details, ensure_ascii=False, sort_keys=True,
        default=str), entered_by=actor[:64],
    )  # fmt: skip
    session.add(request)
    session.flush()
    request.request_no = f"BQ{day:%Y%m%d}-{request.id:06d}"
    return request


def _finish(
    request: ServicingRequest,
    status: RequestStatus,
    amount: int,
    due_by: dt.date | None,
    zh: Iterable[str],
    en: Iterable[str],
    code: str = "",
) -> None:
    request.status = status.value
    request.amount_fen = amount
    request.due_by = due_by
    request.explanation_zh = "\n".join(zh)
    request.explanation_en = "\n".join(en)
    request.refusal_code = code[:40]


def _refuse(
    db: Database,
    policy_no: str,
    kind: RequestKind,
    channel: Channel,
    day: dt.date,
    actor: str,
    given: dict[str, Any],
    error: AnxinError,
) -> None:
    """Record a refused request in its own transaction (not when the policy itself is unknown)."""
    with db.session() as session, session.begin():
        policy_id = session.execute(
            sa.select(LifePolicy.id).where(LifePolicy.policy_no == policy_no)
        ).scalar()
        if policy_id is None:
            return
        request = _request_row(session, policy_id, kind, channel, day, actor, given)
        _finish(request, RequestStatus.REFUSED, 0, None, (error.zh,), (error.en,), error.code)
        session.flush()
        record(
            session, actor=actor, action=f"servicing.{kind.value}", entity="life_policy", entity_id=policy_no,
            after={"request_no": request.request_no, "status": RequestStatus.REFUSED.value, "refusal_code": error.code},
        )  # fmt: skip


def _result(request: ServicingRequest, policy_no: str) -> RequestResult:
    return RequestResult(
        request_no=request.request_no,
        policy_no=policy_no,
        kind=RequestKind(request.kind),
        channel=Channel(request.channel),
        status=RequestStatus(request.status),
        day=request.day,
        amount_fen=request.amount_fen,
        due_by=request.due_by,
        lines_zh=tuple(request.explanation_zh.split("\n")) if request.explanation_zh else (),
        lines_en=tuple(request.explanation_en.split("\n")) if request.explanation_en else (),
    )


def policy_requests(db: Database, policy_no: str) -> list[RequestResult]:
    """The policy's requests, done and refused, newest first."""
    with db.session() as session:
        policy_id = session.execute(
            sa.select(LifePolicy.id).where(LifePolicy.policy_no == policy_no)
        ).scalar()
        if policy_id is None:
            raise not_found(policy_no)
        rows = session.execute(
            sa.select(ServicingRequest).where(ServicingRequest.policy_id == policy_id).order_by(ServicingRequest.id.desc())
        ).scalars().all()  # fmt: skip
        return [_result(r, policy_no) for r in rows]
