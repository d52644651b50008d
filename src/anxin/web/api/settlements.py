"""Settlements and why each paid what it paid.

A settlement number (``setl_id``) names a claim, not a person, so it may stand in a URL. The
explanation's lines are the same as ``anxin explain`` prints; its structured steps add up exactly:
Σ band contributions + rounding − the part above the cap = the payout.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from anxin.domain.access import Permission as P
from anxin.domain.critical_illness import UNBOUNDED_FEN
from anxin.services.settlement_view import explain_settlement, settlement_view
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, PROGRAM_CODE, Lang, yuan
from anxin.web.security import database, require

router = APIRouter(prefix="/settlements", tags=["settlements 结算"], responses=ERRORS)

SetlId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_.:-]+$")]


class LineOut(BaseModel):
    line_id: int
    run_id: int
    program_code: str
    program_year: int
    kind: str = Field(description="payout 赔付 | adjustment 调整")
    version: str
    param_hash: str
    amount_fen: int
    amount_yuan: str
    due_fen: int
    status: str
    review_reason: str
    created_at: dt.datetime


class DueOut(BaseModel):
    program_code: str
    due_fen: int
    due_yuan: str


class SettlementOut(BaseModel):
    setl_id: str
    person_id: int
    id_masked: str
    setl_time: dt.datetime
    begndate: dt.date
    enddate: dt.date
    medfee_fen: int | None
    inscp_fen: int | None
    hifp_fen: int | None
    hifmi_fen: int | None = Field(description="医保记录的大病保险支付 / the bureau's hifmi_pay")
    base_fen: int = Field(description="合规自付费用（计算基数）/ the eligible owed cost (the base)")
    base_yuan: str
    psn_idet_type: str | None
    hosp_lv: str
    fixmedins_code: str
    insuplc_admdvs: str
    med_type: str
    reverses_setl_id: str | None
    import_id: int | None
    due: list[DueOut]
    lines: list[LineOut]


class BandOut(BaseModel):
    number: int
    lo_fen: int
    hi_fen: int | None = Field(description="无上限时为空 / none when the band is open")
    ratio_bp: int
    amount_fen: int
    contribution_yuan: str = Field(description="本段贡献（精确，未舍入）/ exact, before rounding")


class ExplanationOut(BaseModel):
    setl_id: str
    program_code: str
    program_name: str
    version: str
    parameter_hash: str
    program_year: int
    counts_on: dt.date
    tilt: str | None
    base_fen: int
    ytd_before_fen: int
    ytd_after_fen: int
    deductible_fen: int
    deductible_applied_fen: int
    bands: list[BandOut]
    rounding_yuan: str = Field(description="四舍五入到分（精确）/ rounding to the fen, exact")
    cap_fen: int | None
    cap_cut_fen: int
    payout_fen: int
    payout_yuan: str
    bureau_payout_fen: int | None
    lang: str
    lines: list[str] = Field(description="逐行说明 / the explanation, one line per step")


@router.get("/{setl_id}", response_model=SettlementOut, summary="结算详情 / a settlement")
def settlement(
    setl_id: SetlId, request: Request, staff: Annotated[Staff, require(P.SETTLEMENTS_READ)]
) -> SettlementOut:
    """医保结算记录及其全部理算结果行（证件号脱敏）。The bureau's record and every result line."""
    view = settlement_view(database(request), setl_id)
    return SettlementOut(
        setl_id=view.setl_id,
        person_id=view.person_id,
        id_masked=view.id_masked,
        setl_time=view.setl_time,
        begndate=view.begndate,
        enddate=view.enddate,
        medfee_fen=view.medfee_fen,
        inscp_fen=view.inscp_fen,
        hifp_fen=view.hifp_fen,
        hifmi_fen=view.hifmi_fen,
        base_fen=view.base_fen,
        base_yuan=yuan(view.base_fen) or "",
        psn_idet_type=view.psn_idet_type,
        hosp_lv=view.hosp_lv,
        fixmedins_code=view.fixmedins_code,
        insuplc_admdvs=view.insuplc_admdvs,
        med_type=view.med_type,
        reverses_setl_id=view.reverses_setl_id,
        import_id=view.import_id,
        due=[DueOut(program_code=c, due_fen=f, due_yuan=yuan(f) or "") for c, f in view.due_fen.items()],
        lines=[LineOut(**vars(line), amount_yuan=yuan(line.amount_fen) or "") for line in view.lines],
    )


@router.get(
    "/{setl_id}/explanation", response_model=ExplanationOut, summary="赔付说明 / the payout explained"
)
def explanation(
    setl_id: SetlId,
    request: Request,
    staff: Annotated[Staff, require(P.SETTLEMENTS_READ)],
    program: Annotated[
        str | None, Query(pattern=PROGRAM_CODE, description="项目代码，默认最近的结果行 / program code")
    ] = None,
    lang: Lang = "zh",
) -> ExplanationOut:
    """最近一条结果行的逐步说明；各段贡献 + 舍入 − 封顶扣减 = 赔付。
    The latest result line step by step; contributions + rounding − cap cut = payout."""
    found = explain_settlement(database(request), setl_id, program)
    return ExplanationOut(
        setl_id=found.settlement_id,
        program_code=found.program_code,
        program_name=found.program_name_zh if lang == "zh" else found.program_name_en,
        version=found.version,
        parameter_hash=found.parameter_hash,
        program_year=found.program_year,
        counts_on=found.counts_on,
        tilt=None if found.tilt is None else found.tilt.value,
        base_fen=found.base,
        ytd_before_fen=found.ytd_before,
        ytd_after_fen=found.ytd_after,
        deductible_fen=found.deductible,
        deductible_applied_fen=found.deductible_applied,
        bands=[
            BandOut(
                number=band.number,
                lo_fen=band.lo,
                hi_fen=band.hi if band.hi < UNBOUNDED_FEN else None,
                ratio_bp=band.ratio_bp,
                amount_fen=band.amount,
                contribution_yuan=format(band.contribution, "f"),
            )
            for band in found.bands
        ],
        rounding_yuan=format(found.rounding, "f"),
        cap_fen=found.cap,
        cap_cut_fen=found.cap_cut,
        payout_fen=found.payout,
        payout_yuan=yuan(found.payout) or "",
        bureau_payout_fen=found.bureau_payout,
        lang=lang,
        lines=found.lines(lang),
    )
