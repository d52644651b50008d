"""Every state-changing API call carries an ``Idempotency-Key``: a retry acts once.

Applied to POST, PUT, PATCH and DELETE under ``/api/`` (and to any page request that sends the
header, as the web forms do). A repeated key with the same request gets the first answer again,
marked ``Idempotent-Replayed: true``; the same key with another request is refused (409).

Two POSTs are exempt (:data:`EXEMPT`): a person search, which changes nothing (it is a POST only to
keep names and ID numbers out of URLs), and showing a full ID number, whose answer must never be
stored here in the clear; each such view is audited anew.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from anxin.domain.errors import AnxinError
from anxin.services import idempotency
from anxin.web.errors import error_body, status_of
from anxin.web.security import identify

CHANGING = ("POST", "PUT", "PATCH", "DELETE")
HEADER = "idempotency-key"
EXEMPT = (re.compile(r"/api/v1/persons/search"), re.compile(r"/api/v1/persons/[^/]+/reveal-id"))


class IdempotencyMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        api = request.url.path.startswith("/api/")
        key = request.headers.get(HEADER)
        if request.method not in CHANGING or not (api or key):
            return await call_next(request)
        if any(pattern.fullmatch(request.url.path) for pattern in EXEMPT):
            return await call_next(request)
        staff = identify(request)
        if staff is None:
            return await call_next(request)  # the endpoint answers 401
        if not key:
            return JSONResponse(
                error_body(
                    "idempotency_key_required",
                    "改变数据的请求须带 Idempotency-Key 请求头",
                    "a state-changing request needs an Idempotency-Key header",
                ),
                status_code=428,
            )
        db = request.app.state.db
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        digest = idempotency.request_digest(request.method, path, await request.body())
        try:
            claimed = idempotency.claim(db, staff.id, key, request.method, path, digest)
        except AnxinError as error:
            return JSONResponse(error_body(error.code, error.zh, error.en), status_code=status_of(error))
        if isinstance(claimed, idempotency.StoredAnswer):
            return Response(
                claimed.body,
                status_code=claimed.status_code,
                media_type="application/json" if api else "text/html; charset=utf-8",
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = await call_next(request)
            body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        except Exception:
            idempotency.release(db, claimed)
            raise
        if response.status_code >= 500:
            idempotency.release(db, claimed)
        else:
            idempotency.store_answer(db, claimed, response.status_code, body.decode("utf-8", "replace"))
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(body, status_code=response.status_code, headers=headers)
