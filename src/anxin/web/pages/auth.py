"""Signing in and out, and switching the page language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from anxin.domain.errors import NotSignedIn
from anxin.services.users import Staff, authenticate, end_session, start_session
from anxin.web.i18n import COOKIE, LANGUAGES
from anxin.web.security import SESSION_COOKIE, database, identify, signed_in
from anxin.web.templating import render

router = APIRouter()


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "failed": False})


@router.post("/login")
def login(
    request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/")
) -> Response:
    db = database(request)
    try:
        staff = authenticate(db, username, password)
    except NotSignedIn:
        return render(request, "login.html", {"next": _safe_next(next), "failed": True}, status_code=401)
    token, _ = start_session(db, staff)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=36_000,
    )
    return response


@router.post("/logout")
async def logout(request: Request, staff: Annotated[Staff, Depends(signed_in)]) -> Response:
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and form.get("csrf_token") == staff.csrf_token:
        end_session(database(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, back: str = "/") -> Response:
    response = RedirectResponse(_safe_next(back), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(COOKIE, lang, samesite="lax", max_age=31_536_000)
    return response


@router.get("/welcome")
def welcome(request: Request, code: str = "") -> Response:
    """The one-time sign-in link ``anxin serve`` prints after ``anxin demo`` (see app.demo_welcome)."""
    token = request.app.state.welcome_codes.pop(code, None) if code else None
    if token is None:
        return RedirectResponse("/login", status_code=303)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=36_000)
    return response


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/dashboard" if identify(request) else "/login", status_code=303)
