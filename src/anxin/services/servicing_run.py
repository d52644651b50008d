"""The daily servicing run (保全日批) on the database: the stored book of life policies run through the
vectorized engine (:func:`anxin.engine.servicing.run_day`) one day at a time.

For a day, the policies still serviced (in force, in grace, in APL cover, suspended) that the run has
not seen that day are read in chunks of policy ids with their loan accounts; each chunk is run and,
in one transaction, what changed is written: the state columns of the policies the day changed (row
by row), the day itself on every policy of the chunk (``last_run_day``, one statement), the
loan accounts (only those that differ; a settled loan is removed), the events with their ledger
postings (``policy_events``, append-only) and the status changes (``policy_status_changes``,
append-only). A run is recorded like the other runs (:mod:`anxin.services.run_records`). After the
chunks, the day's new-policy callback tasks are opened and those of ended policies closed
(:mod:`anxin.services.callbacks`).

Policies are taken in id order and each chunk moves the day's progress (``servicing_days``: every
policy up to ``through_policy_id`` has been run for the day) in its transaction, so running a day
again writes no policy, loan, event or status row, and a run killed between chunks, run again,
continues with the policies not yet done and ends in the same state with the same events (each
policy's day depends only on its own row and loan). Only the policies a day changes are written;
their ``last_run_day`` says the day. A policy whose ``last_run_day`` is the day or later (a taken-over
book already run by its former system) is not run again. Days run in order: while an earlier day is
unfinished, a later one is refused. The day's progress row is locked (``FOR UPDATE`` on PostgreSQL)
before each chunk, so two runs of the same day at once take turns and never service a policy twice.
A chunk is read and run without locks; the few policies the day changes are then locked, read and run
again, and only those results are written — a servicing request committed meanwhile is never
overwritten, and the rest of the book is neither locked nor written (a row lock writes to the row on
PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import Conflict, InvalidInput
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.domain.life.relief import ReliefCampaign
from anxin.engine.servicing import run_day
from anxin.engine.servicing_terms import LOAN_SCHEMA
from anxin.services.callbacks import close_ended_callback_tasks, open_callback_tasks
from anxin.services.policy_book import (
    LOAN_COLUMNS,
    STATE,
    changed_policies,
    insert_postings,
    insert_status_changes,
    read_book,
    update_policies,
)
from anxin.services.run_records import finish_run, start_run
from anxin.store.bulk import bulk_insert
from anxin.store.database import Database
from anxin.store.life_files import campaigns_or_shipped, products_or_shipped
from anxin.store.locks import refresh_statistics
from anxin.store.schema import LifePolicy, PolicyLoan, ServicingDay
from anxin.store.schema.base import utc_now

Progress = Callable[[int, int], None]
#: How servicing runs are recorded in ``adjudication_runs``.
PROGRAM, MODE = "life_servicing", "servicing"
ACTIVE = [s.value for s in PolicyStatus if s.active]


@dataclass(frozen=True)
class DaySummary:
    run_id: int
    day: dt.date
    #: Policies the day had to run (not yet done that day when the run started).
    policies: int
    #: Policies whose stored state changed.
    changed: int
    status_changes: int
    #: Event rows (postings, or one row for an event moving no money) and their fen.
    events: int
    amount_fen: int


def run_servicing_day(
    db: Database,
    day: dt.date,
    *,
    products: Iterable[LifeProduct] | None = None,
    campaigns: Iterable[ReliefCampaign] | None = None,
    actor: str = "system",
    chunk_policies: int = 20_000,
    progress: Progress | None = None,
) -> DaySummary:
    """Run one day over the stored book (the shipped products and campaigns unless given)."""
    catalogue = products_or_shipped(products)
    reliefs = campaigns_or_shipped(campaigns)
    with db.engine.begin() as connection:
        _check_order(connection, day)
    run_id = start_run(db, PROGRAM, day.year, MODE, actor)
    with db.engine.begin() as connection:
        through = _start_day(connection, day, run_id)
        total = connection.execute(
            sa.select(sa.func.count()).where(_pending(day), LifePolicy.id > through)
        ).scalar_one()  # fmt: skip
    totals = dict.fromkeys(("lines", "payout", "adjustment", "review", "rejected", "amount"), 0)
    done = 0
    while True:
        with db.engine.begin() as connection:
            # The day's row is locked first: two runs of one day take turns, chunk by chunk.
            through = connection.execute(
                sa.select(ServicingDay.through_policy_id).where(ServicingDay.day == day).with_for_update()
            ).scalar_one()
            ids = connection.execute(
                sa.select(LifePolicy.id).where(_pending(day), LifePolicy.id > through)
                .order_by(LifePolicy.id).limit(chunk_policies)
            ).scalars().all()  # fmt: skip
            if not ids:
                _mark(connection, day, through, run_id, finished=True)
                break
            written = _chunk(connection, catalogue, reliefs, day, (ids[0], ids[-1]), run_id)
            _mark(connection, day, ids[-1], run_id, finished=False)
        for key, value in written.items():
            totals[key] += value
        done += len(ids)
        if progress:
            progress(min(done, total), total)
    with db.engine.begin() as connection:
        open_callback_tasks(connection, day, catalogue)
        close_ended_callback_tasks(connection, day)
    with db.engine.begin() as connection:
        refresh_statistics(connection, ("policy_events", "policy_status_changes"), totals["lines"])
    finish_run(db, run_id, PROGRAM, MODE, total, totals, actor, recomputed=total)
    return DaySummary(
        run_id, day, total, totals["payout"], totals["adjustment"], totals["lines"], totals["amount"]
    )


def _check_order(connection: Connection, day: dt.date) -> None:
    """Days run in order: not while an earlier day is unfinished (an interrupted run resumes first)."""
    unfinished = connection.execute(
        sa.select(sa.func.min(ServicingDay.day)).where(ServicingDay.day < day, ServicingDay.finished.is_(False))
    ).scalar_one()  # fmt: skip
    if unfinished is not None:
        raise Conflict(
            f"{unfinished} 的日批尚未完成，请先重新运行该日",
            f"the daily run of {unfinished} is unfinished: run that day again first",
            code="earlier_day_unfinished",
        )


def _start_day(connection: Connection, day: dt.date, run_id: int) -> int:
    """The day's progress (a new day starts at 0); a day before the latest day run has nothing left to
    run but the policies beyond every later day's progress (those the later days never saw)."""
    stored = connection.execute(
        sa.select(ServicingDay.through_policy_id).where(ServicingDay.day == day)
    ).scalar_one_or_none()  # fmt: skip
    if stored is None:
        connection.execute(
            sa.insert(ServicingDay).values(day=day, through_policy_id=0, finished=False, run_id=run_id,
                                           updated_at=utc_now())
        )  # fmt: skip
    later = connection.execute(
        sa.select(sa.func.max(ServicingDay.through_policy_id)).where(ServicingDay.day > day)
    ).scalar_one()  # fmt: skip
    through = max(stored or 0, later or 0)
    if through != (stored or 0):
        _mark(connection, day, through, run_id, finished=False)
    return through


def _mark(connection: Connection, day: dt.date, through: int, run_id: int, *, finished: bool) -> None:
    connection.execute(
        sa.update(ServicingDay).where(ServicingDay.day == day)
        .values(through_policy_id=through, finished=finished, run_id=run_id, updated_at=utc_now())
    )  # fmt: skip


def run_servicing_days(db: Database, first: dt.date, last: dt.date, **options) -> list[DaySummary]:  # type: ignore[no-untyped-def]
    """Run every day from ``first`` to ``last`` (both included), in order, one run per day."""
    if last < first:
        raise InvalidInput(
            f"结束日 {last} 早于开始日 {first}", f"the last day {last} is before the first {first}"
        )
    return [
        run_servicing_day(db, first + dt.timedelta(days=n), **options) for n in range((last - first).days + 1)
    ]


def _pending(day: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        LifePolicy.status.in_(ACTIVE),
        sa.or_(LifePolicy.last_run_day.is_(None), LifePolicy.last_run_day < day),
    )


def _chunk(
    connection: Connection,
    products: list[LifeProduct],
    campaigns: list[ReliefCampaign],
    day: dt.date,
    bounds: tuple[int, int],
    run_id: int,
) -> dict[str, int]:
    """Run the chunk's policies read without locks, then lock the few the day changes, read them
    again and run them again: what is written comes from locked rows, so a request committed in
    between is never overwritten, and the other policies of the chunk are never locked or written."""
    where = sa.and_(_pending(day), LifePolicy.id.between(*bounds))
    touched = _touched(connection, where, products, campaigns, day)
    if not touched:
        return dict.fromkeys(("lines", "payout", "adjustment", "amount"), 0)
    mine = sa.and_(_pending(day), LifePolicy.id.in_(touched))
    connection.execute(sa.select(LifePolicy.id).where(mine).order_by(LifePolicy.id).with_for_update())
    before, loans = read_book(connection, mine)
    ids = before.select("policy_id", "_id")
    after, new_loans, events = run_day(before.drop("_id"), loans, products, campaigns, day)
    # Only the policies the day changed are written (with the day as their last_run_day); that the
    # others were run is the day's progress (servicing_days), not a write to every policy.
    changed = changed_policies(after, before.drop("_id"), ids, ignore=("last_run_day",))
    now = utc_now()
    update_policies(connection, changed, STATE, now)
    _write_loans(connection, loans, new_loans, ids, now)
    postings = events.join(ids, on="policy_id")
    insert_postings(connection, postings, run_id, now)
    moves = insert_status_changes(connection, postings, run_id, now)
    return {
        "lines": postings.height,
        "payout": changed.height,
        "adjustment": moves,
        "amount": int(postings["amount"].sum() or 0),
    }


def _touched(
    connection: Connection,
    where: sa.ColumnElement[bool],
    products: list[LifeProduct],
    campaigns: list[ReliefCampaign],
    day: dt.date,
) -> list[int]:
    """The stored ids of the policies the day changes: their state, their loan's terms, or an event."""
    before, loans = read_book(connection, where)
    after, new_loans, events = run_day(before.drop("_id"), loans, products, campaigns, day)
    ids = before.select("policy_id", "_id")
    changed, gone = _changed_loans(loans, new_loans)
    keys = pl.concat([
        changed_policies(after, before.drop("_id"), ids, ignore=("last_run_day",)).select("policy_id"),
        changed.select("policy_id"), gone.select("policy_id"), events.select("policy_id"),
    ])  # fmt: skip
    return sorted(set(keys.join(ids, on="policy_id")["_id"].to_list()))


def _write_loans(
    connection: Connection, before: pl.DataFrame, after: pl.DataFrame, ids: pl.DataFrame, now: dt.datetime
) -> None:
    """Replace the loan accounts the day changed (lent, capitalised: principal, term or rate); remove
    those settled. Interest merely accruing is not written: it follows from the principal, the start
    and the rate on any day (``LoanState.interest_on``)."""
    changed, gone = _changed_loans(before, after)
    stale = pl.concat([changed.select("policy_id"), gone.select("policy_id")]).join(ids, on="policy_id")
    if stale.height == 0:
        return
    table = PolicyLoan.__table__
    connection.execute(
        sa.delete(table).where(table.c.policy_id == sa.bindparam("b_id")),  # type: ignore[attr-defined]
        [{"b_id": i} for i in stale["_id"].to_list()],
    )
    frame = changed.join(ids, on="policy_id").select(
        policy_id="_id", **{c: f for f, c in LOAN_COLUMNS.items()}, updated_at=pl.lit(now)
    )
    bulk_insert(connection, table, frame)  # type: ignore[arg-type]


def _changed_loans(before: pl.DataFrame, after: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the loan accounts the day lent, capitalised or re-rated, those it settled): accruing interest
    alone is no change."""
    terms = [name for name in LOAN_SCHEMA if name != "interest"]
    return (
        after.join(before, on=terms, how="anti", nulls_equal=True),
        before.join(after, on="policy_id", how="anti"),
    )
