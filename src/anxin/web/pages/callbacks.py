"""New-policy callbacks (新契约回访) for service staff: the tasks (open by default; overdue on a day),
and the form recording a callback of a policy: the channel, the day and the seven confirmations.

A callback with every point confirmed completes the task; otherwise it is an attempt, the task stays
open and the page lists the points not confirmed. A refusal (no task, a task no longer open) shows
the reason in Chinese and English and keeps what was ticked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from anxin.domain.access import Permission
from anxin.domain.errors import AnxinError, InvalidInput
from anxin.domain.life.callbacks import CONFIRMATIONS, CallbackChannel, CallbackStatus, missing_confirmations
from anxin.services import callbacks
from anxin.services.users import Staff
from anxin.web.errors import status_of
from anxin.web.pages.common import PAGE_SIZE, after_change, clamp_page, pages
from anxin.web.pages.policies import form_choice, form_day
from anxin.web.security import database, require
from anxin.web.templating import render

router = APIRouter()


def _page(
    request: Request,
    *,
    status: str,
    overdue: str,
    page: int,
    region: str = "",
    form: dict[str, Any],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    db = database(request)
    overdue_on = form_day(overdue)
    chosen = status if status in set(CallbackStatus) else None
    filters = {"status": chosen, "overdue_on": overdue_on, "region": region or None}
    _, total = callbacks.callback_tasks(db, **filters, limit=1)
    page = clamp_page(page, total)
    rows, total = callbacks.callback_tasks(db, **filters, limit=PAGE_SIZE,
                                           offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    context = {
        "rows": rows, "total": total, "page": page, "page_count": pages(total), "status": chosen or "",
        "overdue": overdue, "region": region, "statuses": list(CallbackStatus), "channels": list(CallbackChannel),
        "confirmations": CONFIRMATIONS, "form": form, "today": dt.date.today(), **extra,
    }  # fmt: skip
    response = render(request, "callbacks.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/callbacks")
def callback_page(
    request: Request,
    staff: Annotated[Staff, require(Permission.CALLBACKS_RECORD)],
    status: Annotated[str, Query(max_length=12)] = "open",
    overdue_on: Annotated[str, Query(max_length=20)] = "",
    region: Annotated[str, Query(max_length=12)] = "",
    policy: Annotated[str, Query(max_length=40)] = "",
    recorded: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
) -> Response:
    found = callbacks.callback_task(database(request), recorded[:40]) if recorded else None
    return _page(request, status=status, overdue=overdue_on, page=page, region=region.strip(), form={"policy_no": policy[:40]},
                 recorded=found, missing=missing_confirmations(found.confirmations) if found else [])  # fmt: skip


@router.post("/callbacks")
def record_callback(
    request: Request,
    staff: Annotated[Staff, require(Permission.CALLBACKS_RECORD)],
    policy_no: Annotated[str, Form(max_length=40)] = "",
    channel: Annotated[str, Form(max_length=12)] = "",
    day: Annotated[str, Form(max_length=20)] = "",
    confirmed: Annotated[list[str] | None, Form(max_length=len(CONFIRMATIONS))] = None,
) -> Response:
    ticked = [c for c in confirmed or [] if c]
    form = {"policy_no": policy_no.strip(), "channel": channel, "day": day, "confirmed": ticked}
    try:
        chosen = form_choice(CallbackChannel, channel, "回访方式", "channel")
        if not form["policy_no"]:
            raise InvalidInput("请填写保单号", "enter the policy number", code="invalid_policy_no")
        view = callbacks.record_callback(
            database(request), form["policy_no"], channel=chosen, day=form_day(day) or dt.date.today(),
            confirmations={column: True for column in ticked}, actor=staff.username,
        )  # fmt: skip
    except AnxinError as error:
        return _page(
            request, status="open", overdue="", page=1, form=form, status_code=status_of(error), error=error
        )
    url = f"/callbacks?recorded={quote(view.policy_no, safe='')}"
    return after_change(
        request,
        url,
        lambda: _page(
            request,
            status="open",
            overdue="",
            page=1,
            form={},
            recorded=view,
            missing=missing_confirmations(view.confirmations),
        ),
    )
