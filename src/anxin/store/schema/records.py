"""What came in (imports and their rejected rows) and who changed what (the audit log)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Id, Timestamp, utc_now


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # persons | settlements
    file_name: Mapped[str] = mapped_column(String(260))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(12))  # completed | rejected
    rows: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    problems: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    started_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)


class ImportProblem(Base):
    __tablename__ = "import_problems"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    row: Mapped[int]
    column: Mapped[str] = mapped_column(String(80))
    value: Mapped[str] = mapped_column(String(80), default="")
    reason_zh: Mapped[str] = mapped_column(String(200))
    reason_en: Mapped[str] = mapped_column(String(200))


class AuditEntry(Base):
    """Append-only: the database refuses UPDATE and DELETE on this table (triggers in the
    migration). ``detail`` is JSON with before → after, never an ID number or other sensitive value."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
