"""Long-term care (长期护理保险): a program's year or month (``/reports/care/{program}/{year}``,
``?month=`` for one month: bills, persons, days, cost, due and paid, by service type, and the Chinese
summary), its export as XLSX or CSV (audited), and one care bill result line explained step by step
(``/care-lines/{id}``). Another kind of program answers 422 ``wrong_program_kind``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from anxin.domain.access import Permission as P
from anxin.domain.errors import NotFound
from anxin.services.care_adjudication import explained_line
from anxin.services.care_reports import CareReport, care_line, care_report, care_summary_zh
from anxin.services.imports.care import care_program
from anxin.services.program_lookup import shipped_program
from anxin.services.report_download import care_report_file
from anxin.services.users import Staff
from anxin.web.api.common import (
    CSV,
    ERRORS,
    IdPath,
    ProgramPath,
    Year,
    download,
    download_responses,
    yuan,
)
from anxin.web.security import database, require

router = APIRouter(tags=["long-term care 长期护理保险"], responses=ERRORS)

Month = Annotated[int | None, Query(ge=1, le=12, description="月份 1–12，不填为全年 / month, else the year")]


class CareServiceOut(BaseModel):
    service_type: str
    label: str
    bills: int
    persons: int
    days: int
    paid_days: int
    cost_fen: int
    cost_yuan: str
    due_fen: int
    due_yuan: str


class CareReportOut(BaseModel):
    program_code: str
    program_name: str
    year: int
    month: int | None
    period: str = Field(description="期间，如 2023 或 2023-03 / the period")
    bills: int = Field(description="有效护理账单 / care bills in force")
    persons: int
    days: int = Field(description="护理天数 / days billed")
    paid_days: int = Field(description="支付天数 / days paid")
    cost_fen: int
    cost_yuan: str
    due_fen: int = Field(description="核定支付 / due (approved lines)")
    due_yuan: str
    review_fen: int
    review_yuan: str
    paid_fen: int = Field(description="已拨付 / paid out")
    paid_yuan: str
    rejected_bills: int
    by_service: list[CareServiceOut]
    summary_zh: str = Field(description="期间摘要（中文）/ the period in one paragraph, in Chinese")


class CareLineOut(BaseModel):
    id: int
    bill_no: str
    person_id: int
    program_code: str
    month: dt.date
    provider_code: str
    service_type: str
    service_label: str
    days: int
    cost_fen: int
    kind: str = Field(description="payout 支付 | adjustment 调整")
    status: str = Field(description="approved | review | rejected")
    reason: str
    amount_fen: int
    amount_yuan: str
    due_fen: int
    paid_days: int
    version: str
    lines_zh: list[str] = Field(description="逐行说明（中文）/ the explanation in Chinese")
    lines_en: list[str] = Field(description="the explanation in English")


def _care_report(request: Request, program: str, year: int, month: int | None) -> CareReport:
    shipped_program(program)
    care_program(program)
    return care_report(database(request), program, year, month)


def _file_name(report: CareReport, suffix: str) -> str:
    return f"{report.program_code}-{report.period}.{suffix}"


@router.get(
    "/reports/care/{program}/{year}.xlsx",
    response_class=Response,
    responses=download_responses("长护险报表 / the long-term care report workbook"),
    summary="导出长护险报表（Excel）/ a long-term care period as XLSX",
)
def care_report_xlsx(
    program: ProgramPath,
    year: Year,
    request: Request,
    staff: Annotated[Staff, require(P.REPORTS_READ)],
    month: Month = None,
) -> Response:
    """总览、服务类型两张表；导出记入审计。Two sheets; the export is audited."""
    found = _care_report(request, program, year, month)
    content = care_report_file(database(request), found, "xlsx", actor=staff.username)
    return download(content, _file_name(found, "xlsx"))


@router.get(
    "/reports/care/{program}/{year}.csv",
    response_class=Response,
    responses=download_responses("长护险按服务类型 / the figures by service type", CSV),
    summary="导出长护险报表（CSV）/ a long-term care period as CSV",
)
def care_report_csv(
    program: ProgramPath,
    year: Year,
    request: Request,
    staff: Annotated[Staff, require(P.REPORTS_READ)],
    month: Month = None,
) -> Response:
    """按服务类型的数字及合计行；导出记入审计。By service type with a total row; audited."""
    found = _care_report(request, program, year, month)
    content = care_report_file(database(request), found, "csv", actor=staff.username)
    return download(content, _file_name(found, "csv"))


@router.get(
    "/reports/care/{program}/{year}",
    response_model=CareReportOut,
    summary="长护险年度或月度报表 / a long-term care program's year or month",
)
def care_report_json(
    program: ProgramPath,
    year: Year,
    request: Request,
    staff: Annotated[Staff, require(P.REPORTS_READ)],
    month: Month = None,
) -> CareReportOut:
    """长期护理保险方案的全年或某月；其他方案返回 422，代码 wrong_program_kind。
    A long-term care program's year or month; another kind answers 422 wrong_program_kind."""
    found = _care_report(request, program, year, month)
    return CareReportOut(
        **{k: v for k, v in vars(found).items() if k != "by_service"},
        period=found.period,
        cost_yuan=yuan(found.cost_fen) or "",
        due_yuan=yuan(found.due_fen) or "",
        review_yuan=yuan(found.review_fen) or "",
        paid_yuan=yuan(found.paid_fen) or "",
        by_service=[
            CareServiceOut(**vars(s), cost_yuan=yuan(s.cost_fen) or "", due_yuan=yuan(s.due_fen) or "")
            for s in found.by_service
        ],
        summary_zh=care_summary_zh(found),
    )


@router.get(
    "/care-lines/{line_id}",
    response_model=CareLineOut,
    summary="护理账单结果行及其说明 / a care bill result line explained",
)
def care_line_detail(
    line_id: IdPath, request: Request, staff: Annotated[Staff, require(P.SETTLEMENTS_READ)]
) -> CareLineOut:
    """账单、结果与逐行说明（与 anxin care explain 相同）。The bill, the result and the explanation
    as ``anxin care explain`` prints it."""
    db = database(request)
    line = care_line(db, line_id)
    if line is None:
        raise NotFound(f"没有编号为 {line_id} 的护理账单结果", f"no care bill result with id {line_id}")
    zh, en = explained_line(db, line_id)
    return CareLineOut(**vars(line), amount_yuan=yuan(line.amount_fen) or "", lines_zh=zh, lines_en=en)
