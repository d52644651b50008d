"""A stored life policy read and written one at a time, for the servicing requests (保全申请).

:func:`load_policy` reads a policy and its loan account (locked ``FOR UPDATE`` on PostgreSQL, so a
request and the daily run never service a policy at once) as the domain's :class:`PolicyState` and
:class:`LoanState`; the writers apply an outcome within the caller's transaction: the state columns,
the loan account (replaced, or removed when settled), one ``policy_events`` row per posting (one row
without accounts and 0 fen for an event moving no money) and the status change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.errors import NotFound
from anxin.domain.life.events import EventKind, Posting
from anxin.domain.life.policy import LoanState, PolicyState, PolicyStatus
from anxin.services.policy_book import LOAN_COLUMNS, POLICY_COLUMNS, STATE, run_reached
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyLoan, PolicyStatusChange

#: The state columns a request may change (the daily run's day stays the run's).
REQUEST_STATE = tuple(name for name in STATE if name != "last_run_day")


@dataclass(frozen=True)
class StoredPolicy:
    id: int
    state: PolicyState
    loan: LoanState | None
    policyholder_id: int
    insured_id: int


def not_found(policy_no: str) -> NotFound:
    return NotFound(
        f"没有保单号为 {policy_no} 的保单", f"no policy numbered {policy_no}", code="policy_not_found"
    )


def load_policy(connection: sa.Connection, policy_no: str, *, lock: bool = True) -> StoredPolicy:
    """The policy and its loan account; ``NotFound`` when no policy has the number."""
    query = sa.select(
        LifePolicy.id, LifePolicy.policyholder_id, LifePolicy.insured_id,
        *(getattr(LifePolicy, c).label(f) for f, c in POLICY_COLUMNS.items()),
    ).where(LifePolicy.policy_no == policy_no)  # fmt: skip
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise not_found(policy_no)
    values = {f: row[f] for f in POLICY_COLUMNS}
    values["last_run_day"] = run_reached(connection, row["id"], values["last_run_day"])
    state = PolicyState(**(values | {"status": PolicyStatus(values["status"])}))
    loan_query = sa.select(*(getattr(PolicyLoan, c).label(f) for f, c in LOAN_COLUMNS.items())).where(
        PolicyLoan.policy_id == row["id"]
    )
    loan_row = connection.execute(loan_query.with_for_update() if lock else loan_query).mappings().first()
    loan = LoanState(policy_no, **dict(loan_row)) if loan_row else None
    return StoredPolicy(row["id"], state, loan, row["policyholder_id"], row["insured_id"])


def write_state(connection: sa.Connection, policy_id: int, state: PolicyState, now: dt.datetime) -> None:
    values = {POLICY_COLUMNS[n]: getattr(state, n) for n in REQUEST_STATE}
    values["status"] = state.status.value
    connection.execute(
        sa.update(LifePolicy).where(LifePolicy.id == policy_id).values(**values, updated_at=now)
    )


def write_loan(
    connection: sa.Connection,
    policy_id: int,
    before: LoanState | None,
    after: LoanState | None,
    now: dt.datetime,
) -> None:
    """Replace the loan account when it changed; remove it when settled."""
    if before == after:
        return
    connection.execute(sa.delete(PolicyLoan).where(PolicyLoan.policy_id == policy_id))
    if after is not None:
        connection.execute(
            sa.insert(PolicyLoan).values(
                policy_id=policy_id, **{c: getattr(after, f) for f, c in LOAN_COLUMNS.items()}, updated_at=now
            )
        )


def write_events(
    connection: sa.Connection,
    policy_id: int,
    request_id: int,
    day: dt.date,
    event: EventKind,
    postings: tuple[Posting, ...],
    status: tuple[PolicyStatus, PolicyStatus],
    now: dt.datetime,
) -> int:
    """One row per posting (or one row moving nothing), and the status change; returns the rows."""
    before, after = status
    common = {
        "request_id": request_id, "run_id": None, "policy_id": policy_id, "day": day, "event": event.value,
        "status_from": before.value, "status_to": after.value if after is not before else None,
        "created_at": now,
    }  # fmt: skip
    rows = [
        common | {"debit": p.debit.value, "credit": p.credit.value, "amount_fen": p.amount} for p in postings
    ]
    rows = rows or [common | {"debit": None, "credit": None, "amount_fen": 0}]
    connection.execute(sa.insert(PolicyEvent), rows)
    if after is not before:
        connection.execute(
            sa.insert(PolicyStatusChange).values(
                policy_id=policy_id, day=day, status_from=before.value, status_to=after.value,
                event=event.value, request_id=request_id, created_at=now,
            )
        )  # fmt: skip
    return len(rows)
