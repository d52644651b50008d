"""The REST API, version 1. Each module holds one area; every endpoint requires one permission."""

from __future__ import annotations

from fastapi import APIRouter

from anxin.web.api import (
    audit,
    care,
    claims,
    imports,
    payments,
    persons,
    programs,
    reports,
    review,
    runs,
    session,
    settlements,
)

router = APIRouter()
for area in (
    session,
    persons,
    settlements,
    runs,
    review,
    payments,
    imports,
    programs,
    claims,
    reports,
    care,
    audit,
):
    router.include_router(area.router)
