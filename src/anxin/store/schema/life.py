"""Individual life policies (保全) on the database: the policies with the daily run's state, their loan
accounts, beneficiaries, the append-only ledger of policy events and the append-only status history.

A policy keeps its parties by person (``persons.id``; the ID numbers stay with the person, encrypted),
its product by code (``products/*.toml``), and the columns of the servicing run's policies frame
(:data:`anxin.engine.servicing_terms.POLICY_SCHEMA`). Events are the run's postings: one row per
posting (debit and credit account, fen), or one row without accounts for an event that moves no money.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class LifePolicy(Base):
    """A life policy and its servicing state (status, premiums paid, due date, APL cover, suspension).
    ``last_run_day``: the state is as of that day — the last day the daily run changed the policy,
    or the day a taken-over book was last run by the system it came from; how far the daily run has
    got is kept per day in ``servicing_days``."""

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


class ServicingDay(Base):
    """How far the daily run of a day has got: every policy up to ``through_policy_id`` (in id order)
    has been run for ``day``; ``finished`` once the whole book was. A day's run resumes after it."""

    __tablename__ = "servicing_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    through_policy_id: Mapped[int] = mapped_column(Id, default=0)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("adjudication_runs.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)


class PolicyLoan(Base):
    """A policy's loan account (保单借款, automatic premium loans included): principal, the current
    term's start and maturity, the rate, and the interest accrued when the account last changed (the
    interest on any day follows from principal, start and rate; the daily run does not rewrite it)."""

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


class ServicingRequest(Base):
    """A servicing request (保全申请) as it was decided: the kind, the channel it came by, the day it
    takes effect, ``done`` or ``refused`` (with the reason's code), the money it moved, its own fields
    (``details``, JSON; never an ID number), the explanation line by line, who entered it. Money a
    request owes the customer (a surrender, a refund) is due by ``due_by``."""

    __tablename__ = "servicing_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_no: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    day: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(Fen, default=0)
    due_by: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[str] = mapped_column(Text, default="{}")
    explanation_zh: Mapped[str] = mapped_column(Text, default="")
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    refusal_code: Mapped[str] = mapped_column(String(40), default="")
    entered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_servicing_requests_day_channel", "day", "channel"),)


class CallbackTask(Base):
    """A new-policy callback (新契约回访) of a policy over one year, due by the last day of its
    cooling-off period: ``open``, ``done`` (with the channel, ``electronic`` or ``phone``, and the seven
    confirmations) or ``closed`` (the policy was cancelled in cooling-off, or ended, before the call)."""

    __tablename__ = "callback_tasks"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"), unique=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str | None] = mapped_column(String(12))
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    attempts: Mapped[int] = mapped_column(default=0)
    right_person: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    read_brochure_and_risk_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    understands_cover: Mapped[bool] = mapped_column(Boolean, default=False)
    knows_surrender_losses: Mapped[bool] = mapped_column(Boolean, default=False)
    knows_cooling_off_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    knows_payment_schedule: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_reason: Mapped[str] = mapped_column(String(40), default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_callback_tasks_status_due_on", "status", "due_on"),)


class PolicyEvent(Base):
    """One posting of a policy event (append-only): the event, the day, the status change it made,
    the debit and credit accounts and the fen (accounts empty and 0 fen for an event moving no money).
    Written by a daily run (``run_id``) or by a servicing request (``request_id``)."""

    __tablename__ = "policy_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("adjudication_runs.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("servicing_requests.id"))
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
    imported status (``import_id``), the daily run's event (``run_id``) or a request (``request_id``)."""

    __tablename__ = "policy_status_changes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("life_policies.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("adjudication_runs.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("servicing_requests.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_policy_status_changes_policy_id_day", "policy_id", "day"),)
