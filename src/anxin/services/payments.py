"""Payment batches: every approved result line paid exactly once; corrections by reversal.

Exactly once rests on three things: ``payments.adjudication_id`` (``claim_result_id``, ``care_result_id``) is UNIQUE (the database refuses a
second payment of a line), a batch is one transaction (its payments, ledger journals and audit entry
land together or not at all), and the candidate lines are chosen and inserted by one
``INSERT … SELECT`` that skips lines already paid. On PostgreSQL the candidates are locked with
``FOR UPDATE SKIP LOCKED``, so concurrent batches take disjoint lines; a batch that still collides
with one committed a moment earlier (a unique violation), or that meets SQLite's single writer,
is rolled back and tried again, and then sees those lines as paid.

Negative adjustment lines are recoveries: they are "paid" like any line, with a negative amount.
A reversal is a new payment with the opposite amount naming the one it reverses, in a batch of its
own, with its own journal; nothing is ever edited. A reversed line is not paid again: the schema
allows one payment per line, so paying it anew needs a new result line.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.errors import AnxinError
from anxin.domain.programs import ProgramKind
from anxin.services import ledger
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import Adjudication, CareBillResult, ClaimResult, Payment, PaymentBatch
from anxin.store.schema.base import utc_now

ATTEMPTS = 6
_T = TypeVar("_T")
_ID_LIKE = re.compile(r"\d{14,17}[\dXx]")


class PaymentError(AnxinError):
    code = "payment_error"


class PaymentConflict(PaymentError):
    code = "payment_conflict"


@dataclass(frozen=True)
class BatchSummary:
    """What one call of :func:`pay` did (or, with a repeated idempotency key, had done)."""

    batch_id: int | None
    program_code: str
    payee: str
    payments: int
    payouts: int
    payouts_fen: int
    recoveries: int
    recoveries_fen: int  # as a positive amount
    replayed: bool = False  # the idempotency key named a batch made earlier

    @property
    def total_fen(self) -> int:
        """Net money of the batch: payouts minus recoveries."""
        return self.payouts_fen - self.recoveries_fen

    @property
    def journals(self) -> tuple[str, ...]:
        if self.batch_id is None or not self.payments:
            return ()
        return (accrual_journal(self.batch_id), transfer_journal(self.batch_id))


@dataclass(frozen=True)
class ReversalSummary:
    payment_id: int
    reverses_payment_id: int
    batch_id: int
    amount_fen: int
    journal: str


def accrual_journal(batch_id: int) -> str:
    return f"PB{batch_id}-accrue"


def transfer_journal(batch_id: int) -> str:
    return f"PB{batch_id}-transfer"


def reversal_journal(payment_id: int) -> str:
    return f"RV{payment_id}"


def pay(
    db: Database,
    program_code: str,
    *,
    payee: str | None = None,
    actor: str,
    idempotency_key: str | None = None,
    limit: int | None = None,
) -> BatchSummary:
    """Pay, in one batch, every approved line of ``program_code`` not paid yet whose amount is not 0.

    The lines are the settlement results (``adjudications``) or, for a group-cover program, the claim
    results (``claim_results``), for a long-term care program the care bill results
    (``care_bill_results``, paid to the care providers by net amount); the payee is by default the
    fund, for claims the person.

    Calling again pays only lines approved since; with the same ``idempotency_key`` it returns the
    batch made the first time and pays nothing. Without a key, a call that finds nothing to pay
    leaves no trace; with one, it records an empty batch so the key keeps its answer.
    """
    claims = pays_claims(program_code)
    lines = (
        "claim_result_id" if claims else "care_result_id" if pays_care(program_code) else "adjudication_id"
    )
    payee = payee or ("person" if claims else "fund")
    if payee not in ledger.PAYEES:
        raise PaymentError(
            f"收款方须为 fund（医保基金）或 person（参保人）：{payee!r}",
            f"payee must be fund (medical-insurance fund) or person: {payee!r}",
        )
    if limit is not None and limit < 1:
        raise PaymentError(f"每批笔数须为正数：{limit}", f"batch limit must be positive: {limit}")
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 80:
        raise PaymentError("幂等键须为 1–80 个字符", "an idempotency key has 1–80 characters")

    def work(session: Session) -> BatchSummary:
        return _pay_once(session, db.dialect, program_code, payee, actor, idempotency_key, limit, lines)

    return _in_transaction(db, work)


def _pay_once(
    session: Session,
    dialect: str,
    program_code: str,
    payee: str,
    actor: str,
    key: str | None,
    limit: int | None,
    lines: str = "adjudication_id",
) -> BatchSummary:
    if key is not None:
        existing = session.scalars(sa.select(PaymentBatch).where(PaymentBatch.idempotency_key == key)).first()
        if existing is not None:
            if (existing.program_code, existing.payee) != (program_code, payee):
                raise PaymentError(
                    f"幂等键 {key!r} 已用于另一批次（{existing.program_code}，{existing.payee}）",
                    f"idempotency key {key!r} was used for another batch ({existing.program_code}, {existing.payee})",
                )
            return summarize_batch(session, existing, replayed=True)
    batch = PaymentBatch(
        program_code=program_code, payee=payee, status="paid", idempotency_key=key, actor=actor
    )
    session.add(batch)
    session.flush()
    session.execute(
        sa.insert(Payment).from_select(
            [
                "batch_id",
                lines,
                "person_id",
                "amount_fen",
                "created_at",
            ],
            _candidates(batch.id, program_code, dialect, limit, utc_now(), lines),
        )
    )
    summary = summarize_batch(session, batch)
    if summary.payments == 0 and key is None:
        session.rollback()
        return BatchSummary(None, program_code, payee, 0, 0, 0, 0, 0)
    batch.payments = summary.payments
    batch.total_fen = summary.total_fen
    batch.status = "paid" if summary.payments else "empty"
    reference = f"payment_batch:{batch.id}"
    accrual = ledger.accrual_postings(program_code, payee, summary.payouts_fen, summary.recoveries_fen)
    transfer = ledger.transfer_postings(program_code, payee, summary.payouts_fen, summary.recoveries_fen)
    ledger.post(session, accrual_journal(batch.id), accrual, reference=reference)
    ledger.post(session, transfer_journal(batch.id), transfer, reference=reference)
    record(
        session,
        actor=actor,
        action="pay_batch",
        entity="payment_batch",
        entity_id=batch.id,
        after={
            "program": program_code,
            "payee": payee,
            "payments": summary.payments,
            "payouts_fen": summary.payouts_fen,
            "recoveries_fen": summary.recoveries_fen,
            "total_fen": summary.total_fen,
            "idempotency_key": key,
            "limit": limit,
        },
    )
    return summary


def pays_claims(program_code: str) -> bool:
    """Whether the program's lines are claim results (a shipped group-cover program)."""
    program = shipped_programs().get(program_code)
    return program is not None and program.kind in (ProgramKind.GROUP_ACCIDENT, ProgramKind.SPECIFIED_DISEASE)


def pays_care(program_code: str) -> bool:
    """Whether the program's lines are care bill results (a shipped long-term care program)."""
    program = shipped_programs().get(program_code)
    return program is not None and program.kind is ProgramKind.LONG_TERM_CARE


#: The result lines paid, by the column of ``payments`` naming them.
_LINES = {"adjudication_id": Adjudication, "claim_result_id": ClaimResult, "care_result_id": CareBillResult}


def _candidates(
    batch_id: int,
    program_code: str,
    dialect: str,
    limit: int | None,
    now: dt.datetime,
    lines: str = "adjudication_id",
) -> sa.Select:
    line: type[Adjudication] | type[ClaimResult] | type[CareBillResult] = _LINES[lines]
    paid = sa.exists().where(getattr(Payment, lines) == line.id)
    statement = (
        sa.select(
            sa.literal(batch_id, Payment.__table__.c.batch_id.type),
            line.id,
            line.person_id,
            line.amount_fen,
            sa.literal(now, Payment.__table__.c.created_at.type),
        )
        .where(line.program_code == program_code, line.status == "approved", line.amount_fen != 0, ~paid)
        .order_by(line.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    if dialect == "postgresql":
        statement = statement.with_for_update(of=line, skip_locked=True)
    return statement


def summarize_batch(session: Session, batch: PaymentBatch, *, replayed: bool = False) -> BatchSummary:
    """A batch's counts and totals, summed from its payments in the database."""
    amount = Payment.amount_fen
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(sa.case((amount > 0, 1), else_=0)),
            sa.func.sum(sa.case((amount > 0, amount), else_=0)),
            sa.func.sum(sa.case((amount < 0, 1), else_=0)),
            sa.func.sum(sa.case((amount < 0, -amount), else_=0)),
        ).where(Payment.batch_id == batch.id)
    ).one()
    count, payouts, payouts_fen, recoveries, recoveries_fen = (int(value or 0) for value in row)
    return BatchSummary(
        batch_id=batch.id,
        program_code=batch.program_code,
        payee=batch.payee,
        payments=count,
        payouts=payouts,
        payouts_fen=payouts_fen,
        recoveries=recoveries,
        recoveries_fen=recoveries_fen,
        replayed=replayed,
    )


def reverse_payment(db: Database, payment_id: int, *, actor: str, reason: str) -> ReversalSummary:
    """Reverse one payment by a new payment of the opposite amount, with the mirror journal."""
    reason = _scrub(reason.strip())
    if not reason:
        raise PaymentError("冲正须说明原因", "a reversal needs a reason")

    def work(session: Session) -> ReversalSummary:
        original = session.get(Payment, payment_id, with_for_update=True)
        if original is None:
            raise PaymentError(f"没有编号为 {payment_id} 的支付", f"no payment with id {payment_id}")
        if original.reverses_payment_id is not None:
            raise PaymentError(
                f"支付 {payment_id} 本身是冲正，不能再冲正",
                f"payment {payment_id} is a reversal; it cannot be reversed",
            )
        done = session.scalar(sa.select(Payment.id).where(Payment.reverses_payment_id == payment_id))
        if done is not None:
            raise PaymentError(
                f"支付 {payment_id} 已由支付 {done} 冲正",
                f"payment {payment_id} was already reversed by payment {done}",
            )
        paid_in = session.get(PaymentBatch, original.batch_id)
        assert paid_in is not None
        batch = PaymentBatch(
            program_code=paid_in.program_code,
            payee=paid_in.payee,
            status="reversal",
            payments=1,
            total_fen=-original.amount_fen,
            actor=actor,
        )
        session.add(batch)
        session.flush()
        reversal = Payment(
            batch_id=batch.id,
            reverses_payment_id=original.id,
            person_id=original.person_id,
            amount_fen=-original.amount_fen,
        )
        session.add(reversal)
        session.flush()
        journal = reversal_journal(reversal.id)
        postings = ledger.payment_postings(paid_in.program_code, paid_in.payee, original.amount_fen)
        ledger.post(
            session,
            journal,
            ledger.mirror(postings, "冲正 reversal"),
            reference=f"payment:{reversal.id} reverses payment:{original.id}",
        )
        record(
            session,
            actor=actor,
            action="reverse_payment",
            entity="payment",
            entity_id=reversal.id,
            before={"payment_id": original.id, "amount_fen": original.amount_fen},
            after={
                "payment_id": reversal.id,
                "amount_fen": reversal.amount_fen,
                "batch_id": batch.id,
                "journal": journal,
                "reason": reason,
            },
        )
        return ReversalSummary(reversal.id, original.id, batch.id, reversal.amount_fen, journal)

    return _in_transaction(db, work)


def _scrub(text: str) -> str:
    """Free text for the audit log, with anything shaped like an ID number removed."""
    return _ID_LIKE.sub("[已隐去 removed]", text)[:200]


def _in_transaction(db: Database, work: Callable[[Session], _T]) -> _T:
    """Run ``work`` in one transaction; start over when a concurrent writer got there first."""
    for attempt in range(ATTEMPTS):
        session = db.session()
        try:
            result = work(session)
            session.commit()
            return result
        except sa.exc.DBAPIError as exc:
            session.rollback()
            if not _retryable(exc):
                raise
            if attempt == ATTEMPTS - 1:
                raise PaymentConflict(
                    "并发支付冲突，多次重试仍未完成，请稍后再试",
                    "concurrent payments kept colliding; nothing was paid, try again",
                ) from exc
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    raise AssertionError("unreachable")  # pragma: no cover


def _retryable(exc: sa.exc.DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None)
    if state in {"23505", "40001", "40P01"}:  # unique violation, serialization failure, deadlock
        return True
    message = str(exc.orig).lower()
    return "unique constraint failed" in message or "database is locked" in message or "busy" in message
