"""The calculator's output: one row per settlement, amounts in yuan with two places, headers in
English field names or Chinese."""

from __future__ import annotations

import polars as pl

from anxin.domain.identity import mask
from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs import Program
from anxin.domain.vulnerability import VulnerableGroup
from anxin.services.settlement_files import SettlementFile

HEADERS_ZH = {
    "setl_id": "结算ID",
    "psn_no": "人员编号",
    "certno": "证件号码（脱敏）",
    "program": "项目代码",
    "version": "版本",
    "param_hash": "参数指纹",
    "program_year": "计入年度",
    "counts_on": "计入日期",
    "tilt": "倾斜政策",
    "base": "合规自付费用",
    "ytd_before": "本次前年度累计",
    "ytd_after": "本次后年度累计",
    "deductible": "起付线",
    "deductible_applied": "本次计入起付线",
    "cap": "封顶线",
    "cap_cut": "超封顶线不予支付",
    "payout": "大病保险赔付",
    "hifmi_pay": "医保记录大病保险支付",
    "bureau_difference": "与医保记录差额",
    "bureau_differs": "与医保记录不一致",
}
_TILT_ZH = {group.value: group.label_zh for group in VulnerableGroup}


def yuan(expression: pl.Expr) -> pl.Expr:
    """Fen as an exact two-place decimal amount in yuan."""
    return (expression.cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2))


def _ratio(expression: pl.Expr) -> pl.Expr:
    return (expression.cast(pl.Decimal(18, 2)) / (BASIS_POINTS // 100)).cast(pl.Decimal(8, 2))


def result_frame(
    results: pl.DataFrame, program: Program, settlements: SettlementFile, *, headers: str = "en"
) -> pl.DataFrame:
    bands = sorted(
        int(c.split("_")[1]) for c in results.columns if c.startswith("band_") and c.endswith("_fen")
    )
    columns: list[pl.Expr] = [pl.col("settlement_id").alias("setl_id")]
    if "psn_no" in settlements.fields:
        columns.append(pl.col("psn_no"))
    if "certno" in settlements.fields:
        columns.append(pl.col("certno").map_elements(mask, return_dtype=pl.String).alias("certno"))
    columns += [
        pl.lit(program.code).alias("program"),
        pl.col("version").cast(pl.String),
        pl.col("param_hash").cast(pl.String),
        pl.col("program_year"),
        pl.col("counts_on"),
        pl.col("tilt").cast(pl.String),
        yuan(pl.col("base_fen")).alias("base"),
        yuan(pl.col("ytd_before_fen")).alias("ytd_before"),
        yuan(pl.col("ytd_after_fen")).alias("ytd_after"),
        yuan(pl.col("deductible_fen")).alias("deductible"),
        yuan(pl.col("deductible_applied_fen")).alias("deductible_applied"),
    ]
    for k in bands:
        columns += [
            yuan(pl.col(f"band_{k}_fen")).alias(f"band_{k}_amount"),
            _ratio(pl.col(f"band_{k}_bp")).alias(f"band_{k}_ratio_pct"),
        ]
    columns += [
        yuan(pl.col("cap_fen")).alias("cap"),
        yuan(pl.col("cap_cut_fen")).alias("cap_cut"),
        yuan(pl.col("payout_fen")).alias("payout"),
    ]
    if settlements.has_bureau_payout:
        columns += [
            yuan(pl.col("hifmi_pay")).alias("hifmi_pay"),
            yuan(pl.col("hifmi_pay") - pl.col("payout_fen")).alias("bureau_difference"),
            (pl.col("hifmi_pay") != pl.col("payout_fen")).fill_null(False).alias("bureau_differs"),
        ]
    frame = results.select(columns)
    if headers == "zh":
        frame = frame.with_columns(pl.col("tilt").replace(_TILT_ZH))
        renames = dict(HEADERS_ZH)
        for k in bands:
            renames[f"band_{k}_amount"] = f"第{k}段金额"
            renames[f"band_{k}_ratio_pct"] = f"第{k}段比例(%)"
        frame = frame.rename({c: renames[c] for c in frame.columns if c in renames})
    return frame
