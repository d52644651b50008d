"""Jinja2 pages: the language, the signed-in staff and money formatting available to every template."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from anxin.domain.access import ROLE_NAMES, Permission, allowed
from anxin.domain.money import format_yuan
from anxin.web.i18n import language, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(fen)


def _percent(bp: int | None) -> str:
    return "—" if bp is None else f"{bp / 100:.2f}%"


def _when(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


TEMPLATES.env.filters.update(yuan=_yuan, percent=_percent, when=_when)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    from anxin.web.security import identify

    lang = language(request)
    staff = identify(request)
    values = {
        "request": request,
        "lang": lang,
        "_": translator(lang),
        "staff": staff,
        "can": (lambda p: staff is not None and allowed(staff.roles, Permission(p))),
        "role_names": ROLE_NAMES,
        "csrf_token": staff.csrf_token if staff else "",
        "fresh_key": secrets.token_urlsafe(16),
        "htmx": request.app.state.htmx_available,
    }
    values.update(context or {})
    return TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)
