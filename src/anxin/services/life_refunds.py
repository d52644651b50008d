"""Paying out what servicing owes customers (应付退保款): surrender values, cooling-off refunds, survival
and maturity benefits, the cash value refunded when a policy ends — everything credited to
``refunds_payable`` in the policy ledger (``policy_events``).

:func:`refunds_owed` reads each policy's balance of ``refunds_payable`` (credits less debits) up to a
day, with the day the oldest unpaid amount fell due and whether it is past the 30 days the law allows
(Insurance Law art. 47; a surrender's ``due_by``). :func:`pay_refunds` pays every such balance in one
recorded run (program ``life_refunds``): per policy one ``refund_paid`` event, ``refunds_payable`` →
``cash``. The policies are locked and their balances read again under the lock, so two payouts at
once never pay a balance twice, and a payout run again pays nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.life.events import Account, EventKind
from anxin.services.policy_book import insert_postings
from anxin.services.run_records import finish_run, start_run
from anxin.services.servicing_decisions import PAY_WITHIN_DAYS
from anxin.store.database import Database
from anxin.store.schema import LifePolicy, PolicyEvent
from anxin.store.schema.base import utc_now

PROGRAM, MODE = "life_refunds", "refunds"
PAYABLE = Account.REFUNDS_PAYABLE.value


@dataclass(frozen=True)
class RefundOwed:
    policy_no: str
    amount_fen: int
    #: The day the oldest amount not yet paid was credited, and the day it is due by.
    since: dt.date
    due_by: dt.date

    def overdue(self, day: dt.date) -> bool:
        return day > self.due_by


@dataclass(frozen=True)
class RefundRun:
    run_id: int
    day: dt.date
    policies: int
    amount_fen: int
    #: Of those paid, the ones paid later than the 30 days.
    paid_late: int


def _owed(connection: Connection, day: dt.date, policy_ids: list[int] | None = None) -> pl.DataFrame:
    """``_id``, ``policy_id`` (number), ``owed`` fen, ``since`` per policy owing something on ``day``."""
    e = PolicyEvent
    where = sa.and_(e.day <= day, sa.or_(e.credit == PAYABLE, e.debit == PAYABLE))
    if policy_ids is not None:
        where = sa.and_(where, e.policy_id.in_(policy_ids))
    rows = connection.execute(
        sa.select(e.id, e.policy_id, LifePolicy.policy_no, e.day, e.credit == PAYABLE, e.amount_fen)
        .join(LifePolicy, LifePolicy.id == e.policy_id).where(where).order_by(e.id)
    ).all()  # fmt: skip
    frame = pl.DataFrame(
        rows,
        schema={"id": pl.Int64, "_id": pl.Int64, "policy_id": pl.String, "day": pl.Date, "credit": pl.Boolean,
                "amount": pl.Int64},
        orient="row",
    )  # fmt: skip
    # what was credited after the last payment is what is still owed (a payment pays the whole balance)
    last_paid = frame.filter(~pl.col("credit")).group_by("_id").agg(paid_upto=pl.col("id").max())
    return (
        frame.join(last_paid, on="_id", how="left")
        .group_by("_id", "policy_id")
        .agg(
            owed=pl.when(pl.col("credit")).then(pl.col("amount")).otherwise(-pl.col("amount")).sum(),
            since=pl.col("day")
            .filter(pl.col("credit") & (pl.col("id") > pl.col("paid_upto").fill_null(0)))
            .min(),
        )
        .filter(pl.col("owed") > 0)
        .sort("_id")
    )


def refunds_owed(db: Database, day: dt.date) -> list[RefundOwed]:
    """What is owed to customers on ``day``, oldest first."""
    with db.engine.connect() as connection:
        owed = _owed(connection, day)
    due = dt.timedelta(days=PAY_WITHIN_DAYS)
    return sorted(
        (
            RefundOwed(r["policy_id"], r["owed"], r["since"], r["since"] + due)
            for r in owed.iter_rows(named=True)
        ),
        key=lambda r: (r.since, r.policy_no),
    )


def pay_refunds(db: Database, day: dt.date, *, actor: str = "system") -> RefundRun:
    """Pay every balance owed on ``day`` (credited on or before it), in one transaction."""
    run_id = start_run(db, PROGRAM, day.year, MODE, actor)
    with db.engine.begin() as connection:
        candidates = _owed(connection, day)["_id"].to_list()
        connection.execute(
            sa.select(LifePolicy.id)
            .where(LifePolicy.id.in_(candidates))
            .order_by(LifePolicy.id)
            .with_for_update()
        )
        owed = _owed(connection, day, candidates)  # again, under the locks
        late = owed.filter(pl.col("since") + pl.duration(days=PAY_WITHIN_DAYS) < pl.lit(day)).height
        postings = owed.select(
            "_id", "policy_id", day=pl.lit(day, pl.Date), event=pl.lit(EventKind.REFUND_PAID.value),
            status_from=pl.lit(None, pl.String), status_to=pl.lit(None, pl.String), debit=pl.lit(PAYABLE),
            credit=pl.lit(Account.CASH.value), amount="owed",
        )  # fmt: skip
        insert_postings(connection, postings, run_id, utc_now())
    amount = int(owed["owed"].sum() or 0)
    totals = {"payout": owed.height, "lines": owed.height, "amount": amount, "adjustment": 0, "review": 0,
              "rejected": 0}  # fmt: skip
    finish_run(db, run_id, PROGRAM, MODE, owed.height, totals, actor, recomputed=0)
    return RefundRun(run_id, day, owed.height, amount, late)
