"""Persons: searching (by POST, so no ID number or name ever appears in a URL), a person's page with
masked ID, enrolments, statuses, settlements and their explanations, and the audited full-ID view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError
from anxin.domain.vulnerability import VulnerableGroup
from anxin.services.care_reports import person_care_lines
from anxin.services.persons import person_detail, reveal_id, search_persons
from anxin.services.review import flaggable_lines
from anxin.services.stored_explanations import explain_stored
from anxin.services.users import Staff
from anxin.synth.regions import SHANDONG_CITIES
from anxin.web.errors import status_of
from anxin.web.i18n import language
from anxin.web.pages.common import PAGE_SIZE, clamp_page, from_htmx, pages, shipped
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()

FUNDER_NAMES = {
    "government": ("政府资助", "government"),
    "individual": ("个人缴费", "individual"),
    "donor": ("社会捐助", "donor"),
    "employer": ("单位缴费", "employer"),
}
SEX_NAMES = {"male": ("男", "male"), "female": ("女", "female")}
NO_STORE = {"Cache-Control": "no-store"}


def _private(response: Response) -> Response:
    """Pages with personal data are not kept by the browser's or a proxy's cache."""
    response.headers.update(NO_STORE)
    return response


def _names() -> dict[str, Any]:
    return {
        "funder_names": FUNDER_NAMES,
        "sex_names": SEX_NAMES,
        "group_names": {g.value: (g.label_zh, g.value.replace("_", " ")) for g in VulnerableGroup},
        "city_of": lambda code: SHANDONG_CITIES.get(f"{code[:4]}00", "") if code else "",
    }


@router.get("/persons")
def search_page(request: Request, staff: Annotated[Staff, require(Permission.PERSONS_READ)]) -> Response:
    return _private(render(request, "persons.html", {"form": {}, "results": None}))


@router.post("/persons")
def search(
    request: Request,
    staff: Annotated[Staff, require(Permission.PERSONS_READ)],
    id_number: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    region: Annotated[str, Form(max_length=12)] = "",
    page: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    form = {"id_number": id_number, "name": name, "region": region}
    db = database(request)
    try:
        rows, total = search_persons(
            db,
            id_number=id_number,
            name=name,
            region=region,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    except AnxinError as error:
        context = {"form": form, "results": None, "error": error}
        return _private(render(request, "persons.html", context, status_code=status_of(error)))
    context = {
        "form": form,
        "results": rows,
        "total": total,
        "page": clamp_page(page, total),
        "page_count": pages(total),
        **_names(),
    }
    return _private(render(request, "persons.html", context))


def _person_page(request: Request, person_id: int, **extra: Any) -> Response:
    db = database(request)
    detail = person_detail(db, person_id)
    status_code = extra.pop("status_code", 200)
    context = {
        "detail": detail,
        "person": detail.person,
        "flaggable": flaggable_lines(db, person_id),  # approved, unpaid lines: linked to be flagged
        "care_lines": person_care_lines(db, person_id),
        **_names(),
        **extra,
    }
    return _private(render(request, "person.html", context, status_code=status_code))


@router.get("/persons/{person_id}")
def person(
    request: Request, person_id: int, staff: Annotated[Staff, require(Permission.PERSONS_READ)]
) -> Response:
    return _person_page(request, person_id)


@router.post("/persons/{person_id}/reveal")
def reveal(
    request: Request,
    person_id: int,
    staff: Annotated[Staff, require(Permission.PERSONS_REVEAL_ID)],
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The full ID number, shown once in this answer (never stored in a page cache); the view is
    written to the audit trail by the service, with the purpose. A request carrying an
    Idempotency-Key is refused: its answer would be kept, number and all, for replaying."""
    if request.headers.get("idempotency-key"):
        error = AnxinError(
            "查看完整证件号的请求不能带 Idempotency-Key（其结果不得保存）",
            "a request to see a full ID number cannot carry an Idempotency-Key (its answer must not be kept)",
            code="idempotency_key_not_allowed",
        )
        return _person_page(request, person_id, reveal_error=error, status_code=400)
    try:
        number = reveal_id(database(request), person_id, actor=staff.username, purpose=purpose)
    except AnxinError as error:
        return _person_page(request, person_id, reveal_error=error, status_code=status_of(error))
    return _person_page(request, person_id, revealed=number)


@router.get("/settlements/{setl_id}/explanation")
def explanation(
    request: Request,
    setl_id: str,
    staff: Annotated[Staff, require(Permission.SETTLEMENTS_READ)],
    program: str = "",
) -> Response:
    """How a stored payout was computed, line by line in the page's language (a fragment for htmx)."""
    template = "_explanation.html" if from_htmx(request) else "explanation.html"
    try:
        explained = explain_stored(database(request), shipped(program), setl_id)
    except AnxinError as error:
        context = {"explained": None, "setl_id": setl_id, "error": error}
        return render(request, template, context, status_code=status_of(error))
    context = {"explained": explained, "setl_id": setl_id, "lines": explained.lines(language(request))}
    return render(request, template, context)
