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

Running a day again writes no policy, loan, event or status row: every policy done carries the day
in ``last_run_day``. A run killed between chunks leaves whole chunks written; run again, it continues
with the policies not yet done and ends in the same state with the same events, since each policy's
day depends only on its own row and loan. Each chunk's policies are locked (``FOR UPDATE`` on
PostgreSQL) before they are read, so two runs of the same day at once never service a policy twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import InvalidInput
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
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.store.locks import refresh_statistics
from anxin.store.schema import LifePolicy, PolicyLoan
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
    catalogue = list(products if products is not None else shipped_products().values())
    reliefs = list(campaigns if campaigns is not None else shipped_campaigns().values())
    run_id = start_run(db, PROGRAM, day.year, MODE, actor)
    with db.engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).where(_pending(day))).scalar_one()
    totals = dict.fromkeys(("lines", "payout", "adjustment", "review", "rejected", "amount"), 0)
    done, after = 0, 0
    while True:
        with db.engine.begin() as connection:
            ids = connection.execute(
                sa.select(LifePolicy.id).where(_pending(day), LifePolicy.id > after)
                .order_by(LifePolicy.id).limit(chunk_policies).with_for_update()
            ).scalars().all()  # fmt: skip
            if not ids:
                break
            written = _chunk(connection, catalogue, reliefs, day, (ids[0], ids[-1]), run_id)
        after = ids[-1]
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
    where = sa.and_(_pending(day), LifePolicy.id.between(*bounds))
    before, loans = read_book(connection, where)
    ids = before.select("policy_id", "_id")
    after, new_loans, events = run_day(before.drop("_id"), loans, products, campaigns, day)
    # Only what the day changed is written row by row; the day itself is set for the whole chunk in
    # one statement (every policy read was run).
    changed = changed_policies(after, before.drop("_id"), ids, ignore=("last_run_day",))
    now = utc_now()
    update_policies(connection, changed, STATE, now)
    connection.execute(sa.update(LifePolicy).where(where).values(last_run_day=day, updated_at=now))
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


def _write_loans(
    connection: Connection, before: pl.DataFrame, after: pl.DataFrame, ids: pl.DataFrame, now: dt.datetime
) -> None:
    """Replace the loan accounts that differ after the day; remove those settled."""
    changed = after.join(before, on=list(LOAN_SCHEMA), how="anti", nulls_equal=True)
    gone = before.join(after, on="policy_id", how="anti")
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
