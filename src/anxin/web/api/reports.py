"""The program year's report: every figure, the shares by city, hospital tier and vulnerable status,
and the Chinese summary; or the same as an Excel workbook (each export is audited).

A group-cover program (团体意外与健康, 特定疾病) has its claims year under
``/reports/claims/{program}/{year}`` (claims, claimants, paid, by claim type and by city) and
``….xlsx``; the settlement report of such a program answers 422 ``wrong_program_kind``, naming it.

Life-policy servicing (寿险保全): ``/reports/life?year=&level=`` the year by month × region, and
``/reports/campaigns`` the relief campaigns (whom each helped, what it cost)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from anxin.domain.access import Permission as P
from anxin.domain.errors import InvalidInput
from anxin.services.campaign_reports import CampaignRegionRow, CampaignReport, campaign_reports
from anxin.services.claims_reports import ClaimShare, ClaimsYearReport, claims_summary_zh, claims_year_report
from anxin.services.imports.claims import claims_program_kind
from anxin.services.life_reports import LifeMonthRow, LifeReport, life_report
from anxin.services.payments import pays_claims
from anxin.services.program_lookup import shipped_program
from anxin.services.report_download import report_workbook
from anxin.services.reports import ProgramYearReport, Share, program_year_report, summary_zh
from anxin.services.users import Staff
from anxin.services.views import fields_from
from anxin.web.api.common import ERRORS, ProgramPath, Year, download, download_responses, yuan
from anxin.web.security import database, require

router = APIRouter(prefix="/reports", tags=["reports 报表"], responses=ERRORS)


class ShareOut(BaseModel):
    key: str
    label: str
    settlements: int
    person_times: int
    eligible_fen: int
    eligible_yuan: str
    paid_fen: int
    paid_yuan: str
    paid_share_bp: int = Field(description="赔付金额占比（万分之）/ share of the paid amount, basis points")
    person_times_share_bp: int


class ReportOut(BaseModel):
    program_code: str
    program_name: str
    year: int
    insured: int = Field(description="参保人数 / persons enrolled")
    claimants: int = Field(description="赔付人数 / persons paid")
    person_times: int = Field(description="赔付人次 / settlements paid")
    settlements: int
    eligible_fen: int
    eligible_yuan: str
    paid_fen: int
    paid_yuan: str
    average_per_claimant_fen: int
    average_per_claimant_yuan: str
    review_lines: int
    review_fen: int
    review_yuan: str
    turnaround_settlements: int
    turnaround_median_days: int | None
    turnaround_p90_days: int | None
    vulnerable_person_times: int
    vulnerable_paid_fen: int
    by_city: list[ShareOut]
    by_tier: list[ShareOut]
    by_vulnerable: list[ShareOut]
    summary_zh: str = Field(description="年度摘要（中文）/ the year in one paragraph, in Chinese")


def _share(share: Share) -> ShareOut:
    return ShareOut(
        **vars(share), eligible_yuan=yuan(share.eligible_fen) or "", paid_yuan=yuan(share.paid_fen) or ""
    )


class ClaimShareOut(BaseModel):
    key: str
    label: str
    claims: int
    paid_claims: int
    paid_fen: int
    paid_yuan: str
    paid_share_bp: int = Field(description="赔付金额占比（万分之）/ share of the paid amount, basis points")


class ClaimsReportOut(BaseModel):
    program_code: str
    program_name: str
    year: int = Field(description="保单年度 / policy year")
    insured: int = Field(description="参保人数 / persons enrolled")
    claimants: int = Field(description="赔付人数 / persons paid")
    claims: int = Field(description="理赔件数 / claims with a result")
    paid_claims: int
    rejected_claims: int
    paid_fen: int
    paid_yuan: str
    average_per_claimant_fen: int
    average_per_claimant_yuan: str
    review_lines: int = Field(description="待复核明细 / lines waiting for a person")
    review_fen: int
    review_yuan: str
    by_type: list[ClaimShareOut]
    by_city: list[ClaimShareOut]
    summary_zh: str = Field(description="年度摘要（中文）/ the year in one paragraph, in Chinese")


class RateOut(BaseModel):
    code: str = Field(description="指标代码（kpis/ 中的定义）/ the KPI's code in kpis/")
    name_zh: str
    name_en: str
    numerator: int
    denominator: int
    rate_bp: int | None = Field(
        description="比率（万分之一；分母为 0 时为空）/ basis points, null when nothing counted"
    )
    target_bp: int | None


class LifeMonthOut(BaseModel):
    month: str = Field(description="月份 YYYY-MM，合计行为“全年” / the month, 全年 for the totals")
    region: str = Field(description="地区代码前缀（省 2 位、地市 4 位）/ the region prefix")
    policies_in_force: int = Field(description="月末有效保单 / policies in force at the month's end")
    suspensions: int
    reinstatements: int
    surrenders: int
    surrender_paid_fen: int
    surrender_paid_yuan: str
    cooling_off_cancellations: int
    terminations: int
    maturities: int = Field(description="满期终止 / policies that reached their term")
    maturity_paid_fen: int = Field(description="满期给付（扣除借款后）/ paid at maturity, net of debt")
    loans_taken: int
    loans_taken_fen: int
    loans_outstanding_fen: int = Field(description="月末贷款余额 / principal outstanding at the month's end")
    loan_interest_fen: int
    rates: list[RateOut] = Field(description="服务指标（当月当地；合计行为全年）/ the service rates")


class LifeReportOut(BaseModel):
    year: int
    level: str = Field(description="province 省 | city 地市")
    region: str | None
    rows: list[LifeMonthOut]
    totals: LifeMonthOut


class CampaignRegionOut(BaseModel):
    region: str = Field(description="地市代码前缀 / the city prefix")
    grace_extended_policies: int
    grace_extended_sum_insured_fen: int
    interest_free_reinstatements: int
    waived_interest_fen: int
    interest_deferred_loans: int
    interest_deferred_principal_fen: int
    helped_policies: int


class CampaignOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    window_from: dt.date
    window_to: dt.date
    regions: list[str]
    grace_extended_policies: int = Field(description="延长宽限期保单 / policies kept in grace")
    grace_extended_sum_insured_fen: int = Field(description="其保额 / the cover kept in force")
    interest_free_reinstatements: int
    waived_interest_fen: int
    interest_deferred_loans: int
    interest_deferred_principal_fen: int
    cost_fen: int = Field(description="活动成本 = 免收的复效利息 / cost = reinstatement interest waived")
    cost_yuan: str
    helped_policies: int = Field(description="受助保单（去重）/ distinct policies helped")
    by_region: list[CampaignRegionOut]


def _life_row(row: LifeMonthRow, report: LifeReport) -> LifeMonthOut:
    rates = [fields_from(RateOut, v) for v in report.rates_of(row) if v is not None]
    return LifeMonthOut(**vars(row), surrender_paid_yuan=yuan(row.surrender_paid_fen) or "", rates=rates)


def _campaign(found: CampaignReport) -> CampaignOut:
    return fields_from(
        CampaignOut,
        found,
        regions=list(found.regions),
        cost_yuan=yuan(found.cost_fen) or "",
        by_region=[
            fields_from(CampaignRegionOut, r) for r in found.by_region if isinstance(r, CampaignRegionRow)
        ],
    )


@router.get("/life", response_model=LifeReportOut, summary="寿险保全报表 / the life-servicing year")
def life(
    request: Request,
    staff: Annotated[Staff, require(P.REPORTS_READ)],
    year: Annotated[int, Query(ge=1990, le=2100, description="年度 / year")],
    level: Annotated[
        str, Query(pattern="^(province|city)$", description="province 省 | city 地市")
    ] = "province",
    region: Annotated[str | None, Query(pattern=r"^\d{2,6}$", description="地区代码或前缀 / region")] = None,
) -> LifeReportOut:
    """按月份 × 地区：有效保单、效力中止、复效、退保、犹豫期撤销、终止、保单贷款与利息，电子化回访率与电子化保全率。
    By month × region: in force, suspensions, reinstatements, surrenders, cancellations, terminations,
    loans and their interest, the e-callback and e-servicing rates."""
    found = life_report(database(request), year, level=level, region=region)
    return LifeReportOut(
        year=found.year,
        level=found.level,
        region=found.region,
        rows=[_life_row(r, found) for r in found.rows],
        totals=_life_row(found.totals, found),
    )


@router.get("/campaigns", response_model=list[CampaignOut], summary="救助活动报告 / the relief campaigns")
def campaigns(request: Request, staff: Annotated[Staff, require(P.REPORTS_READ)]) -> list[CampaignOut]:
    """每个救助活动：延长宽限期、免息复效、缓息贷款、成本与受助保单，按地市。
    Each relief campaign: whom it helped and what it cost, by city."""
    return [_campaign(c) for c in campaign_reports(database(request))]


def _report(request: Request, program: str, year: int) -> ProgramYearReport:
    shipped_program(program)
    if pays_claims(program):
        raise InvalidInput(
            f"{program} 是团体理赔方案，请使用 /reports/claims/{program}/{year}",
            f"{program} is a group-cover claims program; use /reports/claims/{program}/{year}",
            code="wrong_program_kind",
        )
    return program_year_report(database(request), program, year)


def _claims_report(request: Request, program: str, year: int) -> ClaimsYearReport:
    shipped_program(program)
    claims_program_kind(program)
    return claims_year_report(database(request), program, year)


def _claim_share(share: ClaimShare) -> ClaimShareOut:
    return ClaimShareOut(**vars(share), paid_yuan=yuan(share.paid_fen) or "")


@router.get(
    "/claims/{program}/{year}.xlsx",
    response_class=Response,
    responses=download_responses("团体理赔年度报表 / the claims report workbook"),
    summary="导出团体理赔年度报表（Excel）/ a claims year as XLSX",
)
def claims_report_xlsx(
    program: ProgramPath, year: Year, request: Request, staff: Annotated[Staff, require(P.REPORTS_READ)]
) -> Response:
    """总览、理赔类型、地市三张表；导出记入审计。Three sheets; the export is audited."""
    found = _claims_report(request, program, year)
    return download(report_workbook(database(request), found, actor=staff.username), f"{program}-{year}.xlsx")


@router.get(
    "/claims/{program}/{year}",
    response_model=ClaimsReportOut,
    summary="团体理赔年度报表 / a group-cover program's claims year",
)
def claims_report(
    program: ProgramPath, year: Year, request: Request, staff: Annotated[Staff, require(P.REPORTS_READ)]
) -> ClaimsReportOut:
    """团体意外与健康、特定疾病方案的保单年度；非团体方案返回 422，代码 wrong_program_kind。
    A group accident or specified-disease program's policy year; another kind answers 422
    wrong_program_kind."""
    found = _claims_report(request, program, year)
    return fields_from(
        ClaimsReportOut,
        found,
        paid_yuan=yuan(found.paid_fen) or "",
        average_per_claimant_yuan=yuan(found.average_per_claimant_fen) or "",
        review_yuan=yuan(found.review_fen) or "",
        by_type=[_claim_share(s) for s in found.by_type],
        by_city=[_claim_share(s) for s in found.by_city],
        summary_zh=claims_summary_zh(found),
    )


@router.get(
    "/{program}/{year}.xlsx",
    response_class=Response,
    responses=download_responses("年度报表 / the report workbook"),
    summary="导出年度报表（Excel）/ the report as XLSX",
)
def report_xlsx(
    program: ProgramPath, year: Year, request: Request, staff: Annotated[Staff, require(P.REPORTS_READ)]
) -> Response:
    """总览、地市、医院等级、人员类别四张表；导出记入审计。Four sheets; the export is audited."""
    content = report_workbook(database(request), _report(request, program, year), actor=staff.username)
    return download(content, f"{program}-{year}.xlsx")


@router.get("/{program}/{year}", response_model=ReportOut, summary="年度报表 / the program year's report")
def report(
    program: ProgramPath, year: Year, request: Request, staff: Annotated[Staff, require(P.REPORTS_READ)]
) -> ReportOut:
    found = _report(request, program, year)
    return fields_from(
        ReportOut,
        found,
        eligible_yuan=yuan(found.eligible_fen) or "",
        paid_yuan=yuan(found.paid_fen) or "",
        average_per_claimant_yuan=yuan(found.average_per_claimant_fen) or "",
        review_yuan=yuan(found.review_fen) or "",
        by_city=[_share(s) for s in found.by_city],
        by_tier=[_share(s) for s in found.by_tier],
        by_vulnerable=[_share(s) for s in found.by_vulnerable],
        summary_zh=summary_zh(found),
    )
