"""Quantities and terms shared by group covers (团体意外与健康保险, 特定疾病保险).

Ages, day counts and multiples are written with their unit, like amounts and ratios
(:mod:`anxin.domain.programs.quantities`): ``"60 岁"`` / ``"28 天"``, ``"180 天"``, ``"2倍"``. Bare
numbers are refused. Also here: who may be covered (ages, on which date), the waiting period for
illness, and the readable text every kind's ``describe()`` uses.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, model_validator

from anxin.domain.money import BASIS_POINTS, format_ratio, format_yuan

_AGE = re.compile(r"^(\d+)\s*(岁|周岁|years?|天|日|days?)$")
_DAYS = re.compile(r"^(\d+)\s*(天|日|days?)$")
_MULTIPLE = re.compile(r"^(\d+(\.\d+)?)\s*(倍|×|x|X)$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _text(value: Any, example: str) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        raise ValueError(
            f"需要写明单位，例如 {example!r} / a unit is required, e.g. {example!r} (got {value!r})"
        )
    if not isinstance(value, str):
        raise ValueError(f"需要文本，例如 {example!r} / text expected, e.g. {example!r}")
    return value.strip()


@dataclass(frozen=True, slots=True)
class Age:
    """An age limit: whole years (``"60 岁"``) or, for infants, days (``"28 天"``)."""

    count: int
    in_days: bool = False

    def __str__(self) -> str:
        return f"{self.count} {'天' if self.in_days else '岁'}"

    @property
    def text_en(self) -> str:
        return f"{self.count} {'days' if self.in_days else 'years'}"


def age_from_text(value: Any) -> Age:
    if isinstance(value, Age):
        return value
    text = _text(value, "60 岁")
    match = _AGE.match(text)
    if not match:
        raise ValueError(
            f"年龄写作 '60 岁' 或 '28 天'：{text!r} / write an age as '60 岁' or '28 天': {text!r}"
        )
    return Age(int(match.group(1)), in_days=match.group(2) in ("天", "日", "day", "days"))


def days_from_text(value: Any) -> int:
    text = _text(value, "180 天")
    match = _DAYS.match(text)
    if not match:
        raise ValueError(f"天数写作 '180 天'：{text!r} / write days as '180 天': {text!r}")
    return int(match.group(1))


def multiple_from_text(value: Any) -> int:
    """``"2倍"`` → 20,000 (a multiple in basis points of the unit sum insured)."""
    text = _text(value, "2倍")
    match = _MULTIPLE.match(text)
    if not match:
        raise ValueError(f"倍数写作 '2倍'：{text!r} / write a multiple as '2倍' or '2×': {text!r}")
    bp = Decimal(match.group(1)) * BASIS_POINTS
    if bp != bp.to_integral_value() or not 0 < bp <= 100 * BASIS_POINTS:
        raise ValueError(
            f"倍数应在 0–100 倍之间、精确到万分之一：{text!r} / a multiple in (0, 100]: {text!r}"
        )
    return int(bp)


AgeLimit = Annotated[Age, BeforeValidator(age_from_text), PlainSerializer(str)]
Days = Annotated[int, BeforeValidator(days_from_text), PlainSerializer(lambda d: f"{d} 天")]
MultipleBp = Annotated[
    int, BeforeValidator(multiple_from_text), PlainSerializer(lambda bp: f"{format_multiple(bp)}倍")
]


class AgeBasis(enum.StrEnum):
    """Which date an insured person's age is taken on."""

    #: The accident, admission or diagnosis date of the claim.
    EVENT = "event"
    #: The first day of the person's cover (an enrolment condition: "12月1日零时前年满60周岁").
    COVER_START = "cover_start"

    @property
    def label_zh(self) -> str:
        return {"event": "出险日（事故、入院或确诊日）", "cover_start": "保险期间开始日"}[self.value]

    @property
    def label_en(self) -> str:
        return {"event": "the date of the event", "cover_start": "the first day of cover"}[self.value]


class Eligibility(_Frozen):
    """Who may claim: ages (both inclusive, in completed years or days) on the chosen date."""

    min_age: AgeLimit | None = None
    max_age: AgeLimit | None = None
    ages_on: AgeBasis = AgeBasis.EVENT
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Eligibility:
        low, high = self.min_age, self.max_age
        if low and high and low.in_days == high.in_days and low.count > high.count:
            raise ValueError("最低年龄不能高于最高年龄 / min_age cannot exceed max_age")
        return self


class WaitingPeriod(_Frozen):
    """Days from the start of cover during which an illness is not covered (等待期/观察期).

    The event is covered when it falls ``days`` or more days after the first day of cover: with
    30 days and cover from 1 September, an admission on 1 October is covered, on 30 September not.
    """

    days: Days
    #: ``false``: a person renewing without a break has no waiting period (续保无等待期).
    on_renewal: bool = False
    confirmed: bool = True
    note: str = ""


# ── readable text for describe() ─────────────────────────────────────────────────────────────────


def format_multiple(bp: int) -> str:
    text = f"{Decimal(bp) / BASIS_POINTS:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def yuan(fen: int, lang: str = "zh") -> str:
    return f"{format_yuan(fen)} {'yuan' if lang == 'en' else '元'}"


def ratio(bp: int) -> str:
    return format_ratio(bp)


def unconfirmed(zh: str, en: str, confirmed: bool) -> tuple[str, str]:
    """The value text, marked when the figure is not confirmed against its source."""
    return (zh, en) if confirmed else (f"{zh}（未核实）", f"{en} (unconfirmed)")


def eligibility_text(eligibility: Eligibility) -> tuple[str, str]:
    low, high = eligibility.min_age, eligibility.max_age
    if low and high:
        zh, en = f"{low}至{high}", f"{low.text_en} to {high.text_en}"
    elif low:
        zh, en = f"{low}及以上", f"{low.text_en} and over"
    elif high:
        zh, en = f"{high}及以下", f"up to {high.text_en}"
    else:
        zh, en = "不限年龄", "any age"
    zh += f"（按{eligibility.ages_on.label_zh}计算年龄）"
    en += f" (age on {eligibility.ages_on.label_en})"
    return unconfirmed(zh, en, eligibility.confirmed)


def waiting_text(waiting: WaitingPeriod | None) -> tuple[str, str]:
    if waiting is None or waiting.days == 0:
        return "无等待期", "no waiting period"
    renewal_zh = "续保同样适用" if waiting.on_renewal else "连续续保无等待期"
    renewal_en = "also on renewal" if waiting.on_renewal else "none on continuous renewal"
    return unconfirmed(
        f"{waiting.days} 天，{renewal_zh}", f"{waiting.days} days, {renewal_en}", waiting.confirmed
    )
