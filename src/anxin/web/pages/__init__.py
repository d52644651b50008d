"""The staff pages (server-rendered, Chinese first). Each module holds one area."""

from __future__ import annotations

from fastapi import APIRouter

from anxin.web.pages import auth

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
