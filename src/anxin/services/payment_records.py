"""Payment batches and payments as staff read them (the pages and the API alike), and the checks
around paying and reversing.

Paying and reversing themselves live in :mod:`anxin.services.payments`; this module lists what was
paid (persons shown only by their masked ID number), exports a batch as an Excel workbook (audited),
refuses a reversal of an unknown or already reversed payment with a clear error, and scopes a
caller's idempotency key to that caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from anxin.domain.errors import Conflict, NotFound
from anxin.domain.money import format_yuan
from anxin.services import payments
from anxin.services.exports import ExportTable, export_audited, item_table, yuan_column
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


def _export_rows(session: Session, batch_id: int) -> list[sa.Row]:
    """Every payment of the batch with its line, settlement, masked ID, program and year; a
    reversal shows the line of the payment it reverses."""
    reversed_ = aliased(Payment)
    line_id = sa.func.coalesce(Payment.adjudication_id, reversed_.adjudication_id)
    return list(
        session.execute(
            sa.select(
                Payment.id,
                line_id,
                Settlement.setl_id,
                Person.id_masked,
                Adjudication.program_code,
                Adjudication.program_year,
                Payment.amount_fen,
                Payment.reverses_payment_id,
            )
            .join(Person, Person.id == Payment.person_id)
            .outerjoin(reversed_, reversed_.id == Payment.reverses_payment_id)
            .outerjoin(Adjudication, Adjudication.id == line_id)
            .outerjoin(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(Payment.batch_id == batch_id)
            .order_by(Payment.id)
        ).all()
    )


def batch_tables(db: Database, batch_id: int, *, actor: str) -> list[ExportTable]:
    """The batch as two tables: its summary (exact yuan text, totals summed from its payments) and
    its payments (amounts as exact two-place yuan decimals, persons by masked ID only)."""
    with db.session() as session:
        row = _batch(session, batch_id)
        batch = session.get(PaymentBatch, batch_id)
        assert batch is not None
        summary = payments.summarize_batch(session, batch)
        rows = _export_rows(session, batch_id)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    listing = pl.DataFrame(
        [
            pl.Series("支付编号", columns[0], dtype=pl.Int64),
            pl.Series("明细编号", columns[1], dtype=pl.Int64),
            pl.Series("结算ID", columns[2], dtype=pl.String),
            pl.Series("证件号码（脱敏）", columns[3], dtype=pl.String),
            pl.Series("方案", columns[4], dtype=pl.String),
            pl.Series("年度", columns[5], dtype=pl.Int64),
            yuan_column("金额(元)", list(columns[6])),
            pl.Series("冲正支付编号", columns[7], dtype=pl.Int64),
        ]
    )

    def yuan(fen: int) -> str:
        return format_yuan(fen, grouping=False)

    overview = [
        ("批次 batch", str(row.id), ""),
        ("方案 program", row.program_code, ""),
        ("收款方 payee", row.payee, ""),
        ("状态 status", row.status, ""),
        ("生成人 made by", row.actor, ""),
        ("生成时间 made at", row.created_at.isoformat(timespec="seconds"), ""),
        ("支付笔数 payments", str(summary.payments), "笔"),
        ("赔付笔数 payouts", str(summary.payouts), "笔"),
        ("赔付金额 payouts", yuan(summary.payouts_fen), "元"),
        ("追回笔数 recoveries", str(summary.recoveries), "笔"),
        ("追回金额 recoveries", yuan(summary.recoveries_fen), "元"),
        ("合计 total (payouts − recoveries)", yuan(summary.total_fen), "元"),
        ("合计（分）total in fen", str(summary.total_fen), "分"),
        ("明细金额之和 sum of the payments sheet", yuan(sum(r.amount_fen for r in rows)), "元"),
        ("导出人 exported by", actor, ""),
    ]
    return [
        ExportTable("batch", "批次", item_table(overview)),
        ExportTable("payments", "支付明细", listing),
    ]


def export_batch(db: Database, batch_id: int, path: str | Path, *, actor: str) -> list[Path]:
    """Write the batch (XLSX: a sheet per table; CSV/Parquet: a file per table); audited."""
    tables = batch_tables(db, batch_id, actor=actor)
    return export_audited(
        tables,
        path,
        db,
        actor=actor,
        entity="payment_batch",
        entity_id=batch_id,
        payments=tables[1].frame.height,
    )


def batch_workbook(db: Database, batch_id: int, *, actor: str) -> bytes:
    """The batch as one XLSX workbook in memory, for a download (audited like every export)."""
    with tempfile.TemporaryDirectory(prefix="anxin-batch-") as folder:
        path = Path(folder) / f"payment-batch-{batch_id}.xlsx"
        export_batch(db, batch_id, path, actor=actor)
        return path.read_bytes()
