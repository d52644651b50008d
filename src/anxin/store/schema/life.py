"""Individual life policies (保全) on the database: the policies with the daily run's state, their loan
accounts, beneficiaries, the append-only ledger of policy events and the append-only status history.

A policy keeps its parties by person (``persons.id``; the ID numbers stay with the person, encrypted),
its product by code (``products/*.toml``), and the columns of the servicing run's policies frame
(:data:`anxin.engine.servicing_terms.POLICY_SCHEMA`). Events are the run's postings: one row per
posting (debit and credit account, fen), or one row without accounts for an event that moves no money.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class LifePolicy(Base):
    """A life policy and its servicing state (status, premiums paid, due date, APL cover, suspension,
    the last day the daily run saw it)."""

    __tablename__ = "life_policies"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_no: Mapped[str] = mapped_column(String(40), unique=True)
    product_code: Mapped[str] = mapped_column(String(64))
    policyholder_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    insured_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    agent_code: Mapped[str] = mapped_column(String(40), default="")
    region_code: Mapped[str] = mapped_column(String(12))
    sum_insured_fen: Mapped[int] = mapped_column(Fen)
    premium_fen: Mapped[int] = mapped_column(Fen)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    received_on: Mapped[dt.date] = mapped_column(Date)
    apl: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[dt.date] = mapped_column(Date)
    premiums_paid: Mapped[int]
    premium_credit_fen: Mapped[int] = mapped_column(Fen, default=0)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    cover_to: Mapped[dt.date | None] = mapped_column(Date)
    suspended_on: Mapped[dt.date | None] = mapped_column(Date)
    last_run_day: Mapped[dt.date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_life_policies_status_last_run_day", "status", "last_run_day"),)


class PolicyLoan(Base):
    """A policy's loan account (保单借款, automatic premium loans included): principal, the current
    term's start and maturity, the rate and the interest accrued to the last run."""

    __tablename__ = "policy_loans"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"), unique=True)
    principal_fen: Mapped[int] = mapped_column(Fen)
    start: Mapped[dt.date] = mapped_column(Date)
    maturity: Mapped[dt.date] = mapped_column(Date)
    rate_bp: Mapped[int]
    interest_fen: Mapped[int] = mapped_column(Fen, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)


class PolicyBeneficiary(Base):
    """A beneficiary of a policy (受益人): a stored person, or a name only; ``order_no`` the order
    (受益顺序, order 1 shares first); the shares of one order add up to 10,000 basis points."""

    __tablename__ = "policy_beneficiaries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    name: Mapped[str] = mapped_column(String(100), default="")
    order_no: Mapped[int] = mapped_column(default=1)
    share_bp: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)


class PolicyEvent(Base):
    """One posting of a policy event (append-only): the event, the day, the status change it made,
    the debit and credit accounts and the fen (accounts empty and 0 fen for an event moving no money)."""

    __tablename__ = "policy_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("adjudication_runs.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(40))
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str | None] = mapped_column(String(16))
    debit: Mapped[str | None] = mapped_column(String(40))
    credit: Mapped[str | None] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(Fen)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_policy_events_policy_id_day", "policy_id", "day"),)


class PolicyStatusChange(Base):
    """A policy's status history (append-only): the status it entered on ``day`` and why — the
    imported status (``import_id``), or the daily run's event (``run_id``)."""

    __tablename__ = "policy_status_changes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("adjudication_runs.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_policy_status_changes_policy_id_day", "policy_id", "day"),)
