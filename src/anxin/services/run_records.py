"""An adjudication run's record: started (an earlier run left running is marked interrupted),
completed with its totals, each step in the audit trail. Shared by settlement runs and claims runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
