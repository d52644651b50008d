"""A critical-illness payout explained line by line, in Chinese (and English), for people and auditors.

Every line is an amount the payout is built from; together they add up to the payout exactly:
band contributions (exact, before rounding) + rounding to the fen − the part above the cap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from anxin.domain.critical_illness import UNBOUNDED_FEN, BenefitSchedule
from anxin.domain.money import BASIS_POINTS, format_ratio, format_yuan
from anxin.domain.programs import Program, YearBasis
from anxin.domain.vulnerability import VulnerableGroup


@dataclass(frozen=True)
class BandLine:
    number: int
    lo: int
    hi: int
    ratio_bp: int
    amount: int

    @property
    def contribution(self) -> Decimal:
        """This band's share of the payout before rounding, in yuan, exact."""
        return Decimal(self.amount * self.ratio_bp) / (BASIS_POINTS * 100)


@dataclass(frozen=True)
class Explanation:
    """Why one settlement paid what it paid."""

    settlement_id: str
    program_code: str
    program_name_zh: str
    program_name_en: str
    version: str
    parameter_hash: str
    program_year: int
    counts_by: YearBasis
    counts_on: dt.date
    base: int
    ytd_before: int
    ytd_after: int
    deductible: int
    deductible_applied: int
    bands: tuple[BandLine, ...]
    gross_e4: int
    cap: int | None
    cap_cut: int
    payout: int
    tilt: VulnerableGroup | None = None
    bureau_payout: int | None = None

    @property
    def rounding(self) -> Decimal:
        """Yuan added (or taken) by rounding ``f`` to the fen, exact."""
        exact = Decimal(self.gross_e4) / (BASIS_POINTS * 100)
        return Decimal(self.payout + self.cap_cut) / 100 - exact

    def lines_zh(self) -> list[str]:
        y = format_yuan
        lines = [
            f"结算 {self.settlement_id} · {self.program_name_zh}（{self.program_code}）{self.version} 版，"
            f"参数指纹 {self.parameter_hash}",
            f"计入年度：{self.program_year} 年度（按{self.counts_by.label_zh} {self.counts_on.isoformat()}）",
        ]
        if self.tilt is not None:
            lines.append(f"倾斜政策：{self.tilt.label_zh}")
        lines += [
            f"本次合规自付费用（计算基数）：{y(self.base)} 元",
            f"年度累计合规自付费用：本次前 {y(self.ytd_before)} 元 → 本次后 {y(self.ytd_after)} 元",
            f"起付线 {y(self.deductible)} 元：本次计入起付线 {y(self.deductible_applied)} 元",
        ]
        for band in self.bands:
            span = f"{y(band.lo)}–{y(band.hi)} 元" if band.hi < UNBOUNDED_FEN else f"{y(band.lo)} 元以上"
            lines.append(
                f"第 {band.number} 段 {span}，支付 {format_ratio(band.ratio_bp)}：本次 {y(band.amount)} 元 × "
                f"{format_ratio(band.ratio_bp)} = {_exact(band.contribution)} 元"
            )
        lines.append(f"四舍五入到分：{_exact(self.rounding, signed=True)} 元")
        if self.cap is None:
            lines.append("封顶线：不设封顶")
        elif self.cap_cut:
            lines.append(f"封顶线 {y(self.cap)} 元：超过封顶线不予支付 −{y(self.cap_cut)} 元")
        else:
            lines.append(f"封顶线 {y(self.cap)} 元：未触及")
        lines.append(f"本次大病保险赔付：{y(self.payout)} 元")
        if self.bureau_payout is not None:
            difference = self.bureau_payout - self.payout
            verdict = "一致" if difference == 0 else f"相差 {y(difference)} 元"
            lines.append(f"医保结算记录中的大病保险支付（hifmi_pay）：{y(self.bureau_payout)} 元，{verdict}")
        return lines

    def lines_en(self) -> list[str]:
        y = format_yuan
        basis = {"admission": "admission", "discharge": "discharge", "settlement": "settlement"}[
            self.counts_by
        ]
        lines = [
            f"Settlement {self.settlement_id} · {self.program_name_en} ({self.program_code}) version "
            f"{self.version}, parameter hash {self.parameter_hash}",
            f"Program year {self.program_year} (by {basis} date {self.counts_on.isoformat()})",
        ]
        if self.tilt is not None:
            lines.append(f"Tilt for registered group: {self.tilt.value}")
        lines += [
            f"Owed eligible cost of this settlement (the base): {y(self.base)} yuan",
            f"Year to date: {y(self.ytd_before)} before → {y(self.ytd_after)} after",
            f"Deductible {y(self.deductible)}: {y(self.deductible_applied)} of this settlement falls under it",
        ]
        for band in self.bands:
            span = f"{y(band.lo)}–{y(band.hi)}" if band.hi < UNBOUNDED_FEN else f"above {y(band.lo)}"
            lines.append(
                f"Band {band.number} {span} at {format_ratio(band.ratio_bp)}: {y(band.amount)} × "
                f"{format_ratio(band.ratio_bp)} = {_exact(band.contribution)}"
            )
        lines.append(f"Rounding to the fen: {_exact(self.rounding, signed=True)}")
        if self.cap is None:
            lines.append("Annual cap: none")
        elif self.cap_cut:
            lines.append(f"Annual cap {y(self.cap)}: −{y(self.cap_cut)} above the cap is not paid")
        else:
            lines.append(f"Annual cap {y(self.cap)}: not reached")
        lines.append(f"Payout: {y(self.payout)} yuan")
        if self.bureau_payout is not None:
            difference = self.bureau_payout - self.payout
            verdict = "agrees" if difference == 0 else f"differs by {y(difference)}"
            lines.append(f"Bureau's hifmi_pay: {y(self.bureau_payout)}, {verdict}")
        return lines


def _exact(value: Decimal, *, signed: bool = False) -> str:
    """Yuan with thousands separators, two places at least, more only where the value has them."""
    places = max(2, -value.normalize().as_tuple().exponent) if value else 2  # type: ignore[operator]
    text = f"{value:,.{places}f}"
    return f"+{text}" if signed and value > 0 else text


def band_lines(schedule: BenefitSchedule, amounts: list[int]) -> tuple[BandLine, ...]:
    return tuple(
        BandLine(k + 1, band.lo, band.hi, band.ratio_bp, amount)
        for k, (band, amount) in enumerate(zip(schedule.bands, amounts, strict=False))
    )


def program_names(program: Program) -> dict[str, str]:
    return {
        "program_code": program.code,
        "program_name_zh": program.name_zh,
        "program_name_en": program.name_en,
    }
