"""The audit trail: who changed what, when, before → after (never an ID number), newest first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from anxin.domain.access import Permission as P
from anxin.services.audit_trail import audit_entries
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, Page, PageParams
from anxin.web.security import database, require

router = APIRouter(prefix="/audit", tags=["audit 审计"], responses=ERRORS)

Filter = Annotated[str | None, Query(max_length=80)]


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]


@router.get("", response_model=Page[AuditOut], summary="审计日志 / the audit trail")
def audit(
    request: Request,
    staff: Annotated[Staff, require(P.AUDIT_READ)],
    paging: PageParams,
    entity: Filter = None,
    action: Filter = None,
    actor: Filter = None,
    entity_id: Filter = None,
) -> Page[AuditOut]:
    """最新的在前；可按对象、动作、操作人筛选。Newest first; filter by entity, action, actor."""
    rows, total = audit_entries(
        database(request),
        entity=entity,
        action=action,
        actor=actor,
        entity_id=entity_id,
        limit=paging.limit,
        offset=paging.offset,
    )
    return paging.page([AuditOut(**vars(r)) for r in rows], total)
