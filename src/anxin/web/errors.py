"""How errors reach a caller: JSON with a stable code and Chinese/English messages under ``/api``,
a page (or the sign-in page) in the browser. Nothing sensitive is echoed back."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from anxin.domain.errors import AnxinError, Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn

log = logging.getLogger("anxin.web")

STATUS: list[tuple[type[AnxinError], int]] = [
    (NotSignedIn, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
]


def status_of(error: AnxinError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 400)


def error_body(code: str, zh: str, en: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": zh, "message_en": en, **extra}}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI) -> None:
    from anxin.web.templating import render  # pages only; avoids a cycle at import

    @app.exception_handler(AnxinError)
    async def anxin_error(request: Request, error: AnxinError) -> Response:
        status = status_of(error)
        if _wants_json(request):
            extra: dict[str, object] = {}
            problems = getattr(error, "problems", None)
            if problems:
                extra["problems"] = [
                    {
                        "row": p.row,
                        "column": p.column,
                        "value": p.value,
                        "reason": p.reason_zh,
                        "reason_en": p.reason_en,
                    }
                    for p in problems[:100]
                ]
            return JSONResponse(error_body(error.code, error.zh, error.en, **extra), status_code=status)
        if isinstance(error, NotSignedIn) and request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render(request, "error.html", {"error": error}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        fields = [
            {"location": [str(part) for part in e.get("loc", ())], "reason": str(e.get("msg", ""))}
            for e in error.errors()
        ]
        body = error_body(
            "invalid_request", "请求内容不符合接口要求", "the request does not match the API", fields=fields
        )
        if _wants_json(request):
            return JSONResponse(body, status_code=422)
        return render(
            request,
            "error.html",
            {"error": AnxinError("请求内容不符合要求", "the request is not valid", code="invalid_request")},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        zh, en = {404: ("未找到", "not found"), 405: ("不支持该方法", "method not allowed")}.get(
            error.status_code, ("请求无法处理", "the request cannot be handled")
        )
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        if _wants_json(request):
            return JSONResponse(error_body(code, zh, en), status_code=error.status_code)
        return render(
            request, "error.html", {"error": AnxinError(zh, en, code=code)}, status_code=error.status_code
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error on %s %s: %s", request.method, request.url.path, type(error).__name__)
        body = error_body(
            "internal_error", "系统内部错误，请联系管理员", "internal error; contact the administrator"
        )
        return JSONResponse(body, status_code=500)
