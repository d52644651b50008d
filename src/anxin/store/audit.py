"""The audit trail: who changed what, when, before → after, in an append-only table.

Values that identify or expose a person (ID numbers, names, phones, addresses, diagnoses) are never
written here: callers pass field names and non-sensitive values only, and :func:`record` drops any
key listed in :data:`SENSITIVE` as a second line of defence.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from anxin.store.schema import AuditEntry

SENSITIVE = frozenset({"certno", "id_number", "name", "psn_name", "phone", "address", "diagnosis"})


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: value for key, value in values.items() if key not in SENSITIVE}


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one audit entry to ``session`` (committed with the change it describes)."""
    detail = {"before": _clean(before), "after": _clean(after)}
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
        )
    )
