"""Life policies for service staff (保全): find a policy, read it, quote it, submit a request.

The list searches by policy number and filters by status. A policy's page shows the contract, the
parties (ID numbers masked only), the beneficiaries, the loan with its interest to the chosen day,
the loan and surrender quotes of that day with their explanation lines, the status history with what
caused each change, the ledger events and the requests. One request form serves every kind: the kind
and channel selects, plus the fields each kind needs (amount for a loan or repayment, phone and address
for a contact change, the new beneficiaries, the new policyholder, the policy year of a survival
benefit). After a request the page shows its result and explanation; a refusal shows the reason in
Chinese and English and keeps what was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError, InvalidInput
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.requests import Channel, RequestKind
from anxin.domain.money import parse_ratio_bp, parse_yuan
from anxin.services import policy_view, servicing_requests
from anxin.services.life_labels import CAUSES, enum_label, event_label, status_label
from anxin.services.users import Staff
from anxin.web.errors import status_of
from anxin.web.pages.common import PAGE_SIZE, after_change, clamp_page, pages
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()
#: The form's fields; each kind uses some of them.
FORM_FIELDS = ("kind", "channel", "day", "amount", "phone", "address", "beneficiaries", "policyholder_no",
               "insured_consent", "policy_year")  # fmt: skip


def form_day(text: str) -> dt.date | None:
    """A day typed in a form or a query like 2024-01-05; none when empty (the callbacks page reads its
    days with this too)."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidInput(f"日期格式应为 2024-01-05：{text[:20]}", f"write the date as 2024-01-05: {text[:20]}",
                           code="invalid_date") from None  # fmt: skip


def _day(text: str) -> dt.date:
    return form_day(text) or dt.date.today()


def _beneficiaries(text: str) -> list[dict[str, Any]]:
    """Lines ``name, person number (may be empty), order, share %`` → the request's beneficiaries."""
    found = []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        cells = [c.strip() for c in line.replace("，", ",").split(",")]
        if len(cells) != 4:
            raise InvalidInput(
                f"受益人第 {number} 行应为「姓名, 人员编号, 顺序, 份额%」",
                f"beneficiary line {number} should be 'name, person number, order, share %'",
                code="invalid_beneficiary_line",
            )
        name, person_no, order, share = cells
        try:
            share_bp = parse_ratio_bp(share if share.endswith("%") else f"{share}%") if share else 0
            entry: dict[str, Any] = {"name": name, "order": int(order), "share_bp": share_bp}
        except (ValueError, AnxinError):
            raise InvalidInput(
                f"受益人第 {number} 行的顺序或份额不是数字", f"beneficiary line {number}: order or share is not a number",
                code="invalid_beneficiary_line",
            ) from None  # fmt: skip
        if person_no:
            entry["person_no"] = person_no
        found.append(entry)
    return found


def request_details(kind: RequestKind, form: dict[str, str]) -> dict[str, Any]:
    """The request's ``details`` from the form's fields for ``kind``."""
    consent = form.get("insured_consent") in ("1", "on", "true", "yes")
    if kind in (RequestKind.LOAN, RequestKind.REPAYMENT):
        return {"amount_fen": parse_yuan(form.get("amount") or "0")}
    if kind is RequestKind.CONTACT_CHANGE:
        return {k: form[k].strip() for k in ("phone", "address") if form.get(k, "").strip()}
    if kind is RequestKind.BENEFICIARY_CHANGE:
        return {"beneficiaries": _beneficiaries(form.get("beneficiaries", "")), "insured_consent": consent}
    if kind is RequestKind.POLICYHOLDER_CHANGE:
        return {"policyholder_no": form.get("policyholder_no", "").strip(), "insured_consent": consent}
    if kind is RequestKind.SURVIVAL_BENEFIT:
        year = form.get("policy_year", "").strip()
        return {"policy_year": int(year) if year.isdigit() else 0}
    return {}


def _quotes(request: Request, policy_no: str, day: dt.date) -> Any:
    try:
        return servicing_requests.quote_policy(database(request), policy_no, day)
    except AnxinError as error:  # the page still shows the policy; the quote's reason in its place
        return error


@router.get("/policies")
def policy_list(
    request: Request,
    staff: Annotated[Staff, require(Permission.POLICIES_READ)],
    policy_no: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
) -> Response:
    number, chosen = policy_no.strip(), status if status in set(PolicyStatus) else ""
    db = database(request)
    _, total = policy_view.find_policies(db, policy_no=number or None, status=chosen or None, limit=1)
    page = clamp_page(page, total)
    rows, total = policy_view.find_policies(db, policy_no=number or None, status=chosen or None,
                                            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    context = {"rows": rows, "total": total, "page": page, "page_count": pages(total), "policy_no": number,
               "status": chosen, "statuses": list(PolicyStatus),
               "status_label": status_label}  # fmt: skip
    return render(request, "policies.html", context)


def _policy_page(
    request: Request, policy_no: str, day: dt.date, *, status_code: int = 200, **extra: Any
) -> Response:
    detail = policy_view.policy_detail(database(request), policy_no, day)
    context = {
        "policy": detail,
        "day": day,
        "quotes": _quotes(request, policy_no, day),
        "kinds": list(RequestKind),
        "channels": list(Channel),
        "form": {"day": day.isoformat()},
        "status_label": status_label,
        "event_label": event_label,
        "causes": CAUSES,
        "kind_of": enum_label(RequestKind),
        "channel_of": enum_label(Channel),
        **extra,
    }
    response = render(request, "policy.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/policies/{policy_no}")
def policy_page(
    request: Request,
    policy_no: str,
    staff: Annotated[Staff, require(Permission.POLICIES_READ)],
    day: Annotated[str, Query(max_length=20)] = "",
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return _policy_page(request, policy_no[:40], _day(day), done=done)


@router.post("/policies/{policy_no}/requests")
def submit_request(
    request: Request,
    policy_no: str,
    staff: Annotated[Staff, require(Permission.SERVICING_REQUEST)],
    kind: Annotated[str, Form(max_length=40)] = "",
    channel: Annotated[str, Form(max_length=12)] = "",
    day: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    beneficiaries: Annotated[str, Form(max_length=2000)] = "",
    policyholder_no: Annotated[str, Form(max_length=40)] = "",
    insured_consent: Annotated[str, Form(max_length=8)] = "",
    policy_year: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    policy_no = policy_no[:40]
    form = {"kind": kind, "channel": channel, "day": day, "amount": amount, "phone": phone, "address": address,
            "beneficiaries": beneficiaries, "policyholder_no": policyholder_no, "insured_consent": insured_consent,
            "policy_year": policy_year}  # fmt: skip
    try:
        chosen_kind, chosen_channel = (
            form_choice(RequestKind, kind, "保全项目", "kind"),
            form_choice(Channel, channel, "渠道", "channel"),
        )
        result = servicing_requests.submit_request(
            database(request), policy_no, chosen_kind, channel=chosen_channel, day=_day(day),
            actor=staff.username, details=request_details(chosen_kind, form),
        )  # fmt: skip
    except AnxinError as error:
        shown = _safe_day(day)
        return _policy_page(request, policy_no, shown, status_code=status_of(error), error=error, form=form)
    url = f"/policies/{quote(policy_no, safe='')}?day={result.day.isoformat()}&done={quote(result.request_no, safe='')}"
    return after_change(
        request, url, lambda: _policy_page(request, policy_no, result.day, done=result.request_no)
    )


def _safe_day(text: str) -> dt.date:
    try:
        return _day(text)
    except InvalidInput:
        return dt.date.today()


def form_choice(enum: Any, value: str, zh: str, en: str) -> Any:
    """The member of ``enum`` chosen in a form; none chosen → :class:`InvalidInput` (请选择…)."""
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(f"请选择{zh}", f"choose the {en}", code=f"invalid_{en}") from None
