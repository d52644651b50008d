"""Long-term care (长期护理保险): one care bill result line with its bill, explained step by step in the
page's language (as ``anxin care explain`` prints it), linked from the person's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import NotFound
from anxin.services.care_adjudication import explained_line
from anxin.services.care_reports import care_line
from anxin.services.users import Staff
from anxin.web.i18n import language
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()


@router.get("/care-lines/{line_id}")
def care_line_page(
    request: Request, line_id: int, staff: Annotated[Staff, require(Permission.SETTLEMENTS_READ)]
) -> Response:
    db = database(request)
    line = care_line(db, line_id) if 1 <= line_id < 2**63 else None
    if line is None:
        raise NotFound(f"没有编号为 {line_id} 的护理账单结果", f"no care bill result with id {line_id}")
    zh, en = explained_line(db, line_id)
    lines = en if language(request) == "en" else zh
    response = render(request, "care_line.html", {"line": line, "lines": lines})
    response.headers["Cache-Control"] = "no-store"
    return response
