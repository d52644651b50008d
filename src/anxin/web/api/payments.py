"""Payment batches, reversals and reconciliation with the bureau.

``POST /payments/batches`` pays every approved, unpaid line of a program exactly once. Its
``Idempotency-Key`` is used twice over: the middleware replays the stored answer to a retry, and the
key (scoped to the caller) is handed to the payment service, which returns the batch already made
with it rather than paying again, even if the first answer was never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.services import payment_records as records
from anxin.services.payments import BatchSummary, pay
from anxin.services.program_lookup import shipped_program
from anxin.services.reconciliation import reconcile
from anxin.services.users import Staff
from anxin.web.api.common import (
    ERRORS,
    PROGRAM_CODE,
    IdPath,
    Page,
    PageParams,
    download,
    download_responses,
    yuan,
)
from anxin.web.security import database, require

router = APIRouter(prefix="/payments", tags=["payments 支付"], responses=ERRORS)


class BatchOut(BaseModel):
    id: int
    program_code: str
    payee: str
    status: str = Field(description="paid | empty | reversal")
    payments: int
    total_fen: int
    total_yuan: str
    actor: str
    created_at: dt.datetime


class PaymentOut(BaseModel):
    id: int
    adjudication_id: int | None
    setl_id: str | None
    person_id: int
    id_masked: str
    amount_fen: int
    amount_yuan: str
    reverses_payment_id: int | None
    reversed_by_payment_id: int | None
    created_at: dt.datetime


class SummaryOut(BaseModel):
    batch_id: int | None
    program_code: str
    payee: str
    payments: int
    payouts: int
    payouts_fen: int
    recoveries: int
    recoveries_fen: int = Field(description="追回金额（正数）/ recoveries, as a positive amount")
    total_fen: int
    total_yuan: str
    journals: list[str]
    replayed: bool = Field(description="该幂等键此前已生成此批次 / the key named a batch made earlier")


class BatchDetailOut(BatchOut):
    summary: SummaryOut
    items: Page[PaymentOut]


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program: str = Field(pattern=PROGRAM_CODE, description="项目代码 / program code")
    payee: Literal["fund", "person"] | None = Field(
        None,
        description="fund 医保基金 | person 参保人；不填：大病保险付医保基金，理赔付参保人 / "
        "empty: the fund for critical illness, the person for claims",
    )
    limit: int | None = Field(None, ge=1, le=10_000_000, description="本批最多笔数 / at most this many")


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200, description="冲正原因 / why")


class ReversalOut(BaseModel):
    payment_id: int
    reverses_payment_id: int
    batch_id: int
    amount_fen: int
    amount_yuan: str
    journal: str


class DifferenceOut(BaseModel):
    setl_id: str
    person: str = Field(description="证件号（脱敏）/ masked ID number")
    ours_fen: int | None
    bureau_fen: int | None
    difference_fen: int | None = Field(description="医保 − 我方 / bureau − ours")
    kind: str = Field(description="differs | bureau_missing | not_adjudicated")


class ReconciliationOut(BaseModel):
    program_code: str
    year: int
    settlements: int
    compared: int
    matched: int
    differing: int
    bureau_missing: int
    not_adjudicated: int
    ours_fen: int
    ours_yuan: str
    bureau_fen: int
    bureau_yuan: str
    difference_fen: int
    difference_yuan: str
    clean: bool
    differences: Page[DifferenceOut]


def _summary(summary: BatchSummary) -> SummaryOut:
    return SummaryOut(
        batch_id=summary.batch_id,
        program_code=summary.program_code,
        payee=summary.payee,
        payments=summary.payments,
        payouts=summary.payouts,
        payouts_fen=summary.payouts_fen,
        recoveries=summary.recoveries,
        recoveries_fen=summary.recoveries_fen,
        total_fen=summary.total_fen,
        total_yuan=yuan(summary.total_fen) or "",
        journals=list(summary.journals),
        replayed=summary.replayed,
    )


def _batch(row: records.BatchRow) -> BatchOut:
    return BatchOut(**vars(row), total_yuan=yuan(row.total_fen) or "")


@router.get("/batches", response_model=Page[BatchOut], summary="支付批次 / payment batches")
def batches(
    request: Request,
    staff: Annotated[Staff, require(P.PAYMENTS_READ)],
    paging: PageParams,
    program: Annotated[str | None, Query(pattern=PROGRAM_CODE)] = None,
) -> Page[BatchOut]:
    """最新的在前 / newest first."""
    rows, total = records.list_batches(
        database(request), program_code=program, limit=paging.limit, offset=paging.offset
    )
    return paging.page([_batch(r) for r in rows], total)


@router.get(
    "/batches/{batch_id}.xlsx",
    response_class=Response,
    responses=download_responses("支付批次 / the batch workbook"),
    summary="导出支付批次（Excel）/ a batch as XLSX",
)
def batch_xlsx(
    batch_id: IdPath, request: Request, staff: Annotated[Staff, require(P.PAYMENTS_READ)]
) -> Response:
    """“批次”表：批次信息与合计（精确到分）；“支付明细”表：每笔支付（证件号脱敏，金额为两位小数的元）。
    导出记入审计。The sheet 批次: the batch and its totals (exact to the fen); 支付明细: every payment
    (ID masked, amounts as exact two-place yuan). The export is audited."""
    content = records.batch_workbook(database(request), batch_id, actor=staff.username)
    return download(content, f"payment-batch-{batch_id}.xlsx")


@router.get("/batches/{batch_id}", response_model=BatchDetailOut, summary="支付批次详情 / one batch")
def batch(
    batch_id: IdPath,
    request: Request,
    staff: Annotated[Staff, require(P.PAYMENTS_READ)],
    paging: PageParams,
) -> BatchDetailOut:
    """批次、合计及其支付（分页；参保人证件号脱敏）/ the batch, its totals and a page of its payments."""
    row, summary, listed = records.batch_detail(
        database(request), batch_id, limit=paging.limit, offset=paging.offset
    )
    items = [PaymentOut(**vars(p), amount_yuan=yuan(p.amount_fen) or "") for p in listed]
    return BatchDetailOut(
        **_batch(row).model_dump(), summary=_summary(summary), items=paging.page(items, row.payments)
    )


@router.post("/batches", response_model=SummaryOut, status_code=201, summary="生成支付批次 / pay")
def make_batch(
    body: PayIn,
    request: Request,
    staff: Annotated[Staff, require(P.PAYMENTS_PAY)],
    idempotency_key: Annotated[str, Header(min_length=1, max_length=80)],
) -> SummaryOut:
    """支付该项目所有已通过、未支付的结果行，每行只付一次；同一幂等键重试不会重复支付。
    Pay every approved, unpaid line of the program once; a retry with the same key pays nothing."""
    shipped_program(body.program, field=True)
    summary = pay(
        database(request),
        body.program,
        payee=body.payee,
        actor=staff.username,
        idempotency_key=records.scoped_key(staff.id, idempotency_key),
        limit=body.limit,
    )
    return _summary(summary)


@router.post(
    "/{payment_id}/reversal", response_model=ReversalOut, status_code=201, summary="冲正 / reverse a payment"
)
def reversal(
    payment_id: IdPath,
    body: ReversalIn,
    request: Request,
    staff: Annotated[Staff, require(P.PAYMENTS_REVERSE)],
) -> ReversalOut:
    """以一笔反向支付冲正，另记冲正分录；原支付不作修改。
    A new payment of the opposite amount with the mirror journal; nothing is edited."""
    done = records.reverse(database(request), payment_id, actor=staff.username, reason=body.reason)
    return ReversalOut(**vars(done), amount_yuan=yuan(done.amount_fen) or "")


@router.get(
    "/reconciliation", response_model=ReconciliationOut, summary="与医保对账 / reconciliation with the bureau"
)
def reconciliation(
    request: Request,
    staff: Annotated[Staff, require(P.PAYMENTS_READ)],
    paging: PageParams,
    program: Annotated[str, Query(pattern=PROGRAM_CODE)],
    year: Annotated[int, Query(ge=1990, le=2100)],
) -> ReconciliationOut:
    """我方应赔与医保 hifmi_pay 逐笔比对；差异分页列出（证件号脱敏）。
    Ours against the bureau's hifmi_pay per settlement; the differences paged (ID masked)."""
    shipped_program(program, field=True)
    report = reconcile(database(request), program, year)
    rows = report.differences.slice(paging.offset, paging.limit).iter_rows(named=True)
    return ReconciliationOut(
        program_code=report.program_code,
        year=report.year,
        settlements=report.settlements,
        compared=report.compared,
        matched=report.matched,
        differing=report.differing,
        bureau_missing=report.bureau_missing,
        not_adjudicated=report.not_adjudicated,
        ours_fen=report.ours_fen,
        ours_yuan=yuan(report.ours_fen) or "",
        bureau_fen=report.bureau_fen,
        bureau_yuan=yuan(report.bureau_fen) or "",
        difference_fen=report.difference_fen,
        difference_yuan=yuan(report.difference_fen) or "",
        clean=report.clean,
        differences=paging.page([DifferenceOut(**r) for r in rows], report.differences.height),
    )
