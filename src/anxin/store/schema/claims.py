"""Settlements from the bureau, adjudication runs, their results, and per-person accumulators."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class Settlement(Base):
    """One medical-insurance settlement record, as the bureau sent it (amounts in fen).

    ``reverses_setl_id`` marks a reversal (冲销) of an earlier settlement; a re-submission is a
    reversal followed by a new settlement.
    """

    __tablename__ = "settlements"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    setl_id: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    psn_no: Mapped[str] = mapped_column(String(40), default="")
    setl_time: Mapped[dt.datetime] = mapped_column(DateTime)
    begndate: Mapped[dt.date] = mapped_column(Date)
    enddate: Mapped[dt.date] = mapped_column(Date)
    medfee_fen: Mapped[int | None] = mapped_column(Fen)
    inscp_fen: Mapped[int | None] = mapped_column(Fen)
    hifp_fen: Mapped[int | None] = mapped_column(Fen)
    hifmi_fen: Mapped[int | None] = mapped_column(Fen)
    base_fen: Mapped[int] = mapped_column(Fen)
    psn_idet_type: Mapped[str | None] = mapped_column(String(40))
    hosp_lv: Mapped[str] = mapped_column(String(4), default="")
    fixmedins_code: Mapped[str] = mapped_column(String(40), default="")
    insuplc_admdvs: Mapped[str] = mapped_column(String(12), default="")
    med_type: Mapped[str] = mapped_column(String(8), default="")
    reverses_setl_id: Mapped[str | None] = mapped_column(String(40))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))

    __table_args__ = (
        Index("ix_settlements_person_time", "person_id", "setl_time"),
        Index("ix_settlements_reverses", "reverses_setl_id"),
    )


class AdjudicationRun(Base):
    __tablename__ = "adjudication_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int | None]
    mode: Mapped[str] = mapped_column(String(12))  # incremental | full
    status: Mapped[str] = mapped_column(String(12), default="running")  # running | completed
    actor: Mapped[str] = mapped_column(String(64), default="system")
    started_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    settlements: Mapped[int] = mapped_column(default=0)
    results: Mapped[int] = mapped_column(default=0)
    #: The highest settlement id stored when the run started: a completed run adjudicated every
    #: settlement up to it, so the next incremental run looks only above it.
    settlements_upto: Mapped[int | None] = mapped_column(Fen)
    amount_fen: Mapped[int] = mapped_column(Fen, default=0)


class Adjudication(Base):
    """One result line: what a settlement pays under a program, or an adjustment to it.

    Results are never edited: a correction (reversal, late settlement, re-run under new parameters)
    adds an ``adjustment`` line with the difference, so a settlement's lines always sum to what it
    is due now, and a person-year's lines to ``f(year total)``.
    """

    __tablename__ = "adjudications"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("adjudication_runs.id"))
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program_code: Mapped[str] = mapped_column(String(64))
    program_year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))  # payout | adjustment
    version: Mapped[str] = mapped_column(String(40))
    param_hash: Mapped[str] = mapped_column(String(16))
    tilt: Mapped[str | None] = mapped_column(String(40))
    base_fen: Mapped[int] = mapped_column(Fen)
    ytd_before_fen: Mapped[int] = mapped_column(Fen)
    ytd_after_fen: Mapped[int] = mapped_column(Fen)
    deductible_fen: Mapped[int] = mapped_column(Fen)
    deductible_applied_fen: Mapped[int] = mapped_column(Fen)
    bands: Mapped[str] = mapped_column(Text)  # JSON: [[amount_fen, ratio_bp], ...]
    gross_e4: Mapped[int] = mapped_column(Fen)
    cap_fen: Mapped[int | None] = mapped_column(Fen)
    cap_cut_fen: Mapped[int] = mapped_column(Fen)
    due_fen: Mapped[int] = mapped_column(Fen)  # what the settlement is due in total after this line
    amount_fen: Mapped[int] = mapped_column(Fen)  # this line's money: the payout, or the difference
    status: Mapped[str] = mapped_column(String(12))  # approved | review | second | returned | rejected
    review_reason: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (
        UniqueConstraint("program_code", "settlement_id", "run_id"),
        Index("ix_adjudications_program_person", "program_code", "person_id", "program_year"),
        Index("ix_adjudications_status", "status"),
    )


class Accumulator(Base):
    """A person's running year-to-date under a program: what the next settlement starts from."""

    __tablename__ = "accumulators"
    program_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    program_year: Mapped[int] = mapped_column(primary_key=True)
    ytd_fen: Mapped[int] = mapped_column(Fen)
    due_fen: Mapped[int] = mapped_column(Fen)
    settlements: Mapped[int]
    last_setl_time: Mapped[dt.datetime] = mapped_column(DateTime)
    last_setl_id: Mapped[str] = mapped_column(String(40))


class ReviewDecision(Base):
    """One person's decision on a result line in review: approve, reject or send back, with a
    reason. Append-only (triggers in the migration); the line's ``status`` follows the decisions."""

    __tablename__ = "review_decisions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    adjudication_id: Mapped[int] = mapped_column(ForeignKey("adjudications.id"), index=True)
    decision: Mapped[str] = mapped_column(String(12))  # approve | reject | send_back
    status_after: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
