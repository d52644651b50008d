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

    def lines(self, lang: str = "zh") -> list[str]:
        """The explanation, one line per step, in ``zh`` or ``en``; the steps add up to the payout."""
        text = _TEXT[lang]
        y = format_yuan
        basis = self.counts_by.label_zh if lang == "zh" else self.counts_by.value
        lines = [
            text["head"].format(
                id=self.settlement_id,
                name=self.program_name_zh if lang == "zh" else self.program_name_en,
                code=self.program_code,
                version=self.version,
                hash=self.parameter_hash,
            ),
            text["year"].format(year=self.program_year, basis=basis, day=self.counts_on.isoformat()),
        ]
        if self.tilt is not None:
            lines.append(text["tilt"].format(group=self.tilt.label_zh if lang == "zh" else self.tilt.value))
        lines += [
            text["base"].format(base=y(self.base)),
            text["ytd"].format(before=y(self.ytd_before), after=y(self.ytd_after)),
            text["deductible"].format(line=y(self.deductible), applied=y(self.deductible_applied)),
        ]
        lines += schedule_lines(text, self.bands, self.rounding, self.cap, self.cap_cut)
        lines.append(text["payout"].format(payout=y(self.payout)))
        if self.bureau_payout is not None:
            difference = self.bureau_payout - self.payout
            verdict = text["agrees"] if difference == 0 else text["differs"].format(difference=y(difference))
            lines.append(text["bureau"].format(bureau=y(self.bureau_payout), verdict=verdict))
        return lines

    def lines_zh(self) -> list[str]:
        return self.lines("zh")

    def lines_en(self) -> list[str]:
        return self.lines("en")


_TEXT = {
    "zh": {
        "head": "结算 {id} · {name}（{code}）{version} 版，参数指纹 {hash}",
        "year": "计入年度：{year} 年度（按{basis} {day}）",
        "tilt": "倾斜政策：{group}",
        "base": "本次合规自付费用（计算基数）：{base} 元",
        "ytd": "年度累计合规自付费用：本次前 {before} 元 → 本次后 {after} 元",
        "deductible": "起付线 {line} 元：本次计入起付线 {applied} 元",
        "span": "{lo}–{hi} 元",
        "span_open": "{lo} 元以上",
        "band": "第 {number} 段 {span}，支付 {ratio}：本次 {amount} 元 × {ratio} = {contribution} 元",
        "rounding": "四舍五入到分：{rounding} 元",
        "no_cap": "封顶线：不设封顶",
        "cap_cut": "封顶线 {cap} 元：超过封顶线不予支付 −{cut} 元",
        "cap_ok": "封顶线 {cap} 元：未触及",
        "payout": "本次大病保险赔付：{payout} 元",
        "agrees": "一致",
        "differs": "相差 {difference} 元",
        "bureau": "医保结算记录中的大病保险支付（hifmi_pay）：{bureau} 元，{verdict}",
    },
    "en": {
        "head": "Settlement {id} · {name} ({code}) version {version}, parameter hash {hash}",
        "year": "Program year {year} (by {basis} date {day})",
        "tilt": "Tilt for registered group: {group}",
        "base": "Owed eligible cost of this settlement (the base): {base} yuan",
        "ytd": "Year to date: {before} before → {after} after",
        "deductible": "Deductible {line}: {applied} of this settlement falls under it",
        "span": "{lo}–{hi}",
        "span_open": "above {lo}",
        "band": "Band {number} {span} at {ratio}: {amount} × {ratio} = {contribution}",
        "rounding": "Rounding to the fen: {rounding}",
        "no_cap": "Annual cap: none",
        "cap_cut": "Annual cap {cap}: −{cut} above the cap is not paid",
        "cap_ok": "Annual cap {cap}: not reached",
        "payout": "Payout: {payout} yuan",
        "agrees": "agrees",
        "differs": "differs by {difference}",
        "bureau": "Bureau's hifmi_pay: {bureau}, {verdict}",
    },
}


def schedule_lines(
    text: dict[str, str], bands: tuple[BandLine, ...], rounding: Decimal, cap: int | None, cap_cut: int
) -> list[str]:
    """The steps of ``f``, shared by every program that pays by bands: each band's amount and
    contribution, the rounding, the cap. ``text`` holds the language's templates (``span``,
    ``span_open``, ``band``, ``rounding``, ``no_cap``, ``cap_cut``, ``cap_ok``)."""
    y = format_yuan
    lines = []
    for band in bands:
        bounded = band.hi < UNBOUNDED_FEN
        span = text["span" if bounded else "span_open"].format(
            lo=y(band.lo), hi=y(band.hi) if bounded else ""
        )
        lines.append(
            text["band"].format(
                number=band.number,
                span=span,
                ratio=format_ratio(band.ratio_bp),
                amount=y(band.amount),
                contribution=_exact(band.contribution),
            )
        )
    lines.append(text["rounding"].format(rounding=_exact(rounding, signed=True)))
    if cap is None:
        lines.append(text["no_cap"])
    elif cap_cut:
        lines.append(text["cap_cut"].format(cap=y(cap), cut=y(cap_cut)))
    else:
        lines.append(text["cap_ok"].format(cap=y(cap)))
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
