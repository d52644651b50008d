"""Every route of the application against every role: 403 exactly where the permission matrix says
the role lacks the route's permission, and never otherwise.

Each API and page route names one permission (read with ``route_permission``); the few without one
are listed below, as public or as open to anyone signed in. Each route is called as each role (a
bearer token under ``/api``, a signed-in browser session with its CSRF token for pages), with dummy
path parameters and empty bodies: a 404 or 422 for those is fine, a 403 must match the matrix.
Anonymous callers get 401 from the API and are sent to the sign-in page by the pages.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from anxin.domain.access import MATRIX, Role, matrix_markdown
from anxin.services.users import issue_token, session_staff
from anxin.web.security import SESSION_COOKIE, route_permission
from tests.web.conftest import password

ROOT = Path(__file__).resolve().parents[2]
#: Routes anyone may call, signed in or not.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/"),
    ("GET", "/lang/{lang}"),
    ("GET", "/welcome"),  # a one-time sign-in link (``anxin serve`` after ``anxin demo``)
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/docs/oauth2-redirect"),  # FastAPI's Swagger UI helper page
}
PUBLIC_MOUNTS = {"/static", "/vendor"}
#: Routes for anyone signed in, whatever their roles.
SIGNED_IN = {("GET", "/api/v1/me"), ("POST", "/logout")}
DUMMY = {
    "program": "taian-ci",
    "code": "taian-ci",
    "year": "2023",
    "lang": "zh",
    "setl_id": "37202300000000000001",
}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def url_of(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: DUMMY.get(m.group(1), "1"), path)


def routes(app) -> tuple[list[tuple[str, str, object]], list[str]]:  # type: ignore[no-untyped-def]
    """(method, path, permission) of every route, and the routes that name no permission and are
    on neither list. (FastAPI keeps included routers as such: ``iter_route_contexts`` flattens them.)"""
    found, unlisted = [], []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            if route.path not in PUBLIC_MOUNTS:
                unlisted.append(f"mount {route.path}")
            continue
        assert isinstance(route.original_route, APIRoute | Route), route
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            permission = route_permission(route)
            if permission is None and (method, route.path) not in PUBLIC | SIGNED_IN:
                unlisted.append(f"{method} {route.path}")
            found.append((method, route.path, permission))
    return found, unlisted


def call(client: TestClient, method: str, path: str, *, csrf: str = ""):  # type: ignore[no-untyped-def]
    url = url_of(path)
    headers = (
        {"Idempotency-Key": str(uuid.uuid4())} if path.startswith("/api/") and method in CHANGING else {}
    )
    if method not in CHANGING:
        return client.request(method, url, headers=headers)
    if path.startswith("/api/"):
        return client.request(method, url, headers=headers, json={})
    return client.request(method, url, headers={"X-CSRF-Token": csrf}, data={"csrf_token": csrf})


def test_every_route_answers_403_exactly_as_the_matrix_says(app, web_db) -> None:  # type: ignore[no-untyped-def]
    found, unlisted = routes(app)
    assert not unlisted, f"routes without a permission and not listed as public: {unlisted}"
    assert sum(1 for _, path, _ in found if path.startswith("/api/v1/")) >= 26

    mismatches: list[str] = []
    calls = 0
    for role in Role:
        bearer = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        bearer.headers["Authorization"] = f"Bearer {issue_token(web_db, role.value, 'matrix')}"
        browser = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        signed_in = browser.post("/login", data={"username": role.value, "password": password(role.value)})
        assert signed_in.status_code == 303, signed_in.text
        staff = session_staff(web_db, browser.cookies[SESSION_COOKIE])
        assert staff is not None
        for method, path, permission in found:
            if (method, path) in PUBLIC or (method, path) == ("POST", "/logout"):
                continue
            client = bearer if path.startswith("/api/") else browser
            answer = call(client, method, path, csrf=staff.csrf_token)
            calls += 1
            expected = permission is not None and permission not in MATRIX[role]
            if (answer.status_code == 403) != expected or answer.status_code >= 500:
                mismatches.append(
                    f"{role.value} {method} {path}: {answer.status_code} (permission {permission})"
                )
        bearer.close()
        browser.close()
    print(f"\npermission matrix: {calls} calls, {len(mismatches)} mismatches")
    assert not mismatches, "\n".join(mismatches)


def test_anonymous_callers_are_sent_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    found, _ = routes(app)
    anonymous = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    wrong: list[str] = []
    for method, path, _permission in found:
        if (method, path) in PUBLIC:
            continue
        answer = call(anonymous, method, path)
        if path.startswith("/api/"):
            ok = answer.status_code == 401 and answer.json()["error"]["code"] == "not_signed_in"
        elif method == "GET":
            ok = answer.status_code == 303 and answer.headers["location"].startswith("/login")
        else:
            ok = answer.status_code == 401 or answer.headers.get("location", "").startswith("/login")
        if not ok:
            wrong.append(f"{method} {path}: {answer.status_code}")
    assert not wrong, wrong


def test_security_doc_prints_the_matrix() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert matrix_markdown() in text, "docs/security.md must contain anxin.domain.access.matrix_markdown()"
