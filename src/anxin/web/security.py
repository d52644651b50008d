"""Signing in and permissions for every request.

A browser signs in with a password and gets a session cookie (HttpOnly, SameSite=Lax); a partner
system sends ``Authorization: Bearer <token>``. Each endpoint depends on :func:`require` with one
permission from :mod:`anxin.domain.access`; a user without it gets 403, a caller who is not signed
in gets 401 (a browser is sent to the sign-in page). State-changing requests that ride on a session
cookie must echo the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import hmac

from fastapi import Depends, Request

from anxin.domain.access import Permission, allowed
from anxin.domain.errors import Forbidden, NotSignedIn
from anxin.services.users import Staff, session_staff, token_staff
from anxin.store.database import Database

SESSION_COOKIE = "anxin_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def database(request: Request) -> Database:
    return request.app.state.db


def identify(request: Request) -> Staff | None:
    """The signed-in staff of this request, if any (looked up once per request)."""
    if hasattr(request.state, "staff"):
        return request.state.staff
    db = database(request)
    staff, via = None, ""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        staff, via = token_staff(db, header[7:].strip()), "token"
    elif token := request.cookies.get(SESSION_COOKIE):
        staff, via = session_staff(db, token), "session"
    request.state.staff, request.state.auth_via = staff, via
    return staff


async def _check_csrf(request: Request, staff: Staff) -> None:
    if request.method in SAFE_METHODS or request.state.auth_via != "session":
        return
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get("csrf_token", ""))
    if not sent or not hmac.compare_digest(sent, staff.csrf_token):
        raise Forbidden(
            "表单已过期，请刷新页面后重试", "the form has expired; reload the page and try again", code="csrf"
        )


def require(permission: Permission):  # type: ignore[no-untyped-def]
    """A dependency that admits only staff holding ``permission``; returns the :class:`Staff`."""

    async def dependency(request: Request) -> Staff:
        staff = identify(request)
        if staff is None:
            raise NotSignedIn("请先登录", "please sign in")
        if not allowed(staff.roles, permission):
            raise Forbidden(
                f"无权操作：需要“{permission.value}”权限",
                f"not permitted: needs the {permission.value} permission",
            )
        await _check_csrf(request, staff)
        return staff

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)


def signed_in(request: Request) -> Staff:
    """Any signed-in staff (pages every role may open, such as signing out)."""
    staff = identify(request)
    if staff is None:
        raise NotSignedIn("请先登录", "please sign in")
    return staff


def route_permission(route) -> Permission | None:  # type: ignore[no-untyped-def]
    """The permission a route requires (walks its dependencies), for the permission-matrix test."""
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        found = getattr(dependant.call, "permission", None)
        if found is not None:
            return found
        stack.extend(dependant.dependencies)
    return None
