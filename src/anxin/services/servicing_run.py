"""The daily servicing run (保全日批) on the database: the stored book of life policies run through the
vectorized engine (:func:`anxin.engine.servicing.run_day`) one day at a time.

For a day, the policies still serviced (in force, in grace, in APL cover, suspended) that the run has
not seen that day are read in chunks of policy ids with their loan accounts; each chunk is run and,
in one transaction, what changed is written: the policies' state columns (only rows that differ), the
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
from anxin.engine.servicing_terms import LOAN_SCHEMA, POLICY_SCHEMA
from anxin.services.callbacks import close_ended_callback_tasks, open_callback_tasks
from anxin.services.run_records import finish_run, start_run
from anxin.store.bulk import bulk_insert
from anxin.store.database import Database
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.store.locks import refresh_statistics
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyLoan, PolicyStatusChange
from anxin.store.schema.base import utc_now

Progress = Callable[[int, int], None]
#: How servicing runs are recorded in ``adjudication_runs``.
PROGRAM, MODE = "life_servicing", "servicing"
ACTIVE = [s.value for s in PolicyStatus if s.active]
#: Policies frame column → ``life_policies`` column.
POLICY_COLUMNS = {
    "policy_id": "policy_no", "product": "product_code", "region": "region_code",
    "sum_insured": "sum_insured_fen", "premium": "premium_fen", "issue_date": "issue_date",
    "received_on": "received_on", "apl": "apl", "status": "status", "status_since": "status_since",
    "premiums_paid": "premiums_paid", "premium_credit": "premium_credit_fen", "due_on": "due_on",
    "cover_to": "cover_to", "suspended_on": "suspended_on", "last_run_day": "last_run_day",
}  # fmt: skip
#: The columns a day can change.
STATE = ("status", "status_since", "premiums_paid", "premium_credit", "due_on", "cover_to", "suspended_on",
         "last_run_day")  # fmt: skip
LOAN_COLUMNS = {"principal": "principal_fen", "start": "start", "maturity": "maturity", "rate_bp": "rate_bp",
                "interest": "interest_fen"}  # fmt: skip


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


def read_book(connection: Connection, where: sa.ColumnElement[bool]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(policies, loans) frames in the engine's schemas, plus ``_id`` (the stored id) on policies."""
    columns = [
        LifePolicy.id.label("_id"),
        *(getattr(LifePolicy, c).label(f) for f, c in POLICY_COLUMNS.items()),
    ]
    rows = connection.execute(sa.select(*columns).where(where).order_by(LifePolicy.id)).all()
    policies = pl.DataFrame(rows, schema={"_id": pl.Int64, **POLICY_SCHEMA}, orient="row")
    loan_rows = connection.execute(
        sa.select(LifePolicy.policy_no, *(getattr(PolicyLoan, c).label(f) for f, c in LOAN_COLUMNS.items()))
        .join(LifePolicy, LifePolicy.id == PolicyLoan.policy_id).where(where).order_by(LifePolicy.id)
    ).all()  # fmt: skip
    loans = pl.DataFrame(loan_rows, schema=LOAN_SCHEMA, orient="row")
    return policies, loans


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
    changed = after.join(before.drop("_id"), on=list(POLICY_SCHEMA), how="anti", nulls_equal=True).join(
        ids, on="policy_id"
    )
    now = utc_now()
    if changed.height:
        table = LifePolicy.__table__
        statement = (
            sa.update(table).where(table.c.id == sa.bindparam("b_id"))  # type: ignore[attr-defined]
            .values(**{POLICY_COLUMNS[n]: sa.bindparam(f"b_{n}") for n in STATE}, updated_at=now)
        )  # fmt: skip
        values = changed.select(b_id="_id", **{f"b_{n}": n for n in STATE}).to_dicts()
        connection.execute(statement, values)
    _write_loans(connection, loans, new_loans, ids, now)
    postings = events.join(ids, on="policy_id")
    if postings.height:
        bulk_insert(connection, PolicyEvent.__table__, postings.select(  # type: ignore[arg-type]
            run_id=pl.lit(run_id, pl.Int64), policy_id="_id", day="day", event="event", status_from="status_from",
            status_to="status_to", debit="debit", credit="credit", amount_fen="amount", created_at=pl.lit(now),
        ))  # fmt: skip
    moves = (
        postings.filter(pl.col("status_to").is_not_null() & pl.col("status_to").ne_missing(pl.col("status_from")))
        .unique("policy_id", keep="first", maintain_order=True)
        .select(policy_id="_id", day="day", status_from="status_from", status_to="status_to", event="event",
                run_id=pl.lit(run_id, pl.Int64), created_at=pl.lit(now))
    )  # fmt: skip
    bulk_insert(connection, PolicyStatusChange.__table__, moves)  # type: ignore[arg-type]
    return {
        "lines": postings.height,
        "payout": changed.height,
        "adjustment": moves.height,
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
