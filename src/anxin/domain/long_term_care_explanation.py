"""A long-term care bill's payout explained line by line, Chinese first, English alongside.

Built from one output row of the kernel (:mod:`anxin.engine.long_term_care`): the days billed and why
any were not paid, then the amounts — the cost of the paid days × the ratio beside paid days × the
daily cap, the lower of the two; or paid days × the flat allowance. Every amount is whole fen, and the
last line is the payout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anxin.domain.long_term_care import (
    DAY_REASONS,
    TIER_LABELS,
    AssessmentMethod,
    CareReason,
    ServiceType,
    level_label,
)
from anxin.domain.money import format_ratio, format_yuan
from anxin.domain.programs import Program

_DAY_COLUMNS = dict(
    zip(
        DAY_REASONS,
        ("days_not_enrolled", "days_no_assessment", "days_expired", "days_level_ineligible"),
        strict=True,
    )
)

_TEXT = {
    "zh": {
        "head": "账单 {id} · {name}（{code}）{version} 版，参数指纹 {hash}",
        "bill": "{month} {service} · 机构 {provider}：护理期间 {start} 至 {end}，计费 {days} 天，费用 {cost} 元",
        "assessed": "失能评估（{method}）：{on} 评定为 {level}，有效期至 {until}，{due} 起须重新评估",
        "unassessed": "失能评估：护理期间内没有有效的评估",
        "refused": "整张账单不予支付：{reason}",
        "unpaid": "不予支付 {days} 天：{reason}",
        "expired": "（有效期至 {until}）",
        "level": "：{level}",
        "month": "（当月 {month_days} 天，本账单之前已支付 {before} 天）",
        "paid": "可支付天数：{paid} 天",
        "prorate": "可支付天数对应的费用：{cost} 元 × {paid}/{days} = {considered} 元（四舍五入到分）",
        "ratio": "按比例：{considered} 元 × {ratio} = {amount} 元",
        "cap": "按每日限额：{paid} 天 × {cap} 元 = {amount} 元",
        "lower": "两者取较低者（{which}）：{amount} 元",
        "which_ratio": "按实际费用",
        "which_cap": "按每日限额",
        "flat": "定额补助：{paid} 天 × {flat} 元 = {amount} 元",
        "payout": "本账单长期护理保险支付：{payout} 元",
    },
    "en": {
        "head": "Bill {id} · {name} ({code}) version {version}, parameter hash {hash}",
        "bill": "{month} {service} · provider {provider}: care {start} to {end}, {days} days billed, cost {cost} yuan",
        "assessed": "Disability assessment ({method}): {level} on {on}, valid until {until}, re-assessment due {due}",
        "unassessed": "Disability assessment: none in force during the care period",
        "refused": "The whole bill is not paid: {reason}",
        "unpaid": "{days} days not paid: {reason}",
        "expired": " (valid until {until})",
        "level": " ({level})",
        "month": " (the month has {month_days} days; {before} already paid before this bill)",
        "paid": "Days paid: {paid}",
        "prorate": "Cost of the paid days: {cost} × {paid}/{days} = {considered} yuan (rounded to the fen)",
        "ratio": "By ratio: {considered} × {ratio} = {amount} yuan",
        "cap": "By daily cap: {paid} days × {cap} = {amount} yuan",
        "lower": "The lower of the two ({which}): {amount} yuan",
        "which_ratio": "the cost",
        "which_cap": "the daily cap",
        "flat": "Flat allowance: {paid} days × {flat} = {amount} yuan",
        "payout": "Payout: {payout} yuan",
    },
}


@dataclass(frozen=True)
class CareExplanation:
    """Why one bill paid what it paid; ``row`` is the kernel's output row for it."""

    row: Mapping[str, Any]
    program_name_zh: str
    program_name_en: str

    def lines(self, lang: str = "zh") -> list[str]:
        r, text, y = self.row, _TEXT[lang], format_yuan
        service = ServiceType(r["service_type"])
        service_text = service.label_zh if lang == "zh" else service.label_en
        if r.get("provider_tier") and service.tiered:
            tier = TIER_LABELS[r["provider_tier"]][0 if lang == "zh" else 1]
            service_text += f"（{tier}）" if lang == "zh" else f" ({tier})"
        provider = f"{r['provider_code']} {r.get('provider_name') or ''}".rstrip()
        lines = [
            text["head"].format(
                id=r["bill_id"],
                name=self.program_name_zh if lang == "zh" else self.program_name_en,
                code=r["program"],
                version=r["version"],
                hash=r["param_hash"],
            ),
            text["bill"].format(
                month=_month(r["month"]),
                service=service_text,
                provider=provider,
                start=r["period_from"].isoformat(),
                end=r["period_to"].isoformat(),
                days=r["days"],
                cost=y(r["cost_fen"]),
            ),
        ]
        method = AssessmentMethod(r["assessment_method"]) if r.get("assessment_method") else None
        level = level_label(method, r["level"], lang) if method and r.get("level") is not None else ""
        if r.get("assessed_on") is not None and method is not None:
            lines.append(
                text["assessed"].format(
                    method=method.label_zh if lang == "zh" else method.label_en,
                    on=r["assessed_on"].isoformat(),
                    level=level,
                    until=r["valid_until"].isoformat(),
                    due=r["reassess_on"].isoformat(),
                )
            )
        else:
            lines.append(text["unassessed"])
        lines += self._unpaid(lang, level)
        return lines + self._amounts(lang)

    def _unpaid(self, lang: str, level: str) -> list[str]:
        r, text = self.row, _TEXT[lang]
        reason_text = {c: (c.label_zh if lang == "zh" else c.label_en) for c in CareReason}
        if r.get("days_refused"):
            return [text["refused"].format(reason=reason_text[CareReason(r["reason"])])]
        lines = []
        for reason, column in _DAY_COLUMNS.items():
            if r.get(column):
                extra = ""
                if reason is CareReason.ASSESSMENT_EXPIRED and r.get("valid_until"):
                    extra = text["expired"].format(until=r["valid_until"].isoformat())
                elif reason is CareReason.LEVEL_NOT_ELIGIBLE:
                    extra = text["level"].format(level=level)
                lines.append(text["unpaid"].format(days=r[column], reason=reason_text[reason] + extra))
        if r.get("days_over_month"):
            extra = text["month"].format(month_days=r["month_days"], before=r["paid_before"])
            lines.append(
                text["unpaid"].format(
                    days=r["days_over_month"], reason=reason_text[CareReason.MONTH_DAYS_EXCEEDED] + extra
                )
            )
        return lines

    def _amounts(self, lang: str) -> list[str]:
        r, text, y = self.row, _TEXT[lang], format_yuan
        paid = r["paid_days"]
        lines = [text["paid"].format(paid=paid)]
        if r.get("flat_daily_fen") is not None:
            lines.append(
                text["flat"].format(paid=paid, flat=y(r["flat_daily_fen"]), amount=y(r["flat_amount_fen"]))
            )
        elif r.get("ratio_bp") is not None and paid:
            if paid != r["days"]:
                lines.append(
                    text["prorate"].format(
                        cost=y(r["cost_fen"]),
                        paid=paid,
                        days=r["days"],
                        considered=y(r["cost_considered_fen"]),
                    )
                )
            lines += [
                text["ratio"].format(
                    considered=y(r["cost_considered_fen"]),
                    ratio=format_ratio(r["ratio_bp"]),
                    amount=y(r["ratio_amount_fen"]),
                ),
                text["cap"].format(paid=paid, cap=y(r["daily_cap_fen"]), amount=y(r["cap_amount_fen"])),
                text["lower"].format(which=text[f"which_{r['limited_by']}"], amount=y(r["payout_fen"])),
            ]
        lines.append(text["payout"].format(payout=y(r["payout_fen"])))
        return lines

    def lines_zh(self) -> list[str]:
        return self.lines("zh")

    def lines_en(self) -> list[str]:
        return self.lines("en")


def _month(value: dt.date) -> str:
    return f"{value.year}-{value.month:02d}"


def explain_bill(row: Mapping[str, Any], program: Program) -> CareExplanation:
    return CareExplanation(row=row, program_name_zh=program.name_zh, program_name_en=program.name_en)
