"""Long-term care (长期护理保险) on the database: the registers a month's care bills are judged against
(disability assessments, care providers; enrolment is ``enrollments``), the bills, and their result lines.

Assessments and bills are append-only (triggers in the migration): a correction is a new assessment,
or a new bill naming the one it replaces (``replaces_bill_no``). Result lines follow the rules of the
other result lines: never edited in amount; a later run that finds a different amount due adds an
``adjustment``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class CareAssessment(Base):
    """A disability assessment's conclusion for a person (失能等级评估): ``level`` on the method's scale
    (``national_2021`` 0–5, ``barthel`` grade 0–3), in force from ``assessed_on``. The scores behind it
    (Barthel total, or the national standard's three indicator totals) and the assessing agency's
    ``valid_until`` are kept as given; the program's own validity rule decides payment."""

    __tablename__ = "care_assessments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    assessment_no: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    level: Mapped[int]
    barthel_score: Mapped[int | None]
    adl_score: Mapped[int | None]
    cognition_score: Mapped[int | None]
    perception_score: Mapped[int | None]
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (UniqueConstraint("person_id", "method", "assessed_on"),)


class CareProvider(Base):
    """A designated care provider (定点护理服务机构): its type, hospital tier (for hospital special
    care), region and the services it may bill (codes separated by commas)."""

    __tablename__ = "care_providers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    provider_code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    provider_type: Mapped[str] = mapped_column(String(24), default="")
    tier: Mapped[int | None]
    region_code: Mapped[str] = mapped_column(String(12), default="")
    service_types: Mapped[str] = mapped_column(String(200))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)


class CareBill(Base):
    """A month's care bill of one person at one provider for one service. ``month`` is the month's
    first day; ``service_from``/``service_to`` the care period when the bill states it. The provider is
    kept by code: a bill from an unregistered provider is imported and refused by the rule."""

    __tablename__ = "care_bills"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bill_no: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program_code: Mapped[str] = mapped_column(String(64))
    provider_code: Mapped[str] = mapped_column(String(40))
    service_type: Mapped[str] = mapped_column(String(24))
    month: Mapped[dt.date] = mapped_column(Date)
    service_from: Mapped[dt.date | None] = mapped_column(Date)
    service_to: Mapped[dt.date | None] = mapped_column(Date)
    days: Mapped[int]
    cost_fen: Mapped[int] = mapped_column(Fen)
    #: The bill this one corrects: from now on that bill is due nothing and this one is judged instead.
    replaces_bill_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_care_bills_program_month_person", "program_code", "month", "person_id"),)


class CareBillResult(Base):
    """One result line for a care bill: what it pays (``payout``) or the change (``adjustment``).

    ``due_fen`` is what the bill is due in total after this line; ``amount_fen`` this line's money;
    ``reason`` the rule's reason code for unpaid days (empty when all billed days are paid);
    ``explanation`` the engine's explanation columns as JSON."""

    __tablename__ = "care_bill_results"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("adjudication_runs.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("care_bills.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program_code: Mapped[str] = mapped_column(String(64))
    month: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # payout | adjustment
    amount_fen: Mapped[int] = mapped_column(Fen)
    due_fen: Mapped[int] = mapped_column(Fen)
    paid_days: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))  # approved | review | rejected
    reason: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[str] = mapped_column(String(40))
    param_hash: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (
        UniqueConstraint("program_code", "bill_id", "run_id"),
        Index("ix_care_bill_results_program_month", "program_code", "month", "person_id"),
        Index("ix_care_bill_results_status", "status"),
    )
