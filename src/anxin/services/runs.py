"""Adjudication runs as staff see them: the list, one run with its lines counted, and starting one.

Starting a run is :func:`anxin.services.adjudication.adjudicate` on a shipped program, with the
person who asked for it recorded as the run's actor (so four eyes can keep them from approving
what it produced).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.errors import NotFound
from anxin.services.adjudication import adjudicate
from anxin.services.program_lookup import shipped_program
from anxin.services.run_records import RunSummary
from anxin.store.database import Database
from anxin.store.schema import Adjudication, AdjudicationRun

MODES = ("incremental", "full")


class UnknownRun(NotFound):
    code = "unknown_run"


@dataclass(frozen=True)
class RunRow:
    id: int
    program_code: str
    year: int | None
    mode: str
    status: str
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    settlements: int
    results: int
    amount_fen: int


@dataclass(frozen=True)
class RunDetail:
    run: RunRow
    #: The run's lines counted by (kind, status), with their amounts.
    lines: tuple[tuple[str, str, int, int], ...]


_COLUMNS = (
    AdjudicationRun.id,
    AdjudicationRun.program_code,
    AdjudicationRun.year,
    AdjudicationRun.mode,
    AdjudicationRun.status,
    AdjudicationRun.actor,
    AdjudicationRun.started_at,
    AdjudicationRun.finished_at,
    AdjudicationRun.settlements,
    AdjudicationRun.results,
    AdjudicationRun.amount_fen,
)


def list_runs(
    db: Database, *, program_code: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[RunRow], int]:
    """Runs, newest first, and how many there are."""
    where = [AdjudicationRun.program_code == program_code] if program_code else []
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(AdjudicationRun).where(*where))
        rows = session.execute(
            sa.select(*_COLUMNS).where(*where).order_by(AdjudicationRun.id.desc()).limit(limit).offset(offset)
        ).all()
    return [RunRow(*row) for row in rows], int(total or 0)


def run_detail(db: Database, run_id: int) -> RunDetail:
    with db.session() as session:
        row = session.execute(sa.select(*_COLUMNS).where(AdjudicationRun.id == run_id)).first()
        if row is None:
            raise UnknownRun("没有该理算批次", "no such adjudication run")
        lines = session.execute(
            sa.select(
                Adjudication.kind,
                Adjudication.status,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(Adjudication.amount_fen), 0),
            )
            .where(Adjudication.run_id == run_id)
            .group_by(Adjudication.kind, Adjudication.status)
            .order_by(Adjudication.kind, Adjudication.status)
        ).all()
    return RunDetail(RunRow(*row), tuple((k, s, int(n), int(f)) for k, s, n, f in lines))


def start_run(
    db: Database,
    program_code: str,
    *,
    actor: str,
    mode: str = "incremental",
    year: int | None = None,
    review_above_fen: int | None = None,
) -> RunSummary:
    """Adjudicate the shipped program ``program_code`` now; the summary of what was written."""
    program = shipped_program(program_code, field=True)
    return adjudicate(db, program, mode=mode, year=year, actor=actor, review_above_fen=review_above_fen)
