"""New-policy callbacks (新契约回访): the tasks (open, done, closed; overdue ones by day) and recording
a callback of a policy with its channel and the seven confirmations.

A callback with every point confirmed completes the task; with any point unconfirmed it is an attempt
and the task stays open. A retried POST with the same ``Idempotency-Key`` answers the first answer
and records once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.domain.life.callbacks import CONFIRMATIONS, CallbackChannel, CallbackStatus
from anxin.services import callbacks
from anxin.services.users import Staff
from anxin.services.views import fields_from
from anxin.web.api.common import ERRORS, Page, PageParams
from anxin.web.api.policies import PolicyNo
from anxin.web.security import database, require

router = APIRouter(tags=["callbacks 回访"], responses=ERRORS)
_POINTS = "；".join(f"{column} {zh}" for column, zh, _ in CONFIRMATIONS)


class CallbackOut(BaseModel):
    policy_no: str
    region_code: str
    product_code: str
    opened_on: dt.date
    due_on: dt.date = Field(description="犹豫期最后一日 / the last day of the cooling-off period")
    status: str = Field(description="open 待回访 | done 已完成 | closed 已关闭")
    channel: str | None
    done_on: dt.date | None
    attempts: int
    confirmations: dict[str, bool]
    closed_reason: str
    recorded_by: str


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: CallbackChannel = Field(description="electronic 电子化回访 | phone 电话回访")
    day: dt.date = Field(description="回访日 / the day of the callback")
    confirmations: dict[str, bool] = Field(description=f"七项确认 / the seven confirmations: {_POINTS}")


def callback_out(view: object) -> CallbackOut:
    return fields_from(CallbackOut, view)


@router.get("/callbacks", response_model=Page[CallbackOut], summary="回访任务 / callback tasks")
def tasks(
    request: Request,
    staff: Annotated[Staff, require(P.CALLBACKS_RECORD)],
    paging: PageParams,
    status: Annotated[CallbackStatus | None, Query(description="open | done | closed")] = None,
    overdue_on: Annotated[
        dt.date | None, Query(description="逾期：待回访且应访日早于该日 / open and due before this day")
    ] = None,
    region: Annotated[str, Query(max_length=12, description="行政区划（前缀）/ region prefix")] = "",
) -> Page[CallbackOut]:
    """回访任务，可按状态、逾期日、区划筛选。 Callback tasks by status, overdue day and region."""
    rows, total = callbacks.callback_tasks(database(request), status=status.value if status else None,
                                           overdue_on=overdue_on, region=region or None,
                                           limit=paging.limit, offset=paging.offset)  # fmt: skip
    return paging.page([callback_out(r) for r in rows], total)


@router.post(
    "/policies/{policy_no}/callback", response_model=CallbackOut, summary="登记回访 / record a callback"
)
def record(
    policy_no: PolicyNo,
    body: CallbackIn,
    request: Request,
    staff: Annotated[Staff, require(P.CALLBACKS_RECORD)],
) -> CallbackOut:
    """登记一次回访：七项全部确认则任务完成，否则记为一次尝试、任务仍待回访；任务不在待回访状态时 409。
    Records a callback: all seven confirmed completes the task, otherwise it is an attempt and stays
    open; a task that is not open answers 409."""
    view = callbacks.record_callback(database(request), policy_no, channel=body.channel,
                                     confirmations=body.confirmations, day=body.day, actor=staff.username)  # fmt: skip
    return callback_out(view)
