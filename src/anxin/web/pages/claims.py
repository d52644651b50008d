"""Entering a group-cover claim (理赔登记) and a claim's page.

The form: choose the program, then the claim type (htmx swaps the rest of the form in place; without
JavaScript a "choose" button reloads it); the documents checklist of that type appears as tick boxes;
the person by personnel number or ID number; the dates, amount, grades or disease the type needs.
The answer is the claim's page: the claim, the documents received and missing, and its result lines
explained once a claims run has judged it. An ID number typed into the form is never shown again,
not even when the form comes back with an error (answers to forms may be stored for replays).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError
from anxin.domain.programs import ProgramKind
from anxin.services import claim_documents
from anxin.services.claim_view import claim_detail
from anxin.services.claims_intake import ClaimEntry, enter_claim
from anxin.services.users import Staff
from anxin.web.errors import status_of
from anxin.web.pages.common import after_change
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()

#: Per claim type, the fields the form asks for: (field, Chinese label, English label, required).
FIELDS: dict[str, list[tuple[str, str, str, bool]]] = {
    "death": [
        ("accident_on", "事故日期", "date of the accident", True),
        ("due_on", "身故日期", "date of death", True),
    ],
    "disability": [
        ("accident_on", "事故日期", "date of the accident", True),
        ("due_on", "伤残鉴定日期", "date of the assessment", True),
        ("grades", "伤残等级（多处以逗号分隔）", "disability grades (several: 3,5)", True),
    ],
    "accident_medical": [
        ("accident_on", "事故日期", "date of the accident", True),
        ("due_on", "就诊（结算）日期", "date of treatment", True),
        ("expense", "医保报销后自付医疗费用（元）", "cost left after social insurance (yuan)", True),
        ("basic_insurance", "有基本医保", "has basic medical insurance", False),
    ],
    "hospital_allowance": [
        ("accident_on", "事故日期（疾病住院不填）", "date of the accident (empty: illness)", False),
        ("admitted_on", "入院日期", "admitted on", True),
        ("discharged_on", "出院日期", "discharged on", True),
        ("due_on", "申请日期（一般为出院日期）", "date due (usually the discharge)", True),
    ],
    "illness_hospital": [
        ("admitted_on", "入院日期", "admitted on", True),
        ("discharged_on", "出院日期", "discharged on", False),
        ("due_on", "出院（结算）日期", "date of the discharge or settlement", True),
        ("expense", "医保报销后自付医疗费用（元）", "cost left after basic insurance (yuan)", True),
        ("basic_insurance", "有基本医保", "has basic medical insurance", False),
    ],
    "specified_disease": [
        ("due_on", "确诊日期", "date of the diagnosis", True),
        ("disease_code", "疾病", "disease", True),
    ],
}
DATES = {"due_on", "accident_on", "admitted_on", "discharged_on"}


def _form_context(program_code: str, claim_type: str, form: dict[str, Any]) -> dict[str, Any]:
    programs = claim_documents.claims_programs()
    chosen = next((p for p in programs if p.code == program_code), None)
    checklist = claim_documents.checklist(chosen.code) if chosen else None
    current = checklist.of(claim_type) if checklist else None
    if checklist and current is None and len(checklist.claim_types) == 1:
        current = checklist.claim_types[0]
    diseases = []
    if chosen is not None and chosen.kind is ProgramKind.SPECIFIED_DISEASE:
        diseases = list(chosen.versions[-1].parameters.diseases)  # type: ignore[attr-defined]
    return {
        "programs": programs,
        "program": chosen,
        "checklist": checklist,
        "current": current,
        "fields": FIELDS.get(current.claim_type, []) if current else [],
        "dates": DATES,
        "documents": claim_documents.labelled(current.documents) if current else [],
        "diseases": diseases,
        "form": form,
    }


@router.get("/claims/new")
def new_claim(
    request: Request,
    staff: Annotated[Staff, require(Permission.CLAIMS_ENTER)],
    program: Annotated[str, Query(max_length=64)] = "",
    claim_type: Annotated[str, Query(max_length=24)] = "",
) -> Response:
    return render(request, "claim_new.html", _form_context(program, claim_type, {}))


@router.post("/claims/new")
def submit_claim(
    request: Request,
    staff: Annotated[Staff, require(Permission.CLAIMS_ENTER)],
    program_code: Annotated[str, Form(max_length=64)] = "",
    claim_type: Annotated[str, Form(max_length=24)] = "",
    claim_no: Annotated[str, Form(max_length=40)] = "",
    psn_no: Annotated[str, Form(max_length=40)] = "",
    certno: Annotated[str, Form(max_length=32)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    accident_on: Annotated[str, Form(max_length=20)] = "",
    admitted_on: Annotated[str, Form(max_length=20)] = "",
    discharged_on: Annotated[str, Form(max_length=20)] = "",
    grades: Annotated[str, Form(max_length=40)] = "",
    expense: Annotated[str, Form(max_length=20)] = "",
    disease_code: Annotated[str, Form(max_length=40)] = "",
    basic_insurance: Annotated[str, Form(max_length=8)] = "",
    documents: Annotated[list[str] | None, Form(max_length=20)] = None,
) -> Response:
    received = tuple(documents or ())
    entry = ClaimEntry(
        program_code=program_code, claim_no=claim_no, claim_type=claim_type, psn_no=psn_no,
        certno=certno, due_on=due_on, accident_on=accident_on, admitted_on=admitted_on,
        discharged_on=discharged_on, grades=grades, expense=expense, disease_code=disease_code,
        basic_insurance=basic_insurance, documents=received,
    )  # fmt: skip
    try:
        result = enter_claim(database(request), entry, channel="web", actor=staff.username)
    except AnxinError as error:
        # Everything typed comes back except the ID number (it must not be stored in a replayed answer).
        form = {k: v for k, v in vars(entry).items() if k != "certno"} | {"documents": received}
        problems = {p.column: p for p in getattr(error, "problems", [])}
        context = _form_context(program_code, claim_type, form) | {"error": error, "problems": problems}
        return render(request, "claim_new.html", context, status_code=status_of(error))
    entered = "new" if result.created else "again"
    url = f"/claims/{quote(result.claim_no, safe='')}?entered={entered}"
    return after_change(request, url, lambda: _claim_page(request, result.claim_no, notice=ENTERED[entered]))


#: What the claim page says after the form (``?entered=``, so a plain form's redirect says it too).
ENTERED = {
    "new": {"zh": "已登记理赔", "en": "claim entered"},
    "again": {"zh": "该赔案此前已登记，未作改动", "en": "already entered; nothing changed"},
}


def _claim_page(request: Request, claim_no: str, **extra: Any) -> Response:
    claim = claim_detail(database(request), claim_no)
    response = render(request, "claim.html", {"claim": claim, **extra})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/claims/{claim_no}")
def claim_page(
    request: Request,
    claim_no: str,
    staff: Annotated[Staff, require(Permission.SETTLEMENTS_READ)],
    entered: str = "",
) -> Response:
    return _claim_page(request, claim_no[:40], notice=ENTERED.get(entered))
