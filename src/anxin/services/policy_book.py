"""The stored book of life policies as the servicing engine's frames, and the bulk writes of what a
chunk of it became: the daily run (:mod:`.servicing_run`) and premium collection
(:mod:`.premium_collection`) read and write the same way.

:func:`read_book` reads policies and their loan accounts as the frames of
:mod:`anxin.engine.servicing_terms` (plus ``_id``, the stored id); :func:`update_policies` writes the
changed state columns of changed policies only; :func:`insert_postings` appends a chunk's events, one
``policy_events`` row per posting, and :func:`insert_status_changes` the status history they made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.engine.servicing_terms import LOAN_SCHEMA, POLICY_SCHEMA
from anxin.store.bulk import bulk_insert
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyLoan, PolicyStatusChange, ServicingDay

#: Policies frame column → ``life_policies`` column.
POLICY_COLUMNS = {
    "policy_id": "policy_no", "product": "product_code", "region": "region_code",
    "sum_insured": "sum_insured_fen", "premium": "premium_fen", "issue_date": "issue_date",
    "received_on": "received_on", "apl": "apl", "status": "status", "status_since": "status_since",
    "premiums_paid": "premiums_paid", "premium_credit": "premium_credit_fen", "due_on": "due_on",
    "cover_to": "cover_to", "suspended_on": "suspended_on", "last_run_day": "last_run_day",
}  # fmt: skip
#: The columns servicing can change.
STATE = ("status", "status_since", "premiums_paid", "premium_credit", "due_on", "cover_to", "suspended_on",
         "last_run_day")  # fmt: skip
LOAN_COLUMNS = {"principal": "principal_fen", "start": "start", "maturity": "maturity", "rate_bp": "rate_bp",
                "interest": "interest_fen"}  # fmt: skip


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


def changed_policies(after: pl.DataFrame, before: pl.DataFrame, ids: pl.DataFrame, *, ignore: Sequence[str] = ()
                     ) -> pl.DataFrame:  # fmt: skip
    """The rows of ``after`` that differ from ``before`` (in any column but ``ignore``), with ``_id``."""
    compared = [name for name in after.columns if name not in ignore]
    return after.join(before, on=compared, how="anti", nulls_equal=True).join(ids, on="policy_id")


def update_policies(
    connection: Connection, changed: pl.DataFrame, columns: Sequence[str], now: dt.datetime
) -> None:
    """Write ``columns`` of the ``changed`` policies (a frame with ``_id``), one row each."""
    if changed.height == 0:
        return
    table = LifePolicy.__table__
    statement = (
        sa.update(table).where(table.c.id == sa.bindparam("b_id"))  # type: ignore[attr-defined]
        .values(**{POLICY_COLUMNS[n]: sa.bindparam(f"b_{n}") for n in columns}, updated_at=now)
    )  # fmt: skip
    connection.execute(statement, changed.select(b_id="_id", **{f"b_{n}": n for n in columns}).to_dicts())


def insert_postings(connection: Connection, postings: pl.DataFrame, run_id: int, now: dt.datetime) -> None:
    """Append a run's events (the engine's events frame with ``_id``), one row per posting."""
    if postings.height == 0:
        return
    bulk_insert(connection, PolicyEvent.__table__, postings.select(  # type: ignore[arg-type]
        run_id=pl.lit(run_id, pl.Int64), policy_id="_id", day="day", event="event", status_from="status_from",
        status_to="status_to", debit="debit", credit="credit", amount_fen="amount", created_at=pl.lit(now),
    ))  # fmt: skip


def insert_status_changes(
    connection: Connection, postings: pl.DataFrame, run_id: int, now: dt.datetime
) -> int:
    """Append the status changes the events made (an event's postings all carry its change: one row
    per policy, event and change); returns how many."""
    moves = (
        postings.filter(pl.col("status_to").is_not_null() & pl.col("status_to").ne_missing(pl.col("status_from")))
        .unique(["_id", "event", "status_from", "status_to"], keep="first", maintain_order=True)
        .select(policy_id="_id", day="day", status_from="status_from", status_to="status_to", event="event",
                run_id=pl.lit(run_id, pl.Int64), created_at=pl.lit(now))
    )  # fmt: skip
    bulk_insert(connection, PolicyStatusChange.__table__, moves)  # type: ignore[arg-type]
    return moves.height


def run_reached(connection: Connection, policy_id: int, last_run_day: dt.date | None) -> dt.date | None:
    """The latest day the daily run has serviced a policy: its own ``last_run_day`` (the last day the
    run changed it) or a later day whose progress covers its id."""
    covered = connection.execute(
        sa.select(sa.func.max(ServicingDay.day)).where(ServicingDay.through_policy_id >= policy_id)
    ).scalar_one()  # fmt: skip
    days = [d for d in (last_run_day, covered) if d is not None]
    return max(days) if days else None
