"""Reading the audit trail: newest first, filtered by entity, action or actor.

Entries hold no ID numbers or other sensitive values (see :mod:`anxin.store.audit`); ``detail`` is
their before → after, parsed from its JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from anxin.store.database import Database
from anxin.store.schema import AuditEntry


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]


def audit_entries(
    db: Database,
    *,
    entity: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    entity_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditRow], int]:
    """One page of entries, newest first, and how many match."""
    where = []
    for column, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.action, action),
        (AuditEntry.actor, actor),
        (AuditEntry.entity_id, entity_id),
    ):
        if value:
            where.append(column == value)
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*where))
        rows = session.execute(
            sa.select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.entity,
                AuditEntry.entity_id,
                AuditEntry.detail,
            )
            .where(*where)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return [AuditRow(*row[:6], detail=_parsed(row[6])) for row in rows], int(total or 0)


def _parsed(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}
