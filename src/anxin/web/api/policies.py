"""Life policies (保全) for service staff: find policies, read one in full (contract, parties with
masked IDs, beneficiaries, loan, status history, ledger events, requests), quote a loan, a surrender
and a reinstatement for a day, and submit a servicing request.

A request is submitted once per ``Idempotency-Key``: a retried POST answers the first answer again and
acts once. A refused request answers the refusal's status (404 no such policy, 409 the policy's state
does not allow it, 422 the details are not valid) with the reason in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.domain.life.requests import Channel, RequestKind
from anxin.services import policy_view, servicing_requests
from anxin.services.life_labels import event_label, status_label
from anxin.services.users import Staff
from anxin.services.views import fields_from
from anxin.web.api.common import ERRORS, Page, PageParams, yuan
from anxin.web.security import database, require

router = APIRouter(tags=["policies 保全"], responses=ERRORS)
POLICY_NO = r"^[^/\s]{1,40}$"
PolicyNo = Annotated[str, Path(pattern=POLICY_NO, description="保单号 / policy number")]


class PolicyListItem(BaseModel):
    policy_no: str
    product_code: str
    product_name_zh: str
    product_name_en: str
    policyholder_name: str
    policyholder_id_masked: str
    region_code: str
    sum_insured_fen: int
    premium_fen: int
    issue_date: dt.date
    status: str
    status_zh: str
    status_since: dt.date


class PartyOut(BaseModel):
    person_no: str
    name: str
    id_masked: str = Field(description="脱敏证件号 / the ID number masked")
    phone: str
    address: str


class BeneficiaryOut(BaseModel):
    name: str
    person_no: str
    id_masked: str
    order: int = Field(description="受益顺序 / order (1 shares first)")
    share_bp: int = Field(description="份额（基点，10000 = 100%）/ share in basis points")


class LoanOut(BaseModel):
    principal_fen: int
    start: dt.date
    maturity: dt.date
    rate_bp: int
    day: dt.date = Field(description="利息计至该日 / interest counted to this day")
    interest_fen: int
    debt_fen: int
    debt_yuan: str


class StatusChangeOut(BaseModel):
    day: dt.date
    status_from: str | None
    status_to: str
    event: str
    event_zh: str
    event_en: str
    cause: str = Field(description="import 导入 | run 日批 | request 保全申请")
    cause_ref: str = Field(description="导入批次、日批编号或申请号 / import id, run id or request number")


class EventOut(BaseModel):
    day: dt.date
    event: str
    event_zh: str
    event_en: str
    status_from: str | None
    status_to: str | None
    debit: str | None
    debit_zh: str
    credit: str | None
    credit_zh: str
    amount_fen: int
    amount_yuan: str
    cause: str = Field(description="run 日批 | request 保全申请")


class RequestOut(BaseModel):
    request_no: str
    policy_no: str
    kind: str
    kind_zh: str
    kind_en: str
    channel: str
    channel_zh: str
    status: str = Field(description="done 已办理 | refused 已拒绝")
    day: dt.date
    amount_fen: int
    amount_yuan: str
    due_by: dt.date | None = Field(description="应付客户款项的最迟日期 / money owed is paid by this day")
    lines_zh: list[str]
    lines_en: list[str]


class PolicyOut(BaseModel):
    policy_no: str
    product_code: str
    product_name_zh: str
    product_name_en: str
    sum_insured_fen: int
    premium_fen: int
    issue_date: dt.date
    received_on: dt.date
    agent_code: str
    region_code: str
    apl: bool = Field(description="自动垫交 / automatic premium loan chosen")
    status: str
    status_zh: str
    status_since: dt.date
    premiums_paid: int
    premium_credit_fen: int
    due_on: dt.date | None
    cover_to: dt.date | None
    suspended_on: dt.date | None
    last_run_day: dt.date | None = Field(
        description="日批已处理至 / the latest day the daily run serviced the policy"
    )
    policyholder: PartyOut
    insured: PartyOut
    beneficiaries: list[BeneficiaryOut]
    loan: LoanOut | None
    history: list[StatusChangeOut]
    events: list[EventOut] = Field(description="台账事件，最新在前 / ledger events, newest first")
    requests: list[RequestOut]


class QuoteOut(BaseModel):
    amount_fen: int
    amount_yuan: str
    lines_zh: list[str]
    lines_en: list[str]


class QuotesOut(BaseModel):
    policy_no: str
    day: dt.date
    status: str
    loan: QuoteOut | None = Field(description="可借金额；不可借款时为空 / the most that can be lent")
    surrender: QuoteOut | None = Field(description="退保金 / what a surrender pays")
    reinstatement: QuoteOut | None = Field(description="复效应交 / what reinstatement costs")


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: RequestKind = Field(description="保全项目 / the servicing item")
    channel: Channel = Field(description="申请渠道 / the channel the request came by")
    day: dt.date = Field(description="生效日 / the day it takes effect")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "contact_change {phone?, address?}; beneficiary_change {beneficiaries: [{name, person_no?, "
            "order, share_bp}], insured_consent}; policyholder_change {policyholder_no, insured_consent}; "
            "loan / repayment {amount_fen}; survival_benefit {policy_year}; others {}"
        ),
    )


def _status_zh(status: str) -> str:
    return status_label(status)[0]


def request_out(r: Any, policy_no: str) -> RequestOut:
    """A request (a service result or a stored row) as the API answers it."""
    kind, channel = RequestKind(r.kind), Channel(r.channel)
    return fields_from(
        RequestOut, r, policy_no=policy_no, kind=kind.value, kind_zh=kind.label_zh, kind_en=kind.label_en,
        channel=channel.value, channel_zh=channel.label_zh, status=str(r.status),
        amount_yuan=yuan(r.amount_fen) or "", lines_zh=list(r.lines_zh), lines_en=list(r.lines_en),
    )  # fmt: skip


def _quote(found: Any) -> QuoteOut | None:
    if found is None:
        return None
    return fields_from(QuoteOut, found, amount_yuan=yuan(found.amount_fen) or "", lines_zh=list(found.lines_zh),
                       lines_en=list(found.lines_en))  # fmt: skip


def _labelled_event(model: type[Any], row: Any, **given: Any) -> Any:
    zh, en = event_label(row.event)
    return fields_from(model, row, event_zh=zh, event_en=en, **given)


@router.get("/policies", response_model=Page[PolicyListItem], summary="保单列表 / find policies")
def policies(
    request: Request,
    staff: Annotated[Staff, require(P.POLICIES_READ)],
    paging: PageParams,
    policy_no: Annotated[str, Query(max_length=40, description="保单号（前缀）/ number prefix")] = "",
    status: Annotated[str, Query(max_length=16, description="保单状态 / status: in_force, grace …")] = "",
    region: Annotated[str, Query(max_length=12, description="行政区划（前缀）/ region prefix")] = "",
) -> Page[PolicyListItem]:
    """按保单号、状态、区划查找保单；投保人证件号脱敏。
    Policies by number, status and region; the policyholder's ID masked."""
    rows, total = policy_view.find_policies(database(request), policy_no=policy_no or None, status=status or None,
                                            region=region or None, limit=paging.limit, offset=paging.offset)  # fmt: skip
    return paging.page([fields_from(PolicyListItem, r, status_zh=_status_zh(r.status)) for r in rows], total)


@router.get("/policies/{policy_no}", response_model=PolicyOut, summary="保单详情 / a policy in full")
def detail(
    policy_no: PolicyNo,
    request: Request,
    staff: Annotated[Staff, require(P.POLICIES_READ)],
    day: Annotated[
        dt.date | None, Query(description="贷款利息计至该日（默认今天）/ loan interest to")
    ] = None,
) -> PolicyOut:
    """合同、投保人与被保险人（证件号脱敏）、受益人、贷款、状态变化及其原因、台账事件、保全申请。
    The contract, the parties (IDs masked), beneficiaries, the loan, the status history with its causes,
    the ledger events and the servicing requests."""
    found = policy_view.policy_detail(database(request), policy_no, day)
    loan = found.loan
    return fields_from(
        PolicyOut, found,
        status_zh=_status_zh(found.status),
        policyholder=fields_from(PartyOut, found.policyholder),
        insured=fields_from(PartyOut, found.insured),
        beneficiaries=[fields_from(BeneficiaryOut, b) for b in found.beneficiaries],
        loan=None if loan is None else fields_from(LoanOut, loan, debt_yuan=yuan(loan.debt_fen) or ""),
        history=[_labelled_event(StatusChangeOut, c) for c in found.history],
        events=[_labelled_event(EventOut, e, amount_yuan=yuan(e.amount_fen) or "") for e in found.events],
        requests=[request_out(r, found.policy_no) for r in found.requests],
    )  # fmt: skip


@router.get("/policies/{policy_no}/quotes", response_model=QuotesOut, summary="试算 / quotes for a day")
def quotes(
    policy_no: PolicyNo,
    request: Request,
    staff: Annotated[Staff, require(P.POLICIES_READ)],
    day: Annotated[dt.date, Query(description="试算日 / the day quoted")],
) -> QuotesOut:
    """某日的可借金额、退保金与复效应交金额，各附逐行说明；不适用的为空。
    The loan, surrender and reinstatement quotes of a day, each explained line by line; empty where
    the policy's status does not allow it."""
    found = servicing_requests.quote_policy(database(request), policy_no, day)
    return fields_from(QuotesOut, found, status=str(found.status), loan=_quote(found.loan),
                       surrender=_quote(found.surrender), reinstatement=_quote(found.reinstatement))  # fmt: skip


@router.post(
    "/policies/{policy_no}/requests",
    response_model=RequestOut,
    status_code=201,
    summary="提交保全申请 / submit a servicing request",
)
def submit(
    policy_no: PolicyNo,
    body: RequestIn,
    request: Request,
    staff: Annotated[Staff, require(P.SERVICING_REQUEST)],
) -> RequestOut:
    """按保全规则办理一项申请（同一事务内记账、改状态、写审计）；不允许时返回原因（409/422）。
    Applies one request by the servicing rules (postings, status and audit in one transaction); a
    refusal answers its reason (409 or 422)."""
    result = servicing_requests.submit_request(database(request), policy_no, body.kind, channel=body.channel,
                                               day=body.day, actor=staff.username, details=body.details)  # fmt: skip
    return request_out(result, result.policy_no)


@router.get(
    "/policies/{policy_no}/requests",
    response_model=list[RequestOut],
    summary="保全申请 / a policy's requests",
)
def requests_of(
    policy_no: PolicyNo, request: Request, staff: Annotated[Staff, require(P.POLICIES_READ)]
) -> list[RequestOut]:
    """保单的保全申请，最新在前，附逐行说明。 The policy's requests, newest first, explained."""
    found = servicing_requests.policy_requests(database(request), policy_no)
    return [request_out(r, policy_no) for r in found]
