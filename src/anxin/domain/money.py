"""Money as integer fen (分), exact parsing and formatting of yuan amounts.

Every stored, summed or compared amount is an ``int`` of fen. ``Decimal`` appears only at the edges
(files, screens). Rounding of fractional fen happens in exactly one place: :func:`round_half_up`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from anxin.domain.errors import InvalidAmount

FEN_PER_YUAN = 100
#: Ratios are carried as integer basis points (万分之一); 100 % = 10,000.
BASIS_POINTS = 10_000

_CN_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_STRIP = str.maketrans({",": "", "，": "", " ": "", "\u3000": "", "_": ""})
_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
_AMOUNT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_yuan(text: str | int | Decimal) -> int:
    """Parse a yuan amount into fen, exactly.

    Accepts ``"1234.56"``, ``"1,234.56"``, ``"¥1,234.56"``, ``"1234.56元"``, full-width digits,
    and Chinese magnitudes ``"1.5万"`` / ``"14.4亿元"``. Rejects anything with more precision than
    a fen, floats, and non-numbers, with a message in Chinese and English.
    """
    if isinstance(text, (bool, float)):
        raise InvalidAmount(
            f"金额必须以文本或整数给出，不接受浮点数：{text!r}",
            f"amount must be text or an integer, not a float: {text!r}",
        )
    if isinstance(text, int):
        return text * FEN_PER_YUAN
    if isinstance(text, Decimal):
        return _decimal_to_fen(text, str(text))
    raw = str(text)
    cleaned = raw.translate(_FULLWIDTH).translate(_STRIP).lstrip("¥￥")
    for suffix in ("人民币元", "元"):
        if cleaned.endswith(suffix):
            cleaned = cleaned[: -len(suffix)]
            break
    multiplier = Decimal(1)
    if cleaned and cleaned[-1] in _CN_UNITS:
        multiplier = _CN_UNITS[cleaned[-1]]
        cleaned = cleaned[:-1]
    if not _AMOUNT.match(cleaned):
        raise InvalidAmount(f"不是有效的金额：{raw!r}", f"not a valid amount: {raw!r}")
    try:
        value = Decimal(cleaned) * multiplier
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise InvalidAmount(f"不是有效的金额：{raw!r}", f"not a valid amount: {raw!r}") from exc
    return _decimal_to_fen(value, raw)


def _decimal_to_fen(value: Decimal, raw: str) -> int:
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidAmount(f"金额精度超过分：{raw!r}", f"amount is more precise than one fen: {raw!r}")
    return int(fen)


def fen_to_decimal(fen: int) -> Decimal:
    """Fen as a yuan ``Decimal`` with exactly two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int, *, grouping: bool = True) -> str:
    """``8700000`` → ``"87,000.00"``; negative amounts keep their sign."""
    value = fen_to_decimal(fen)
    return f"{value:,.2f}" if grouping else f"{value:.2f}"


def format_yuan_cn(fen: int) -> str:
    """A headline figure in the style of Chinese reports: ``"14.4亿元"``, ``"2100万元"``, ``"356.20元"``."""
    value = fen_to_decimal(fen)
    magnitude = abs(value)
    if magnitude >= Decimal(100_000_000):
        scaled = (value / Decimal(100_000_000)).quantize(Decimal("0.01"))
        return f"{_trim(scaled)}亿元"
    if magnitude >= Decimal(10_000):
        scaled = (value / Decimal(10_000)).quantize(Decimal("0.01"))
        return f"{_trim(scaled)}万元"
    return f"{value}元"


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def round_half_up(numerator: int, denominator: int) -> int:
    """The platform's one rounding rule: ``numerator / denominator`` rounded half away from zero.

    Used wherever an exact fraction of a fen must become whole fen (ratios in basis points).
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def parse_ratio_bp(text: str | int | Decimal) -> int:
    """A ratio such as ``"50%"``, ``"62.5%"`` or ``"0.6"`` as integer basis points (``5000``)."""
    raw = str(text).strip().translate(_FULLWIDTH).replace("％", "%")
    try:
        value = Decimal(raw[:-1]) * 100 if raw.endswith("%") else Decimal(raw) * BASIS_POINTS
    except InvalidOperation as exc:
        raise InvalidAmount(f"不是有效的比例：{text!r}", f"not a valid ratio: {text!r}") from exc
    if value != value.to_integral_value():
        raise InvalidAmount(
            f"比例精度超过万分之一：{text!r}", f"ratio is more precise than a basis point: {text!r}"
        )
    return int(value)


def format_ratio(bp: int) -> str:
    """``5000`` → ``"50%"``, ``6250`` → ``"62.5%"``."""
    return f"{_trim(Decimal(bp) / 100)}%"
