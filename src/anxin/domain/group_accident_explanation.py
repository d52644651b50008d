"""A group accident and health payout explained line by line, Chinese first and in English.

The amount lines add up to the payout exactly: the base (expense, sum insured, or days × the daily
amount), less the deductible, less the share the ratio leaves unpaid, plus the rounding to the fen,
less what exceeds a per-claim limit, less what exceeds the yearly limit; a refused claim shows
its base and takes all of it away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

from anxin.domain.group_accident import Assessment, ClaimType
from anxin.domain.group_cover import Reason
from anxin.domain.money import BASIS_POINTS, format_ratio

_FEN = Decimal(100)
_E4 = Decimal(BASIS_POINTS * 100)


def money(value: Decimal, *, signed: bool = False) -> str:
    """Yuan with separators, two places at least, more only where an exact value has them."""
    places = max(2, -value.normalize().as_tuple().exponent) if value else 2  # type: ignore[operator]
    text = f"{value:,.{places}f}"
    return f"+{text}" if signed and value > 0 else text


def assessment_from_row(row: Mapping[str, object]) -> Assessment:
    """The engine's output row (a dict) as an :class:`Assessment`."""
    values = {}
    for field in fields(Assessment):
        value = row.get(field.name)
        if field.name == "claim_type":
            value = ClaimType(str(value))
        elif field.name == "reason":
            value = Reason(str(value))
        elif field.name == "claim_id":
            value = str(value)
        elif value is not None:
            value = int(value)  # type: ignore[call-overload]
        values[field.name] = value
    return Assessment(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Step:
    zh: str
    en: str
    amount: Decimal


@dataclass(frozen=True)
class ClaimExplanation:
    """Why one claim paid what it paid."""

    assessment: Assessment
    program_code: str
    program_name_zh: str
    program_name_en: str
    version: str
    parameter_hash: str

    def steps(self) -> list[Step]:
        """The amount lines, signed, in yuan; they sum to the payout exactly."""
        a = self.assessment
        y = lambda fen: money(Decimal(fen) / _FEN)  # noqa: E731
        steps: list[Step] = []
        base = Decimal(a.base_fen) / _FEN
        kind = a.claim_type
        if kind is ClaimType.DEATH:
            steps.append(
                Step(
                    f"意外身故保险金额（{a.age} 岁）：{y(a.base_fen)} 元",
                    f"Accidental death sum insured (age {a.age}): {y(a.base_fen)}",
                    base,
                )
            )
        elif kind is ClaimType.DISABILITY:
            steps.append(
                Step(
                    f"意外伤残保险金额：{y(a.base_fen)} 元", f"Disability sum insured: {y(a.base_fen)}", base
                )
            )
        elif kind is ClaimType.HOSPITAL_ALLOWANCE:
            steps.append(
                Step(
                    f"住院 {a.stay_days} 天 × 每天 {y(a.daily_fen)} 元 = {y(a.base_fen)} 元",
                    f"{a.stay_days} days in hospital × {y(a.daily_fen)} = {y(a.base_fen)}",
                    base,
                )
            )
        else:
            what_zh = (
                "社保报销后的医疗费用"
                if kind is ClaimType.ACCIDENT_MEDICAL
                else "基本医保报销后的合规住院费用"
            )
            what_en = (
                "cost left after social insurance"
                if kind is ClaimType.ACCIDENT_MEDICAL
                else "eligible cost left after basic insurance"
            )
            steps.append(
                Step(f"{what_zh}：{y(a.base_fen)} 元", f"{what_en.capitalize()}: {y(a.base_fen)}", base)
            )
        if a.reason.rejects:  # refused: nothing of the claim is paid, whatever it was worth
            steps.append(
                Step(
                    f"不予赔付（{a.reason.label_zh}）：−{y(a.base_fen)} 元",
                    f"Not paid ({a.reason.label_en}): −{y(a.base_fen)}",
                    -base,
                )
            )
            steps.append(
                Step(f"本次赔付：{y(a.payout_fen)} 元", f"Payout: {y(a.payout_fen)} yuan", Decimal(0))
            )
            return steps
        if a.deductible_fen:
            if kind is ClaimType.HOSPITAL_ALLOWANCE:
                days = a.deductible_fen // max(a.daily_fen, 1)
                steps.append(
                    Step(
                        f"免赔 {days} 天：−{y(a.deductible_fen)} 元",
                        f"{days} days not paid: −{y(a.deductible_fen)}",
                        -Decimal(a.deductible_fen) / _FEN,
                    )
                )
            else:
                steps.append(
                    Step(
                        f"免赔额：−{y(a.deductible_fen)} 元",
                        f"Deductible: −{y(a.deductible_fen)}",
                        -Decimal(a.deductible_fen) / _FEN,
                    )
                )
        exact = Decimal(a.gross_e4) / _E4
        unpaid = base - Decimal(a.deductible_fen) / _FEN - exact
        r = format_ratio(a.ratio_bp)
        if kind is ClaimType.DISABILITY:
            raised = a.paid_grade != a.worst_grade
            how_zh = f"（最重 {a.worst_grade} 级，两处以上同级晋升一级）" if raised else ""
            how_en = (
                f" (worst grade {a.worst_grade}, shared by two or more injuries: raised one grade)"
                if raised
                else ""
            )
            steps.append(
                Step(
                    f"伤残 {a.paid_grade} 级{how_zh}，给付 {r}：−{money(unpaid)} 元",
                    f"Grade {a.paid_grade}{how_en} pays {r}: −{money(unpaid)}",
                    -unpaid,
                )
            )
        elif unpaid:
            steps.append(
                Step(
                    f"按 {r} 给付，其余不予给付：−{money(unpaid)} 元",
                    f"Paid at {r}, the rest not: −{money(unpaid)}",
                    -unpaid,
                )
            )
        rounding = Decimal(a.claimed_fen + a.per_claim_cut_fen) / _FEN - exact
        if rounding:
            steps.append(
                Step(
                    f"四舍五入到分：{money(rounding, signed=True)} 元",
                    f"Rounding to the fen: {money(rounding, signed=True)}",
                    rounding,
                )
            )
        if a.per_claim_cut_fen:
            cut = Decimal(a.per_claim_cut_fen) / _FEN
            if kind is ClaimType.HOSPITAL_ALLOWANCE:
                zh, en = "超过每次住院最多给付天数", "beyond the most days paid per stay"
            else:
                zh, en = "超过每次限额", "above the limit per claim"
            steps.append(Step(f"{zh}：−{money(cut)} 元", f"{en.capitalize()}: −{money(cut)}", -cut))
        if a.limit_fen is not None:
            steps.append(self._limit_step())
        steps.append(Step(f"本次赔付：{y(a.payout_fen)} 元", f"Payout: {y(a.payout_fen)} yuan", Decimal(0)))
        return steps

    def _limit_step(self) -> Step:
        a = self.assessment
        y = lambda fen: money(Decimal(fen) / _FEN)  # noqa: E731
        cut = Decimal(a.limit_cut_fen) / _FEN
        limit, used = y(a.limit_fen or 0), y(a.used_before_fen)
        if a.claim_type is ClaimType.DEATH:
            zh = f"身故与伤残合计以 {limit} 元为限，已给付伤残保险金 {used} 元"
            en = f"Death and disability together at most {limit}; disability already paid {used}"
        elif a.claim_type is ClaimType.DISABILITY:
            zh, en = (
                f"伤残保险金累计以 {limit} 元为限，此前已给付 {used} 元",
                f"Disability at most {limit} in all; paid before {used}",
            )
        elif a.claim_type is ClaimType.HOSPITAL_ALLOWANCE:
            daily = max(a.daily_fen, 1)
            most, before = (a.limit_fen or 0) // daily, a.used_before_fen // daily
            zh = f"年度最多给付 {most} 天，此前已给付 {before} 天，本次给付 {a.days_paid} 天"
            en = f"At most {most} days a year; {before} paid before, {a.days_paid} paid now"
        else:
            zh, en = f"年度限额 {limit} 元，此前已给付 {used} 元", f"Annual limit {limit}; paid before {used}"
        if not cut:
            return Step(f"{zh}：未超出", f"{en}: within it", Decimal(0))
        return Step(f"{zh}：−{money(cut)} 元", f"{en}: −{money(cut)}", -cut)

    def lines(self, lang: str = "zh") -> list[str]:
        a = self.assessment
        zh = lang == "zh"
        name = self.program_name_zh if zh else self.program_name_en
        head = (
            f"理赔 {a.claim_id} · {name}（{self.program_code}）{self.version} 版，参数指纹 {self.parameter_hash}"
            if zh
            else f"Claim {a.claim_id} · {name} ({self.program_code}) version {self.version}, parameter hash {self.parameter_hash}"
        )
        kind = a.claim_type.label_zh if zh else a.claim_type.label_en
        reason = a.reason.label_zh if zh else a.reason.label_en
        result = f"保障项目：{kind}；结果：{reason}" if zh else f"Benefit: {kind}; outcome: {reason}"
        return [head, result, *(step.zh if zh else step.en for step in self.steps())]

    def lines_zh(self) -> list[str]:
        return self.lines("zh")

    def lines_en(self) -> list[str]:
        return self.lines("en")

    def adds_up(self) -> bool:
        """The amount lines sum to the payout, to the last ten-thousandth of a fen."""
        return sum((s.amount for s in self.steps()), Decimal(0)) == Decimal(self.assessment.payout_fen) / _FEN
