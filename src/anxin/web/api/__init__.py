"""The REST API, version 1. Each module holds one area; every endpoint requires one permission."""

from __future__ import annotations

from fastapi import APIRouter

from anxin.web.api import session

router = APIRouter()
router.include_router(session.router)
