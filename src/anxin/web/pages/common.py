"""What the page modules share: paging, shipped programs by code, and answering a form.

A form that changes data is answered with the page itself (status 200, or the error's status with
the message in the page) when htmx sent it or it carries an ``Idempotency-Key`` (so a replayed
answer is a whole page), and otherwise with a redirect to the page that shows the result
(post/redirect/get, so reloading does not send the form again).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from anxin.domain.errors import NotFound
from anxin.domain.programs import Program
from anxin.domain.vulnerability import VulnerableGroup
from anxin.services.reports import Share
from anxin.store import program_files

PAGE_SIZE = 50
_CODE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")

#: Hospital tiers (``hosp_lv``) in both languages.
TIER_NAMES = {
    "1": ("一级医院", "tier 1 hospital"),
    "2": ("二级医院", "tier 2 hospital"),
    "3": ("三级医院", "tier 3 hospital"),
}


def pages(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def clamp_page(page: int, total: int, size: int = PAGE_SIZE) -> int:
    return min(max(page, 1), pages(total, size))


def valid_code(code: str) -> bool:
    return bool(_CODE.fullmatch(code))


def shipped(code: str) -> Program:
    """A shipped program by its code (never a path), or :class:`NotFound`."""
    programs = program_files.shipped_programs(program_files.SHIPPED_DIR) if valid_code(code) else {}
    if code not in programs:
        raise NotFound(f"没有该方案：{code[:64]}", f"no such program: {code[:64]}", code="unknown_program")
    return programs[code]


def program_names(codes: set[str]) -> dict[str, tuple[str, str]]:
    """Chinese and English names of the given program codes (the code itself when not shipped)."""
    known = program_files.shipped_programs(program_files.SHIPPED_DIR)
    return {
        code: (known[code].name_zh, known[code].name_en) if code in known else (code, code) for code in codes
    }


def from_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def answered_in_place(request: Request) -> bool:
    """Whether a form's answer should be the page itself rather than a redirect."""
    return from_htmx(request) or bool(request.headers.get("idempotency-key"))


def after_change(request: Request, url: str, page: Callable[[], Response]) -> Response:
    """The page (htmx or idempotent request) or a redirect to ``url`` (a plain form)."""
    if answered_in_place(request):
        response = page()
        if from_htmx(request):
            response.headers["HX-Push-Url"] = url
        return response
    return RedirectResponse(url, status_code=303)


def share_label(kind: str, share: Share, lang: str) -> str:
    """A breakdown row's name: Chinese as the report has it; in English, tiers and groups translated
    (city names stay as written)."""
    if lang != "en" or kind == "city":
        return share.label
    if kind == "tier":
        names = TIER_NAMES.get(share.key)
        return names[1] if names else (f"other {share.key}" if share.key else "unknown")
    if not share.key:
        return "general"
    try:
        return VulnerableGroup(share.key).value.replace("_", " ")
    except ValueError:
        return share.key
