"""The web application: REST API under ``/api/v1`` (OpenAPI at ``/api/openapi.json``) and the staff
pages, on the same database and services as the command line."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from anxin import __version__
from anxin.store.database import Database, open_database
from anxin.web import errors
from anxin.web.idempotency import IdempotencyMiddleware

HERE = Path(__file__).parent


def vendor_assets() -> Path | None:
    """Where npm installed the front-end packages (``npm ci`` in the source tree, or
    ``ANXIN_NODE_MODULES``); none means the pages work as plain HTML forms."""
    configured = os.environ.get("ANXIN_NODE_MODULES")
    candidates = [Path(configured)] if configured else []
    candidates += [Path.cwd() / "node_modules", HERE.parents[2] / "node_modules"]
    return next((c for c in candidates if (c / "htmx.org" / "dist" / "htmx.min.js").is_file()), None)


def create_app(db: Database | None = None) -> FastAPI:
    from anxin.web.api import callbacks as callbacks_api
    from anxin.web.api import policies as policies_api
    from anxin.web.api import router as api_router
    from anxin.web.pages import callbacks as callbacks_pages
    from anxin.web.pages import policies as policies_pages
    from anxin.web.pages import router as pages_router

    app = FastAPI(
        title="安心 Anxin API",
        version=__version__,
        description=(
            "大病保险等项目的参保人、结算、理算、审核、支付与报表接口。所有改变数据的请求须带 "
            "`Idempotency-Key` 请求头；错误返回稳定的 `code` 与中英文说明。\n\n"
            "Persons, settlements, adjudication, review, payments and reports. Every state-changing "
            "request needs an `Idempotency-Key` header; errors carry a stable `code` and Chinese and "
            "English messages. Sign in with a bearer token (`anxin users token`)."
        ),
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.db = db or open_database()
    app.state.welcome_codes = {}
    vendor = vendor_assets()
    app.state.htmx_available = vendor is not None
    app.add_middleware(IdempotencyMiddleware)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if vendor is not None:
        app.mount("/vendor", StaticFiles(directory=vendor / "htmx.org" / "dist"), name="vendor")
    app.include_router(api_router, prefix="/api/v1")
    for area in (policies_api, callbacks_api):
        app.include_router(area.router, prefix="/api/v1")
    app.include_router(pages_router)
    for pages in (policies_pages, callbacks_pages):
        app.include_router(pages.router, include_in_schema=False)
    return app


def demo_welcome(app: FastAPI) -> str | None:
    """On the demo's embedded database (never in production): a one-time code that signs the demo
    user in at ``/welcome?code=…``, so ``anxin serve`` after ``anxin demo`` opens signed in."""
    from anxin.services.users import demo_staff, start_session

    db: Database = app.state.db
    if db.settings.production or not db.settings.embedded:
        return None
    staff = demo_staff(db)
    if staff is None:
        return None
    token, _ = start_session(db, staff)
    code = secrets.token_urlsafe(16)
    app.state.welcome_codes[code] = token
    return code


def from_environment() -> FastAPI:
    """The app on the configured database (``uvicorn --factory anxin.web.app:from_environment``)."""
    return create_app()
