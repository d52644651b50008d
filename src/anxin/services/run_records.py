"""An adjudication run's record: started (an earlier run left running is marked interrupted),
completed with its totals, each step in the audit trail; persons run in chunks of one transaction
each. Shared by settlement runs, claims runs and care bill runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.schema import AdjudicationRun
from anxin.store.schema.base import utc_now


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    program_code: str
    mode: str
    persons: int
    lines: int
    payout_lines: int
    adjustment_lines: int
    review_lines: int
    rejected_lines: int
    amount_fen: int
    #: Persons whose years were recomputed from all their settlements (the rest continued from
    #: their stored accumulators).
    recomputed_persons: int = 0


def start_run(
    db: Database,
    program_code: str,
    year: int | None,
    mode: str,
    actor: str,
    *,
    watermark: Callable[[Connection], int | None] | None = None,
) -> int:
    """Record a new running run; ``watermark`` (in the same transaction) gives the last settlement
    id the run covers."""
    with db.session() as session, session.begin():
        session.execute(
            sa.update(AdjudicationRun)
            .where(AdjudicationRun.program_code == program_code, AdjudicationRun.status == "running")
            .values(status="interrupted")
        )
        upto = watermark(session.connection()) if watermark is not None else None
        run = AdjudicationRun(
            program_code=program_code,
            year=year,
            mode=mode,
            actor=actor,
            status="running",
            settlements_upto=upto,
        )
        session.add(run)
        session.flush()
        record(
            session,
            actor=actor,
            action="adjudication_started",
            entity="adjudication_run",
            entity_id=run.id,
            after={"program": program_code, "year": year, "mode": mode},
        )
        return run.id


#: What a run counts: result lines written, of each kind and status, and their money.
TOTALS = ("lines", "payout", "adjustment", "review", "rejected", "amount")


def line_counts(lines: pl.DataFrame) -> dict[str, int]:
    """The totals of the result lines a chunk wrote (columns ``kind``, ``status``, ``amount_fen``)."""
    return {
        "lines": lines.height,
        "payout": lines.filter(pl.col("kind") == "payout").height,
        "adjustment": lines.filter(pl.col("kind") == "adjustment").height,
        "review": lines.filter(pl.col("status") == "review").height,
        "rejected": lines.filter(pl.col("status") == "rejected").height,
        "amount": int(lines["amount_fen"].sum() or 0),
    }


def run_in_chunks(
    db: Database,
    persons: list[int],
    chunk_persons: int,
    write: Callable[[Connection, list[int]], dict[str, int]],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """``write(connection, chunk)`` for each chunk of ``persons``, one transaction each (a killed run
    keeps the chunks written), progress after each; the totals of what the chunks returned."""
    totals = dict.fromkeys(TOTALS, 0)
    for start in range(0, len(persons), chunk_persons):
        with db.engine.begin() as connection:
            written = write(connection, persons[start : start + chunk_persons])
        for key, value in written.items():
            totals[key] = totals.get(key, 0) + value
        if progress:
            progress(min(start + chunk_persons, len(persons)), len(persons))
    return totals


def finish_run(
    db: Database,
    run_id: int,
    program_code: str,
    mode: str,
    persons: int,
    totals: dict[str, int],
    actor: str,
    *,
    recomputed: int,
) -> RunSummary:
    with db.session() as session, session.begin():
        run = session.get(AdjudicationRun, run_id)
        assert run is not None
        run.status, run.finished_at = "completed", utc_now()
        run.settlements, run.results, run.amount_fen = totals["payout"], totals["lines"], totals["amount"]
        record(
            session,
            actor=actor,
            action="adjudication_completed",
            entity="adjudication_run",
            entity_id=run_id,
            after={"lines": totals["lines"], "amount_fen": totals["amount"]},
        )
    return RunSummary(
        run_id=run_id,
        program_code=program_code,
        mode=mode,
        persons=persons,
        lines=totals["lines"],
        payout_lines=totals["payout"],
        adjustment_lines=totals["adjustment"],
        review_lines=totals["review"],
        rejected_lines=totals["rejected"],
        amount_fen=totals["amount"],
        recomputed_persons=recomputed,
    )
