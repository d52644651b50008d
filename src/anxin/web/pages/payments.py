"""Payments: batches and their payments, paying the approved lines of a program (once, whatever
the retries: the form carries an idempotency key), reversing a payment, a batch as an Excel
workbook (audited), and the reconciliation of the program year with the bureau's figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError
from anxin.services import payment_records as records
from anxin.services.dashboard import default_program_year, program_years
from anxin.services.payments import pay, reverse_payment
from anxin.services.reconciliation import KIND_ZH, reconcile, summary_rows
from anxin.services.users import Staff
from anxin.web.errors import status_of
from anxin.web.pages.common import PAGE_SIZE, after_change, clamp_page, pages, valid_code
from anxin.web.pages.imports import XLSX
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()

PAYEES = {"fund": ("医保基金", "medical-insurance fund"), "person": ("参保人", "insured person")}
BATCH_STATUS = {
    "paid": ("已支付", "paid"),
    "empty": ("无可支付", "nothing to pay"),
    "reversal": ("冲正", "reversal"),
}
BATCH_PAGE = 100
DIFFERENCES_SHOWN = 20


def _names() -> dict[str, Any]:
    return {"payees": PAYEES, "batch_status": BATCH_STATUS}


def _list_page(
    request: Request,
    *,
    program: str = "",
    year: int | None = None,
    page: int = 1,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    db = database(request)
    known = program_years(db)
    default = default_program_year(db)
    if not (program and valid_code(program) and year is not None) and default is not None:
        program, year = default.program_code, default.year
    reconciliation = reconcile(db, program, year) if program and year is not None else None
    batches, total = records.list_batches(db, limit=PAGE_SIZE, offset=(max(page, 1) - 1) * PAGE_SIZE)
    context = {
        "batches": batches,
        "total": total,
        "page": clamp_page(page, total),
        "page_count": pages(total),
        "programs": sorted({k.program_code for k in known}),
        "years": sorted({k.year for k in known}, reverse=True),
        "program": program,
        "year": year,
        "reconciliation": reconciliation,
        "reconciliation_rows": summary_rows(reconciliation, grouping=True) if reconciliation else [],
        "differences": reconciliation.differences.head(DIFFERENCES_SHOWN).to_dicts()
        if reconciliation
        else [],
        "difference_kinds": KIND_ZH,
        **_names(),
        **extra,
    }
    return render(request, "payments.html", context, status_code=status_code)


@router.get("/payments")
def payments(
    request: Request,
    staff: Annotated[Staff, require(Permission.PAYMENTS_READ)],
    program: str = "",
    year: int | None = None,
    page: int = 1,
) -> Response:
    return _list_page(request, program=program, year=year, page=page)


@router.post("/payments/pay")
def pay_approved(
    request: Request,
    staff: Annotated[Staff, require(Permission.PAYMENTS_PAY)],
    program: Annotated[str, Form(max_length=64)],
    payee: Annotated[str, Form(max_length=12)] = "",
    idempotency_key: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Pay every approved line of ``program`` not paid yet. The form's key (scoped to the signed-in
    user, as the API scopes its ``Idempotency-Key``) makes a second submission (a double click, a
    retry, a reload) answer with the batch made the first time."""
    db = database(request)
    try:
        key = records.scoped_key(staff.id, idempotency_key) if idempotency_key else None
        summary = pay(db, program, payee=payee or None, actor=staff.username, idempotency_key=key)
    except AnxinError as error:
        return _list_page(request, status_code=status_of(error), error=error)
    if summary.batch_id is None:
        return _list_page(request, nothing_to_pay=True)
    batch_id = summary.batch_id
    made = "again" if summary.replayed else "new"
    return after_change(
        request,
        f"/payments/batches/{batch_id}?made={made}",
        lambda: _batch_page(request, batch_id, summary=summary),
    )


def _batch_page(request: Request, batch_id: int, page: int = 1, **extra: Any) -> Response:
    page = max(page, 1)
    batch, rows = records.batch_payments(
        database(request), batch_id, limit=BATCH_PAGE, offset=(page - 1) * BATCH_PAGE
    )
    context = {
        "batch": batch,
        "payments": rows,
        "page": clamp_page(page, batch.payments, BATCH_PAGE),
        "page_count": pages(batch.payments, BATCH_PAGE),
        "total": batch.payments,
        **_names(),
        **extra,
    }
    return render(request, "payment_batch.html", context)


@router.get("/payments/batches/{batch_id}")
def batch(
    request: Request,
    batch_id: int,
    staff: Annotated[Staff, require(Permission.PAYMENTS_READ)],
    page: int = 1,
    made: str = "",
) -> Response:
    """A batch and a page of its payments; ``made`` (``new``, ``again``, ``reversal``) says how it
    came from the form just sent."""
    return _batch_page(request, batch_id, page, made=made if made in ("new", "again", "reversal") else "")


@router.get("/payments/batches/{batch_id}/export.xlsx")
def export(
    request: Request, batch_id: int, staff: Annotated[Staff, require(Permission.PAYMENTS_READ)]
) -> Response:
    """The batch as an Excel workbook: its summary and totals, then every payment (ID masked); the
    export is written to the audit trail."""
    content = records.batch_workbook(database(request), batch_id, actor=staff.username)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="payment-batch-{batch_id}.xlsx"'},
    )


def _payment_page(request: Request, payment_id: int, status_code: int = 200, **extra: Any) -> Response:
    batch_row, payment = records.payment_detail(database(request), payment_id)
    context = {"batch": batch_row, "payment": payment, **_names(), **extra}
    return render(request, "payment.html", context, status_code=status_code)


@router.get("/payments/{payment_id}")
def payment(
    request: Request, payment_id: int, staff: Annotated[Staff, require(Permission.PAYMENTS_READ)]
) -> Response:
    return _payment_page(request, payment_id)


@router.post("/payments/{payment_id}/reverse")
def reverse(
    request: Request,
    payment_id: int,
    staff: Annotated[Staff, require(Permission.PAYMENTS_REVERSE)],
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Reverse a payment by a new payment of the opposite amount (in a batch of its own)."""
    try:
        done = reverse_payment(database(request), payment_id, actor=staff.username, reason=reason)
    except AnxinError as error:
        return _payment_page(request, payment_id, status_code=status_of(error), error=error, reason=reason)
    return after_change(
        request,
        f"/payments/batches/{done.batch_id}?made=reversal",
        lambda: _batch_page(request, done.batch_id, reversal=done),
    )
