"""Payment batches, payments (each result paid exactly once) and the double-entry ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class PaymentBatch(Base):
    __tablename__ = "payment_batches"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_code: Mapped[str] = mapped_column(String(64))
    payee: Mapped[str] = mapped_column(String(12))  # fund | person
    status: Mapped[str] = mapped_column(String(12), default="paid")
    payments: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(Fen, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)


class Payment(Base):
    """Money for one result line. ``adjudication_id`` (or ``claim_result_id``) is unique: a line is paid at most once.
    A reversal is a new payment with the opposite amount that names the one it reverses."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"))
    adjudication_id: Mapped[int | None] = mapped_column(ForeignKey("adjudications.id"), unique=True)
    #: A group-cover claim's result line (``claim_results``), paid at most once likewise.
    claim_result_id: Mapped[int | None] = mapped_column(ForeignKey("claim_results.id"), unique=True)
    #: A long-term care bill's result line (``care_bill_results``), paid at most once likewise.
    care_result_id: Mapped[int | None] = mapped_column(ForeignKey("care_bill_results.id"), unique=True)
    reverses_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    amount_fen: Mapped[int] = mapped_column(Fen)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_payments_batch", "batch_id"),)


class LedgerEntry(Base):
    """One side of a double-entry posting. Every journal's debits equal its credits; entries are
    never changed, a reversal posts a new journal."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    journal: Mapped[str] = mapped_column(String(40), index=True)
    account: Mapped[str] = mapped_column(String(80))
    debit_fen: Mapped[int] = mapped_column(Fen, default=0)
    credit_fen: Mapped[int] = mapped_column(Fen, default=0)
    reference: Mapped[str] = mapped_column(String(80), default="")
    memo: Mapped[str] = mapped_column(String(200), default="")
    posted_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (
        CheckConstraint("debit_fen >= 0 AND credit_fen >= 0", name="non_negative"),
        Index("ix_ledger_entries_account", "account"),
    )
