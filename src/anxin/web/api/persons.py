"""Insured persons: search (by a full or masked ID number, a name, a region), detail with the ID number
masked, and the audited view of a full ID number.

Search is a POST so that ID numbers and names never appear in a URL (URLs end up in access logs,
browser histories and proxies). It changes nothing and needs no ``Idempotency-Key``; neither does
showing a full ID number, whose answer is never stored anywhere (each view is audited anew).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.services import persons
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, IdPath, Page, PageParams, yuan
from anxin.web.security import database, require

router = APIRouter(prefix="/persons", tags=["persons 参保人"], responses=ERRORS)


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(
        "", max_length=32, description="完整或脱敏的证件号 / a full or masked ID number (3701**********123X)"
    )
    name: str = Field("", max_length=100, description="姓名（前缀）/ name, from the start")
    region: str = Field("", max_length=12, description="地区代码（前缀）/ region code, from the start")


class PersonOut(BaseModel):
    id: int
    id_masked: str
    name: str
    sex: str
    birth_date: dt.date
    region_code: str


class EnrolmentOut(BaseModel):
    program_code: str
    year: int
    funder: str
    premium_fen: int
    premium_yuan: str
    covered_from: dt.date
    covered_to: dt.date
    group_name: str | None


class StatusOut(BaseModel):
    group_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    source: str


class DueOut(BaseModel):
    program_code: str
    due_fen: int
    due_yuan: str


class SettlementBrief(BaseModel):
    setl_id: str
    setl_time: dt.datetime
    begndate: dt.date
    enddate: dt.date
    base_fen: int
    base_yuan: str
    hifmi_fen: int | None
    hifmi_yuan: str | None
    hosp_lv: str
    reverses_setl_id: str | None
    due: list[DueOut] = Field(description="各项目应赔（结果行之和）/ due per program (sum of its lines)")
    statuses: list[str]


class AccumulatorOut(BaseModel):
    program_code: str
    program_year: int
    ytd_fen: int
    ytd_yuan: str
    due_fen: int
    due_yuan: str
    settlements: int


class PersonDetailOut(PersonOut):
    phone_masked: str
    address: str
    groups: list[str]
    enrolments: list[EnrolmentOut]
    statuses: list[StatusOut]
    settlements: list[SettlementBrief]
    accumulators: list[AccumulatorOut]


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: str = Field(min_length=1, max_length=200, description="用途（记入审计）/ why (audited)")


class RevealOut(BaseModel):
    person_id: int
    id_number: str
    audited: bool = True


def _person(row: persons.PersonRow) -> PersonOut:
    return PersonOut(**vars(row))


def _enrolment(row: persons.EnrolmentRow) -> EnrolmentOut:
    return EnrolmentOut(**vars(row), premium_yuan=yuan(row.premium_fen) or "")


def _settlement(row: persons.SettlementRow) -> SettlementBrief:
    fields = {k: v for k, v in vars(row).items() if k not in ("due_fen", "statuses")}
    return SettlementBrief(
        **fields,
        base_yuan=yuan(row.base_fen) or "",
        hifmi_yuan=yuan(row.hifmi_fen),
        due=[
            DueOut(program_code=c, due_fen=f, due_yuan=yuan(f) or "") for c, f in sorted(row.due_fen.items())
        ],
        statuses=list(row.statuses),
    )


@router.post("/search", response_model=Page[PersonOut], summary="查找参保人 / search persons")
def search(
    body: SearchIn,
    request: Request,
    staff: Annotated[Staff, require(P.PERSONS_READ)],
    paging: PageParams,
) -> Page[PersonOut]:
    """至少给出证件号、姓名或地区之一；完整证件号按密钥哈希查找，不以明文比较。
    Give an ID number, a name or a region; a full ID number is looked up by its keyed hash."""
    rows, total = persons.search_persons(
        database(request),
        id_number=body.id_number,
        name=body.name,
        region=body.region,
        limit=paging.limit,
        offset=paging.offset,
    )
    return paging.page([_person(r) for r in rows], total)


@router.get("/{person_id}", response_model=PersonDetailOut, summary="参保人详情 / a person in full")
def detail(
    person_id: IdPath, request: Request, staff: Annotated[Staff, require(P.PERSONS_READ)]
) -> PersonDetailOut:
    """参保、困难人员身份、结算及各项目应赔、年度累计；证件号脱敏。
    Enrolments, vulnerable statuses, settlements with what each is due, accumulators; ID masked."""
    found = persons.person_detail(database(request), person_id)
    return PersonDetailOut(
        **_person(found.person).model_dump(),
        phone_masked=found.phone_masked,
        address=found.address,
        groups=list(found.groups),
        enrolments=[_enrolment(e) for e in found.enrolments],
        statuses=[StatusOut(**vars(s)) for s in found.statuses],
        settlements=[_settlement(s) for s in found.settlements],
        accumulators=[
            AccumulatorOut(**vars(a), ytd_yuan=yuan(a.ytd_fen) or "", due_yuan=yuan(a.due_fen) or "")
            for a in found.accumulators
        ],
    )


@router.get("/{person_id}/enrolments", response_model=Page[EnrolmentOut], summary="参保记录 / enrolments")
def enrolments(
    person_id: IdPath,
    request: Request,
    staff: Annotated[Staff, require(P.PERSONS_READ)],
    paging: PageParams,
) -> Page[EnrolmentOut]:
    found = persons.person_detail(database(request), person_id)
    return paging.slice([_enrolment(e) for e in found.enrolments])


@router.post(
    "/{person_id}/reveal-id",
    response_model=RevealOut,
    summary="查看完整证件号（留痕）/ see the full ID number (audited)",
)
def reveal_id(
    person_id: IdPath,
    body: RevealIn,
    request: Request,
    staff: Annotated[Staff, require(P.PERSONS_REVEAL_ID)],
) -> JSONResponse:
    """须说明用途；审计日志记录谁、何时、为何查看，从不记录号码本身。答复不缓存、不存储。
    A purpose is required; the audit trail records who, when and why, never the number. The answer
    is neither cached nor stored."""
    number = persons.reveal_id(database(request), person_id, actor=staff.username, purpose=body.purpose)
    answer = RevealOut(person_id=person_id, id_number=number)
    return JSONResponse(answer.model_dump(), headers={"Cache-Control": "no-store"})
