"""Programs: the shipped catalogue, one program's versions, sources and parameters, and two versions
side by side with the changed parameters marked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.services.program_catalogue import catalogue, diff_versions, program_info, version_parameters
from anxin.services.users import Staff
from anxin.web.pages.common import shipped
from anxin.web.security import require
from anxin.web.templating import render

router = APIRouter()


@router.get("/programs")
def programs(request: Request, staff: Annotated[Staff, require(Permission.PROGRAMS_READ)]) -> Response:
    return render(request, "programs.html", {"programs": catalogue()})


@router.get("/programs/{code}")
def program(
    request: Request, code: str, staff: Annotated[Staff, require(Permission.PROGRAMS_READ)]
) -> Response:
    loaded = shipped(code)
    info = program_info(loaded)
    parameters = {v.version: version_parameters(loaded, v.version) for v in info.versions}
    return render(request, "program.html", {"info": info, "parameters": parameters})


@router.get("/programs/{code}/diff")
def diff(
    request: Request,
    code: str,
    staff: Annotated[Staff, require(Permission.PROGRAMS_READ)],
    a: str = "",
    b: str = "",
) -> Response:
    """Version ``a`` beside version ``b`` (by default the one before the latest, and the latest)."""
    loaded = shipped(code)
    info = program_info(loaded)
    labels = [v.version for v in info.versions]
    a = a if a in labels else labels[max(len(labels) - 2, 0)]
    b = b if b in labels else labels[-1]
    rows = diff_versions(loaded, a, b)
    context = {
        "info": info,
        "labels": labels,
        "a": a,
        "b": b,
        "rows": rows,
        "changed": sum(1 for row in rows if row.changed),
    }
    return render(request, "program_diff.html", context)
