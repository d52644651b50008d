"""Fetching what an adjudication run needs from the database, as Polars frames.

"Fetch first, then compute": the run loads the settlements of the persons it touches and their
stored result lines and accumulators in bulk, hands plain frames to the kernel, and writes back.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.store.bulk import fetch_frame, select_by_keys
from anxin.store.schema import (
    Accumulator,
    Adjudication,
    AdjudicationRun,
    Enrollment,
    Settlement,
    VulnerableStatus,
)

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
    upto = covered_upto(connection, program_code)
    statement = (
        sa.select(Settlement.person_id)
        .where(Settlement.id > upto, ~sa.exists(_done(program_code, upto)))
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


def _done(program_code: str, above: int) -> sa.Select:
    """The program's result lines of the settlement in hand. ``above`` (the watermark) repeats what
    the outer query already says, so the planner reads only the lines above it (PostgreSQL would
    otherwise hash every line of the program for the anti-join)."""
    return sa.select(Adjudication.id).where(
        Adjudication.program_code == program_code,
        Adjudication.settlement_id == Settlement.id,
        Adjudication.settlement_id > above,
    )


def _settlements(condition: sa.ColumnElement[bool], pending_for: str | None, above: int = 0) -> sa.Select:
    """Settlements matching ``condition`` (only those not yet adjudicated under ``pending_for``, all
    with ids above ``above``), as stored: :func:`_with_originals` completes the reversals."""
    statement = sa.select(
        Settlement.id,
        Settlement.person_id,
        Settlement.setl_id,
        Settlement.setl_time,
        Settlement.begndate,
        Settlement.enddate,
        Settlement.base_fen,
        Settlement.hifmi_fen,
        Settlement.psn_idet_type,
        Settlement.reverses_setl_id,
    ).where(condition)
    if pending_for is not None:
        statement = statement.where(~sa.exists(_done(pending_for, above)))
    return statement


def _with_originals(connection: Connection, frame: pl.DataFrame) -> pl.DataFrame:
    """A reversal takes its original's dates and the opposite of the original's base, so it cancels
    the original exactly. The few originals are looked up by key (a join in SQL would make the
    planner hash every settlement for them)."""
    keys = frame["reverses"].drop_nulls().unique().to_list()
    if not keys:
        return frame.with_columns(status_on=pl.col("settled_at").dt.date())
    schema = {
        "reverses": pl.String(),
        "o_settled": pl.Datetime("us"),
        "o_admitted": pl.Date(),
        "o_discharged": pl.Date(),
        "o_base": pl.Int64(),
    }
    statement = sa.select(
        Settlement.setl_id, Settlement.setl_time, Settlement.begndate, Settlement.enddate, Settlement.base_fen
    )
    originals = select_by_keys(connection, statement, Settlement.setl_id, keys, schema)
    found = pl.col("o_base").is_not_null()
    return (
        frame.join(originals, on="reverses", how="left")
        .with_columns(
            admitted_on=pl.coalesce("o_admitted", "admitted_on"),
            discharged_on=pl.coalesce("o_discharged", "discharged_on"),
            base_fen=pl.when(found).then(-pl.col("o_base")).otherwise(pl.col("base_fen")),
            # the date a registered status is checked on: the original's, so a reversal cancels it
            status_on=pl.coalesce("o_settled", "settled_at").dt.date(),
        )
        .drop("o_settled", "o_admitted", "o_discharged", "o_base")
    )


def settlements_of(connection: Connection, person_ids: list[int]) -> pl.DataFrame:
    """Every settlement of these persons."""
    rows = select_by_keys(
        connection, _settlements(sa.true(), None), Settlement.person_id, person_ids, SETTLEMENT_SCHEMA
    )
    return _with_originals(connection, rows)


def pending_settlements(
    connection: Connection, program_code: str, person_ids: list[int], *, every_pending: bool = False
) -> pl.DataFrame:
    """These persons' settlements not yet adjudicated under the program, all above the last completed
    run's watermark. When they are every pending person (a day's run in one chunk), read by one range
    of settlement ids; otherwise by the persons' keys, so a run in many chunks reads each once."""
    upto = covered_upto(connection, program_code)
    statement = _settlements(Settlement.id > upto, program_code, upto)
    if every_pending:
        rows = fetch_frame(connection, statement, SETTLEMENT_SCHEMA)
    else:
        rows = select_by_keys(connection, statement, Settlement.person_id, person_ids, SETTLEMENT_SCHEMA)
    return _with_originals(connection, rows)


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


def vulnerable_statuses(connection: Connection, person_ids: list[int]) -> pl.DataFrame:
    """The registered vulnerable statuses of these persons, with their validity dates."""
    statement = sa.select(
        VulnerableStatus.person_id,
        VulnerableStatus.group_code,
        VulnerableStatus.valid_from,
        VulnerableStatus.valid_to,
    )
    schema = {
        "person_key": pl.Int64(),
        "group_code": pl.String(),
        "valid_from": pl.Date(),
        "valid_to": pl.Date(),
    }
    return select_by_keys(connection, statement, VulnerableStatus.person_id, person_ids, schema)
