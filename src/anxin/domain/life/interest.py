"""Simple daily interest in fen, with the platform's one rounding rule.

Interest on ``principal`` fen at an annual rate of ``rate_bp`` basis points for ``days`` days is
``principal × rate_bp × days ÷ (10,000 × 365)``, rounded half up to the fen **once**, over the whole
period (:func:`anxin.domain.money.round_half_up`). It is never summed from rounded daily pieces, so
the interest of a period does not depend on how often it was looked at.
"""

from __future__ import annotations

from anxin.domain.money import BASIS_POINTS, format_ratio, format_yuan, round_half_up

#: A year of simple interest counts 365 days (actual/365 fixed), leap years included.
DAYS_PER_YEAR = 365


def simple_interest(principal: int, rate_bp: int, days: int) -> int:
    """Interest in fen; zero for no principal, no days or a zero rate."""
    if principal <= 0 or days <= 0 or rate_bp <= 0:
        return 0
    return round_half_up(principal * rate_bp * days, BASIS_POINTS * DAYS_PER_YEAR)


def interest_lines(principal: int, rate_bp: int, days: int) -> tuple[str, str]:
    """The formula with its figures, in Chinese and English."""
    amount = simple_interest(principal, rate_bp, days)
    rate = format_ratio(rate_bp)
    return (
        f"利息 {format_yuan(principal)} 元 × 年利率 {rate} × {days} 天 ÷ 365 = {format_yuan(amount)} 元（四舍五入到分）",
        f"interest {format_yuan(principal)} × {rate} a year × {days} days ÷ 365 = {format_yuan(amount)} "
        "(rounded half up to the fen)",
    )
