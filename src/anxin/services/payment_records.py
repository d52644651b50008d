"""Payment batches and payments as staff read them (the pages and the API alike), and the checks
around paying and reversing.

Paying and reversing themselves live in :mod:`anxin.services.payments`; this module lists what was
paid (persons shown only by their masked ID number), refuses a reversal of an unknown or already
reversed payment with a clear error, and scopes a caller's idempotency key to that caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from anxin.domain.errors import Conflict, NotFound
from anxin.services import payments
from anxin.store.database import Database
from anxin.store.schema import Adjudication, Payment, PaymentBatch, Person, Settlement

MAX_KEY = 80


class UnknownBatch(NotFound):
    code = "unknown_payment_batch"


class UnknownPayment(NotFound):
    code = "unknown_payment"


@dataclass(frozen=True)
class BatchRow:
    id: int
    program_code: str
    payee: str
    status: str
    payments: int
    total_fen: int
    actor: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PaymentRow:
    id: int
    adjudication_id: int | None
    setl_id: str | None
    person_id: int
    id_masked: str
    amount_fen: int
    reverses_payment_id: int | None
    reversed_by_payment_id: int | None
    created_at: dt.datetime


_BATCH = (
    PaymentBatch.id,
    PaymentBatch.program_code,
    PaymentBatch.payee,
    PaymentBatch.status,
    PaymentBatch.payments,
    PaymentBatch.total_fen,
    PaymentBatch.actor,
    PaymentBatch.created_at,
)


def scoped_key(user_id: int, key: str) -> str:
    """A caller's ``Idempotency-Key`` made unique per caller, as the payment service stores it:
    ``{user}:{key}``, or ``{user}#{digest}`` when that would be longer than 80 characters."""
    scoped = f"{user_id}:{key}"
    if len(scoped) <= MAX_KEY:
        return scoped
    return f"{user_id}#{hashlib.sha256(key.encode()).hexdigest()[:60]}"


def list_batches(
    db: Database, *, program_code: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[BatchRow], int]:
    """Batches (payments and reversals), newest first, and how many there are."""
    where = [PaymentBatch.program_code == program_code] if program_code else []
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(PaymentBatch).where(*where))
        rows = session.execute(
            sa.select(*_BATCH).where(*where).order_by(PaymentBatch.id.desc()).limit(limit).offset(offset)
        ).all()
    return [BatchRow(*row) for row in rows], int(total or 0)


def _payments() -> sa.Select:
    """Payments with their line's settlement, the person's masked ID and the reversal, if any, in
    the order of :class:`PaymentRow`."""
    reversal = aliased(Payment)
    return (
        sa.select(
            Payment.id,
            Payment.adjudication_id,
            Settlement.setl_id,
            Payment.person_id,
            Person.id_masked,
            Payment.amount_fen,
            Payment.reverses_payment_id,
            reversal.id,
            Payment.created_at,
        )
        .join(Person, Person.id == Payment.person_id)
        .outerjoin(Adjudication, Adjudication.id == Payment.adjudication_id)
        .outerjoin(Settlement, Settlement.id == Adjudication.settlement_id)
        .outerjoin(reversal, reversal.reverses_payment_id == Payment.id)
    )


def _batch(session: Session, batch_id: int) -> BatchRow:
    row = session.execute(sa.select(*_BATCH).where(PaymentBatch.id == batch_id)).first()
    if row is None:
        raise UnknownBatch("没有该支付批次", "no such payment batch")
    return BatchRow(*row)


def _batch_payments(session: Session, batch_id: int, limit: int, offset: int) -> list[PaymentRow]:
    rows = session.execute(
        _payments().where(Payment.batch_id == batch_id).order_by(Payment.id).limit(limit).offset(offset)
    ).all()
    return [PaymentRow(*row) for row in rows]


def batch_payments(
    db: Database, batch_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[BatchRow, list[PaymentRow]]:
    """One batch and one page of its payments."""
    with db.session() as session:
        return _batch(session, batch_id), _batch_payments(session, batch_id, limit, offset)


def batch_detail(
    db: Database, batch_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[BatchRow, payments.BatchSummary, list[PaymentRow]]:
    """One batch, its totals summed from its payments, and one page of its payments."""
    with db.session() as session:
        row = _batch(session, batch_id)
        batch = session.get(PaymentBatch, batch_id)
        assert batch is not None
        summary = payments.summarize_batch(session, batch)
        return row, summary, _batch_payments(session, batch_id, limit, offset)


def payment_detail(db: Database, payment_id: int) -> tuple[BatchRow, PaymentRow]:
    """One payment and the batch it belongs to."""
    with db.session() as session:
        row = session.execute(
            _payments().add_columns(Payment.batch_id).where(Payment.id == payment_id)
        ).first()
        if row is None:
            raise UnknownPayment("没有该支付", "no such payment")
        return _batch(session, row[-1]), PaymentRow(*row[:-1])


def reverse(db: Database, payment_id: int, *, actor: str, reason: str) -> payments.ReversalSummary:
    """:func:`anxin.services.payments.reverse_payment`, with an unknown payment a 404 and a payment
    that is a reversal or already reversed a conflict."""
    with db.session() as session:
        original = session.get(Payment, payment_id)
        if original is None:
            raise UnknownPayment("没有该支付", "no such payment")
        if original.reverses_payment_id is not None:
            raise Conflict(
                "该支付本身是冲正，不能再冲正",
                "this payment is a reversal; it cannot be reversed",
                code="not_reversible",
            )
        done = session.scalar(sa.select(Payment.id).where(Payment.reverses_payment_id == payment_id))
    if done is not None:
        raise Conflict(
            f"该支付已由支付 {done} 冲正",
            f"the payment was already reversed by payment {done}",
            code="already_reversed",
        )
    return payments.reverse_payment(db, payment_id, actor=actor, reason=reason)
