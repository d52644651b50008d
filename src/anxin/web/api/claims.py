"""Group-cover claims (团体意外与健康, 特定疾病): register one claim, read one claim with its result
lines and missing documents, and a program's documents checklist per claim type.

Registering is idempotent twice over: the ``Idempotency-Key`` replays the first answer of a retried
request, and the claim number is the claim's natural key (the same claim again answers 200 with
``status: "unchanged"``; another claim under the same number is a 409). A full ID number may be
given to find the person; it is never stored with the claim nor returned.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from anxin.domain.access import Permission as P
from anxin.services import claim_documents, claim_view
from anxin.services.claims_intake import ClaimEntry, enter_claim
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, PROGRAM_CODE, ProgramPath, yuan
from anxin.web.security import database, require

router = APIRouter(tags=["claims 理赔"], responses=ERRORS)
CLAIM_NO = r"^[^/\s]{1,40}$"
DateText = Annotated[str, Field("", max_length=20, description="日期 / a date, 2024-01-05")]


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program_code: str = Field(pattern=PROGRAM_CODE, description="项目代码 / program code")
    claim_no: str = Field(min_length=1, max_length=40, description="赔案号 / claim number")
    claim_type: str = Field(
        "",
        max_length=24,
        description="理赔类型（团体意外）/ claim type: death, disability, accident_medical …",
    )
    psn_no: str = Field("", max_length=40, description="人员编号 / personnel number")
    certno: str = Field(
        "", max_length=32, description="证件号码（按密钥哈希查找）/ ID number (keyed-hash look-up)"
    )
    due_on: DateText
    accident_on: DateText
    admitted_on: DateText
    discharged_on: DateText
    grades: str = Field("", max_length=40, description="伤残等级，如 3,5 / disability grades")
    expense: str = Field("", max_length=20, description="医疗费用（元），如 380.00 / expense in yuan")
    disease_code: str = Field("", max_length=40, description="疾病代码（特定疾病）/ disease code")
    basic_insurance: bool | None = Field(None, description="有基本医保 / has basic medical insurance")
    documents: list[str] = Field(
        default_factory=list, max_length=20, description="已收材料代码 / document codes received"
    )


class DocumentOut(BaseModel):
    code: str
    name_zh: str
    name_en: str


class ClaimEnteredOut(BaseModel):
    claim_id: int
    claim_no: str
    program_code: str
    status: str = Field(description="created 新登记 | unchanged 已登记过 / already entered")
    documents_missing: list[DocumentOut]


class ResultLineOut(BaseModel):
    id: int
    run_id: int
    kind: str
    amount_fen: int
    amount_yuan: str
    due_fen: int
    due_yuan: str
    status: str
    reason: str
    reason_zh: str
    reason_en: str
    version: str
    created_at: dt.datetime
    explanation_zh: list[str]
    explanation_en: list[str]


class ClaimOut(BaseModel):
    claim_no: str
    program_code: str
    program_name_zh: str
    program_name_en: str
    claim_type: str
    claim_type_zh: str
    claim_type_en: str
    person_id: int
    psn_no: str
    id_masked: str
    due_on: dt.date
    accident_on: dt.date | None
    admitted_on: dt.date | None
    discharged_on: dt.date | None
    grades: str
    expense_fen: int
    expense_yuan: str
    basic_insurance: bool
    channel: str
    entered_by: str
    created_at: dt.datetime
    documents_received: list[DocumentOut]
    documents_missing: list[DocumentOut]
    results: list[ResultLineOut]


class ClaimTypeDocumentsOut(BaseModel):
    claim_type: str
    name_zh: str
    name_en: str
    documents: list[DocumentOut]


class ChecklistOut(BaseModel):
    program_code: str
    name_zh: str
    name_en: str
    kind: str
    version: str
    confirmed: bool = Field(
        description="false：清单未经正式文件核实 / not confirmed against a formal document"
    )
    note: str
    claim_types: list[ClaimTypeDocumentsOut]


def _documents(items: list[tuple[str, str, str]]) -> list[DocumentOut]:
    return [DocumentOut(code=c, name_zh=zh, name_en=en) for c, zh, en in items]


@router.post(
    "/claims",
    response_model=ClaimEnteredOut,
    status_code=201,
    summary="登记理赔 / enter a claim",
    responses={200: {"model": ClaimEnteredOut, "description": "该赔案已登记过 / already entered"}},
)
def enter(
    body: ClaimIn, request: Request, response: Response, staff: Annotated[Staff, require(P.CLAIMS_ENTER)]
) -> ClaimEnteredOut:
    """按人员编号或证件号找到参保人（须在事故、入院或确诊日有保障），校验规则同理赔文件导入；
    缺少的理赔材料列出，理算时该赔案转入审核。
    The person by personnel or ID number (covered on the event day); checked as a claims file row;
    missing documents are listed, and the claims run sends such a claim to review."""
    yes_no = {None: "", True: "是", False: "否"}[body.basic_insurance]
    entry = ClaimEntry(**body.model_dump(exclude={"basic_insurance", "documents"}), basic_insurance=yes_no,
                       documents=tuple(body.documents))  # fmt: skip
    result = enter_claim(database(request), entry, channel="api", actor=staff.username)
    if not result.created:
        response.status_code = 200
    return ClaimEnteredOut(
        claim_id=result.claim_id,
        claim_no=result.claim_no,
        program_code=result.program_code,
        status=result.status,
        documents_missing=_documents(claim_documents.labelled(result.missing)),
    )


@router.get("/claims/{claim_no}", response_model=ClaimOut, summary="赔案详情 / a claim in full")
def detail(
    claim_no: Annotated[str, Path(pattern=CLAIM_NO, description="赔案号 / claim number")],
    request: Request,
    staff: Annotated[Staff, require(P.SETTLEMENTS_READ)],
) -> ClaimOut:
    """赔案、已收与缺少的材料、各结果行及其逐行说明；证件号脱敏。
    The claim, documents received and missing, its result lines explained; ID masked."""
    found = claim_view.claim_detail(database(request), claim_no)
    fields = {k: getattr(found, k) for k in ClaimOut.model_fields if hasattr(found, k)}
    fields.pop("results", None)
    return ClaimOut(
        **fields,
        expense_yuan=yuan(found.expense_fen) or "",
        documents_received=_documents(found.received),
        documents_missing=_documents(found.missing),
        results=[
            ResultLineOut(
                **{k: getattr(line, k) for k in ResultLineOut.model_fields if hasattr(line, k)},
                amount_yuan=yuan(line.amount_fen) or "",
                due_yuan=yuan(line.due_fen) or "",
                explanation_zh=list(line.lines_zh),
                explanation_en=list(line.lines_en),
            )
            for line in found.results
        ],
    )


@router.get(
    "/programs/{code}/claim-documents",
    response_model=ChecklistOut,
    summary="理赔材料清单 / the documents a claim needs",
)
def checklist(
    code: ProgramPath, request: Request, staff: Annotated[Staff, require(P.PROGRAMS_READ)]
) -> ChecklistOut:
    """项目接受的各理赔类型及所需材料（现行版本）。
    Each claim type the program accepts and the documents it needs (the current version)."""
    found = claim_documents.checklist(code)
    return ChecklistOut(
        program_code=found.program_code,
        name_zh=found.name_zh,
        name_en=found.name_en,
        kind=found.kind,
        version=found.version,
        confirmed=found.confirmed,
        note=found.note,
        claim_types=[
            ClaimTypeDocumentsOut(
                claim_type=t.claim_type,
                name_zh=t.label_zh,
                name_en=t.label_en,
                documents=_documents(claim_documents.labelled(t.documents)),
            )
            for t in found.claim_types
        ],
    )
