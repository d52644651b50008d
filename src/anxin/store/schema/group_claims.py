"""Claims under group covers (团体意外与健康, 特定疾病) and their result lines.

A claim is what a person (or their family) asks for: a death, a disability assessment, an accident's
medical bill, a hospital stay, a diagnosis. Its result lines follow the rules of the adjudication
lines: never edited; a later run that finds a different amount due adds an ``adjustment``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class Claim(Base):
    """One claim as imported. ``due_on`` is the day it fell due (death, assessment, discharge,
    treatment, diagnosis); ``grades`` the disability grades of each injury, comma-separated."""

    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_no: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program_code: Mapped[str] = mapped_column(String(64))
    claim_type: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[dt.date] = mapped_column(Date)
    accident_on: Mapped[dt.date | None] = mapped_column(Date)
    admitted_on: Mapped[dt.date | None] = mapped_column(Date)
    discharged_on: Mapped[dt.date | None] = mapped_column(Date)
    grades: Mapped[str] = mapped_column(String(40), default="")
    expense_fen: Mapped[int] = mapped_column(Fen, default=0)
    disease_code: Mapped[str] = mapped_column(String(40), default="")
    basic_insurance: Mapped[bool] = mapped_column(Boolean, default=True)
    #: How the claim arrived: ``file`` (an import), ``api`` or ``web`` (the intake form).
    channel: Mapped[str] = mapped_column(String(12), default="file", server_default="file")
    #: The claim documents received, as codes separated by commas (e.g. ``id_card,invoice``).
    documents: Mapped[str] = mapped_column(String(400), default="", server_default="")
    #: Who entered the claim (a staff user name; the import's actor for files).
    entered_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_claims_program_person", "program_code", "person_id"),)


class ClaimResult(Base):
    """One result line for a claim: what it pays (``payout``) or the change (``adjustment``).

    ``due_fen`` is what the claim is due in total after this line; ``amount_fen`` this line's money.
    ``review_reason`` carries the rule's reason code (``paid``, ``waiting_period`` …).
    ``explanation`` is the engine's explanation columns as JSON.
    """

    __tablename__ = "claim_results"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("adjudication_runs.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program_code: Mapped[str] = mapped_column(String(64))
    policy_year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))  # payout | adjustment
    amount_fen: Mapped[int] = mapped_column(Fen)
    due_fen: Mapped[int] = mapped_column(Fen)
    status: Mapped[str] = mapped_column(String(12))  # approved | review | rejected
    review_reason: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[str] = mapped_column(String(40))
    param_hash: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (
        UniqueConstraint("program_code", "claim_id", "run_id"),
        Index("ix_claim_results_program_person", "program_code", "person_id", "policy_year"),
        Index("ix_claim_results_status", "status"),
    )


class ClaimReviewDecision(Base):
    """One person's decision on a claim result line in review: approve, reject or send back, with
    a reason. Append-only (triggers in the migration); the line's ``status`` follows the decisions,
    as for :class:`~anxin.store.schema.claims.ReviewDecision` on settlement lines."""

    __tablename__ = "claim_review_decisions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_result_id: Mapped[int] = mapped_column(ForeignKey("claim_results.id"), index=True)
    decision: Mapped[str] = mapped_column(String(12))  # approve | reject | send_back
    status_after: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
