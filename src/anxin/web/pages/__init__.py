"""The staff pages (server-rendered, Chinese first). Each module holds one area."""

from __future__ import annotations

from fastapi import APIRouter

from anxin.services.review import REASON_NAMES, STATUS_NAMES
from anxin.web.pages import (
    auth,
    care,
    claims,
    dashboard,
    imports,
    payments,
    persons,
    programs,
    reports,
    review,
)
from anxin.web.templating import TEMPLATES

TEMPLATES.env.globals.update(status_names=STATUS_NAMES, reason_names=REASON_NAMES)

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(dashboard.router)
router.include_router(persons.router)
router.include_router(review.router)
router.include_router(programs.router)
router.include_router(imports.router)
router.include_router(claims.router)
router.include_router(payments.router)
router.include_router(reports.router)
router.include_router(care.router)
