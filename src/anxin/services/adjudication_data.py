"""Fetching what an adjudication run needs from the database, as Polars frames.

"Fetch first, then compute": the run loads the settlements of the persons it touches and their
stored result lines and accumulators in bulk, hands plain frames to the kernel, and writes back.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.store.bulk import fetch_frame, select_by_keys
from anxin.store.schema import Accumulator, Adjudication, AdjudicationRun, Enrollment, Settlement

SETTLEMENT_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.Int64(),
    "person_key": pl.Int64(),
    "settlement_id": pl.String(),
    "settled_at": pl.Datetime("us"),
    "admitted_on": pl.Date(),
    "discharged_on": pl.Date(),
    "base_fen": pl.Int64(),
    "hifmi_fen": pl.Int64(),
    "vulnerable_group": pl.String(),
    "reverses": pl.String(),
}


def covered_upto(connection: Connection, program_code: str) -> int:
    """Every settlement up to this id was adjudicated by a completed run of the program."""
    upto = connection.execute(
        sa.select(sa.func.max(AdjudicationRun.settlements_upto)).where(
            AdjudicationRun.program_code == program_code,
            AdjudicationRun.status == "completed",
            AdjudicationRun.year.is_(None),
        )
    ).scalar()
    return int(upto or 0)


def latest_settlement_id(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.max(Settlement.id))).scalar() or 0)


def pending_person_ids(connection: Connection, program_code: str) -> list[int]:
    """Persons with at least one settlement not yet adjudicated under the program: only settlements
    stored after the last completed run began need looking at."""
    done = sa.select(Adjudication.id).where(
        Adjudication.settlement_id == Settlement.id, Adjudication.program_code == program_code
    )
    statement = (
        sa.select(Settlement.person_id)
        .where(Settlement.id > covered_upto(connection, program_code), ~sa.exists(done))
        .distinct()
        .order_by(Settlement.person_id)
    )
    return list(connection.execute(statement).scalars())


def all_person_ids(connection: Connection) -> list[int]:
    return list(
        connection.execute(
            sa.select(Settlement.person_id).distinct().order_by(Settlement.person_id)
        ).scalars()
    )


def _settlements(condition: sa.ColumnElement[bool], pending_for: str | None) -> sa.Select:
    """Settlements matching ``condition`` (only those not yet adjudicated under ``pending_for``).

    A reversal takes its original's dates and the opposite of the original's base, so it cancels
    the original exactly."""
    original = sa.orm.aliased(Settlement)
    statement = (
        sa.select(
            Settlement.id,
            Settlement.person_id,
            Settlement.setl_id,
            Settlement.setl_time,
            sa.func.coalesce(original.begndate, Settlement.begndate),
            sa.func.coalesce(original.enddate, Settlement.enddate),
            sa.case((original.id.is_not(None), -original.base_fen), else_=Settlement.base_fen),
            Settlement.hifmi_fen,
            Settlement.psn_idet_type,
            Settlement.reverses_setl_id,
        )
        .outerjoin(original, original.setl_id == Settlement.reverses_setl_id)
        .where(condition)
    )
    if pending_for is not None:
        done = sa.select(Adjudication.id).where(
            Adjudication.settlement_id == Settlement.id, Adjudication.program_code == pending_for
        )
        statement = statement.where(~sa.exists(done))
    return statement


def settlements_of(connection: Connection, person_ids: list[int]) -> pl.DataFrame:
    """Every settlement of these persons."""
    return select_by_keys(
        connection, _settlements(sa.true(), None), Settlement.person_id, person_ids, SETTLEMENT_SCHEMA
    )


def pending_settlements(
    connection: Connection, program_code: str, person_ids: list[int], *, every_pending: bool = False
) -> pl.DataFrame:
    """These persons' settlements not yet adjudicated under the program, all above the last completed
    run's watermark. When they are every pending person (a day's run in one chunk), read by one range
    of settlement ids; otherwise by the persons' keys, so a run in many chunks reads each once."""
    statement = _settlements(Settlement.id > covered_upto(connection, program_code), program_code)
    if every_pending:
        return fetch_frame(connection, statement, SETTLEMENT_SCHEMA)
    return select_by_keys(connection, statement, Settlement.person_id, person_ids, SETTLEMENT_SCHEMA)


def recorded_due(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    """What each settlement of these persons is due so far: the sum of its result lines.

    The lines are read by the (program, person) index and summed here: a ``GROUP BY settlement_id``
    in SQL lets SQLite's planner prefer the index ordered by settlement, which scans every line of
    the program."""
    statement = sa.select(Adjudication.settlement_id, Adjudication.amount_fen).where(
        Adjudication.program_code == program_code
    )
    lines = select_by_keys(
        connection,
        statement,
        Adjudication.person_id,
        person_ids,
        {"row_id": pl.Int64(), "amount_fen": pl.Int64()},
    )
    return lines.group_by("row_id").agg(
        recorded_fen=pl.col("amount_fen").sum(), lines=pl.len().cast(pl.Int64)
    )


def enrolled(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    statement = sa.select(Enrollment.person_id, Enrollment.year).where(
        Enrollment.program_code == program_code
    )
    schema = {"person_key": pl.Int64(), "program_year": pl.Int32()}
    return select_by_keys(connection, statement, Enrollment.person_id, person_ids, schema)


ACCUMULATOR_SCHEMA: dict[str, pl.DataType] = {
    "person_key": pl.Int64(),
    "program_year": pl.Int32(),
    "ytd_fen": pl.Int64(),
    "due_fen": pl.Int64(),
    "settlements": pl.Int64(),
    "last_setl_time": pl.Datetime("us"),
    "last_setl_id": pl.String(),
}


def accumulators_of(connection: Connection, program_code: str, person_ids: list[int]) -> pl.DataFrame:
    """The stored year-to-date of these persons' program years, and the last settlement in it."""
    statement = sa.select(
        Accumulator.person_id,
        Accumulator.program_year,
        Accumulator.ytd_fen,
        Accumulator.due_fen,
        Accumulator.settlements,
        Accumulator.last_setl_time,
        Accumulator.last_setl_id,
    ).where(Accumulator.program_code == program_code)
    return select_by_keys(connection, statement, Accumulator.person_id, person_ids, ACCUMULATOR_SCHEMA)
