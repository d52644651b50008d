"""Quantities with units, as written in program files.

Money is written with its unit (``"10000 元"``, ``"1.4万元"``, ``"200000 yuan"``) and becomes integer
fen; a ratio is written as a percentage (``"50%"``) and becomes basis points; a change of ratio is
written in percentage points (``"5pp"`` or ``"5个百分点"``) and becomes basis points. Bare numbers are
refused, so a file never leaves its unit to be guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from anxin.domain.errors import InvalidAmount
from anxin.domain.money import format_ratio, format_yuan, parse_ratio_bp, parse_yuan

_MONEY_UNITS = ("人民币元", "万元", "亿元", "元", "yuan")
_POINTS = re.compile(r"^([+-]?\d+(\.\d+)?)\s*(pp|个百分点|百分点)$")


def _require_text(value: Any, example: str) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        raise ValueError(
            f"需要写明单位，例如 {example!r} / a unit is required, e.g. {example!r} (got {value!r})"
        )
    if not isinstance(value, str):
        raise ValueError(f"需要文本，例如 {example!r} / text expected, e.g. {example!r}")
    return value.strip()


def money_from_text(value: Any) -> int:
    text = _require_text(value, "10000 元")
    if not text.endswith(_MONEY_UNITS):
        raise ValueError(
            f"金额需要单位 元/万元/亿元/yuan：{text!r} / money needs a unit (元, 万元, 亿元, yuan): {text!r}"
        )
    text = text.removesuffix("yuan").strip()
    try:
        fen = parse_yuan(text)
    except InvalidAmount as exc:
        raise ValueError(str(exc)) from exc
    if fen < 0:
        raise ValueError(f"金额不能为负：{value!r} / amount cannot be negative: {value!r}")
    return fen


def ratio_from_text(value: Any) -> int:
    text = _require_text(value, "50%")
    if not text.endswith(("%", "％")):
        raise ValueError(f"比例写作百分数，例如 '50%'：{text!r} / write ratios as a percentage: {text!r}")
    try:
        bp = parse_ratio_bp(text)
    except InvalidAmount as exc:
        raise ValueError(str(exc)) from exc
    if not 0 <= bp <= 10_000:
        raise ValueError(f"比例应在 0%–100% 之间：{text!r} / ratio must be within 0%–100%: {text!r}")
    return bp


def points_from_text(value: Any) -> int:
    text = _require_text(value, "5pp")
    match = _POINTS.match(text)
    if not match:
        raise ValueError(
            f"百分点写作 '5pp' 或 '5个百分点'：{text!r} / write percentage points as '5pp': {text!r}"
        )
    bp = Decimal(match.group(1)) * 100
    if bp != bp.to_integral_value():
        raise ValueError(f"百分点精度超过万分之一：{text!r} / finer than a basis point: {text!r}")
    return int(bp)


Fen = Annotated[
    int, BeforeValidator(money_from_text), PlainSerializer(lambda f: f"{format_yuan(f, grouping=False)} 元")
]
RatioBp = Annotated[int, BeforeValidator(ratio_from_text), PlainSerializer(format_ratio)]
PointsBp = Annotated[
    int, BeforeValidator(points_from_text), PlainSerializer(lambda bp: f"{format_ratio(bp)[:-1]}pp")
]
