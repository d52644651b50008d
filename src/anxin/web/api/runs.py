"""Adjudication runs: list, one run, and starting a run (the caller is recorded as its actor).

A run is computed within the request: fine for a program office's daily increment; a full re-run
of millions of persons belongs on the command line (``anxin adjudicate --full``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.services import runs
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, PROGRAM_CODE, IdPath, Page, PageParams, yuan
from anxin.web.security import database, require

router = APIRouter(prefix="/runs", tags=["runs 理算"], responses=ERRORS)


class RunOut(BaseModel):
    id: int
    program_code: str
    year: int | None
    mode: str
    status: str = Field(description="running | completed | interrupted")
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    settlements: int
    results: int
    amount_fen: int
    amount_yuan: str


class LineCount(BaseModel):
    kind: str
    status: str
    lines: int
    amount_fen: int
    amount_yuan: str


class RunDetailOut(RunOut):
    lines: list[LineCount]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program: str = Field(pattern=PROGRAM_CODE, description="项目代码 / program code")
    year: int | None = Field(None, ge=1990, le=2100, description="只处理该项目年度 / only this year")
    mode: Literal["incremental", "full"] = "incremental"
    review_above_fen: int | None = Field(
        None, ge=0, le=10**15, description="单笔超过此金额（分）转人工审核 / review lines above (fen)"
    )


class RunSummaryOut(BaseModel):
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
    amount_yuan: str
    recomputed_persons: int


def _run(row: runs.RunRow) -> RunOut:
    return RunOut(**vars(row), amount_yuan=yuan(row.amount_fen) or "")


@router.get("", response_model=Page[RunOut], summary="理算批次 / adjudication runs")
def list_runs(
    request: Request,
    staff: Annotated[Staff, require(P.RUNS_READ)],
    paging: PageParams,
    program: Annotated[str | None, Query(pattern=PROGRAM_CODE)] = None,
) -> Page[RunOut]:
    """最新的在前 / newest first."""
    rows, total = runs.list_runs(
        database(request), program_code=program, limit=paging.limit, offset=paging.offset
    )
    return paging.page([_run(r) for r in rows], total)


@router.get("/{run_id}", response_model=RunDetailOut, summary="理算批次详情 / one run")
def run_detail(
    run_id: IdPath, request: Request, staff: Annotated[Staff, require(P.RUNS_READ)]
) -> RunDetailOut:
    """批次及其结果行按类型、状态计数 / the run and its lines counted by kind and status."""
    found = runs.run_detail(database(request), run_id)
    return RunDetailOut(
        **_run(found.run).model_dump(),
        lines=[
            LineCount(kind=k, status=s, lines=n, amount_fen=f, amount_yuan=yuan(f) or "")
            for k, s, n, f in found.lines
        ],
    )


@router.post("", response_model=RunSummaryOut, status_code=201, summary="发起理算 / start a run")
def start_run(body: RunIn, request: Request, staff: Annotated[Staff, require(P.RUNS_START)]) -> RunSummaryOut:
    """incremental：只算新结算；full：全年重算，只写差额。发起人记为批次操作人。
    incremental: new settlements only; full: recompute, writing only differences. The caller is
    recorded as the run's actor."""
    summary = runs.start_run(
        database(request),
        body.program,
        actor=staff.username,
        mode=body.mode,
        year=body.year,
        review_above_fen=body.review_above_fen,
    )
    return RunSummaryOut(**vars(summary), amount_yuan=yuan(summary.amount_fen) or "")
