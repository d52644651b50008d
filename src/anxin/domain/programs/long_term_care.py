"""Parameters of a long-term care (长期护理保险) program version, as written in its program file.

A version says how disability is assessed (the national standard's cut-offs and combination matrix,
or Barthel), which results qualify and for how long an assessment is valid, and how each care service
is paid: a ratio of the cost up to a daily cap (医疗专护 by hospital tier, 机构护理, 居家上门), or a flat
daily allowance (居家自护). There is no deductible. Payout of a bill for ``paid`` of its ``days``::

    considered = round_half_up(cost × paid / days)          (the whole cost when every day is paid)
    ratio service:  payout = min(round_half_up(considered × ratio), paid × daily cap)
    flat service:   payout = paid × flat daily allowance
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from anxin.domain.long_term_care import (
    INDICATOR_LABELS,
    TIER_LABELS,
    AssessmentMethod,
    CareLevel,
    Grade,
    Scheme,
    ServiceType,
    indicator_most,
    level_codes,
    level_label,
)
from anxin.domain.money import BASIS_POINTS, format_ratio, format_yuan, round_half_up
from anxin.domain.programs.model import ParameterLine, Program, ProgramKind, ProgramVersion
from anxin.domain.programs.quantities import Fen, RatioBp

_MONTHS = re.compile(r"^(\d+)\s*(个月|月|months?|年|years?)$")


def months_from_text(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError(f"期限写作 '24个月' 或 '2年'：{value!r} / write a period as '24个月' or '2 years'")
    match = _MONTHS.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f"期限写作 '24个月' 或 '2年'：{value!r} / write a period as '24个月', '24 months' or '2年': {value!r}"
        )
    number = int(match.group(1))
    return number * 12 if match.group(2).startswith(("年", "year")) else number


Months = Annotated[int, BeforeValidator(months_from_text), PlainSerializer(lambda m: f"{m}个月")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _cutoffs(value: tuple[int, int, int], most: int, name: str) -> None:
    intact, mild, moderate = value
    if not most >= intact > mild > moderate > 0:
        raise ValueError(
            f"{name} 的分级下限须满足 {most} ≥ 完好 > 轻度 > 中度 > 0：{list(value)} / "
            f"{name} cut-offs must satisfy {most} ≥ intact > mild > moderate > 0: {list(value)}"
        )


class NationalGrading(_Frozen):
    """Cut-offs (the lowest total of 能力完好, 轻度受损, 中度受损) and the combination matrix."""

    adl: tuple[int, int, int]
    cognition: tuple[int, int, int]
    perception: tuple[int, int, int]
    #: Rows: ADL grade 完好, 轻度, 中度, 重度; columns: the worse of cognition and perception.
    matrix: tuple[tuple[str, ...], ...]
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _valid(self) -> NationalGrading:
        for name in ("adl", "cognition", "perception"):
            _cutoffs(getattr(self, name), indicator_most(name), name)
        codes = level_codes(AssessmentMethod.NATIONAL_2021)
        bad = sorted({cell for row in self.matrix for cell in row} - set(codes))
        if bad:
            raise ValueError(
                f"组合矩阵中有未知等级 {bad}（可用 {list(codes)}） / unknown levels in the matrix {bad} (known {list(codes)})"
            )
        if len(self.matrix) != 4 or any(len(row) != 4 for row in self.matrix):
            raise ValueError("组合矩阵须为 4 行 4 列 / the matrix has 4 rows of 4 levels")
        levels = self.levels()
        falls = any(
            (c < 3 and levels[r][c] > levels[r][c + 1]) or (r < 3 and levels[r][c] > levels[r + 1][c])
            for r in range(4)
            for c in range(4)
        )
        if falls:
            raise ValueError("组合矩阵须随受损加重而不降低 / the matrix must not fall as impairment worsens")
        return self

    def levels(self) -> tuple[tuple[int, ...], ...]:
        codes = level_codes(AssessmentMethod.NATIONAL_2021)
        return tuple(tuple(codes[cell] for cell in row) for row in self.matrix)

    def cutoffs(self) -> dict[str, tuple[int, int, int]]:
        return {"adl": self.adl, "cognition": self.cognition, "perception": self.perception}


class BarthelGrading(_Frozen):
    """The lowest Barthel totals of 生活自理 (intact), 轻度 and 中度依赖; below is 重度依赖."""

    cutoffs: tuple[int, int, int]
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _valid(self) -> BarthelGrading:
        _cutoffs(self.cutoffs, 100, "barthel")
        return self


class AssessmentRules(_Frozen):
    method: AssessmentMethod
    #: Result codes that qualify: levels (``severe_1`` …) or Barthel grades (``severe`` …).
    eligible: tuple[str, ...] = Field(min_length=1)
    valid_for: Months
    national: NationalGrading | None = None
    barthel: BarthelGrading | None = None
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _valid(self) -> AssessmentRules:
        codes = level_codes(self.method)
        bad = [code for code in self.eligible if code not in codes]
        if bad:
            raise ValueError(
                f"eligible 中有该评估方法没有的结果 {bad}（可用 {list(codes)}） / "
                f"eligible lists results the method does not have {bad} (known {list(codes)})"
            )
        own, other = (
            ("national", "barthel")
            if self.method is AssessmentMethod.NATIONAL_2021
            else ("barthel", "national")
        )
        if getattr(self, own) is None or getattr(self, other) is not None:
            raise ValueError(
                f"评估方法 {self.method.value} 需要且只需要 [{own}] 分级表 / "
                f"method {self.method.value} needs its [{own}] table and no [{other}] table"
            )
        return self

    def eligible_levels(self) -> frozenset[int]:
        codes = level_codes(self.method)
        return frozenset(codes[code] for code in self.eligible)


@dataclass(frozen=True)
class CarePayout:
    considered: int
    ratio_amount: int
    cap_amount: int
    flat_amount: int
    payout: int


class ServiceTerms(_Frozen):
    """How one care service (at one hospital tier) is paid."""

    service: ServiceType
    tier: Literal[1, 2, 3] | None = None
    ratio: RatioBp | None = None
    daily_cap: Fen | None = None
    flat_daily: Fen | None = None
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _valid(self) -> ServiceTerms:
        name = self.service.value
        if self.service.tiered != (self.tier is not None):
            need = "需要 tier（1/2/3）" if self.service.tiered else "不能有 tier"
            raise ValueError(
                f"{name} {need} / {name} {'needs a tier (1, 2, 3)' if self.service.tiered else 'takes no tier'}"
            )
        flat = self.service is ServiceType.FAMILY_CARE
        if flat and (self.flat_daily is None or self.ratio is not None or self.daily_cap is not None):
            raise ValueError(f"{name} 只写 flat_daily（每日定额） / {name} takes flat_daily only")
        if not flat and (self.ratio is None or self.daily_cap is None or self.flat_daily is not None):
            raise ValueError(f"{name} 需要 ratio 与 daily_cap / {name} needs ratio and daily_cap")
        return self

    @property
    def key(self) -> tuple[ServiceType, int]:
        return self.service, self.tier or 0

    def pay(self, days: int, paid: int, cost: int) -> CarePayout:
        """A bill of ``days`` costing ``cost`` fen, of which ``paid`` days are paid."""
        if self.flat_daily is not None:
            flat = paid * self.flat_daily
            return CarePayout(0, 0, 0, flat, flat)
        assert self.ratio is not None and self.daily_cap is not None
        considered = cost if paid == days else round_half_up(cost * paid, days)
        by_ratio = round_half_up(considered * self.ratio, BASIS_POINTS)
        by_cap = paid * self.daily_cap
        return CarePayout(considered, by_ratio, by_cap, 0, min(by_ratio, by_cap))

    def label(self, lang: str = "zh") -> str:
        text = self.service.label_zh if lang == "zh" else self.service.label_en
        if self.tier is None:
            return text
        tier = TIER_LABELS[self.tier][0 if lang == "zh" else 1]
        return f"{text}（{tier}）" if lang == "zh" else f"{text} ({tier})"


class LongTermCareParameters(_Frozen):
    scheme: Scheme
    assessment: AssessmentRules
    services: tuple[ServiceTerms, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_services(self) -> LongTermCareParameters:
        keys = [terms.key for terms in self.services]
        if len(set(keys)) != len(keys):
            raise ValueError("同一服务（及医院级别）只能写一次 / each service (and tier) at most once")
        return self

    def terms_for(self, service: ServiceType, tier: int | None) -> ServiceTerms | None:
        key = (service, (tier or 0) if service.tiered else 0)
        return next((terms for terms in self.services if terms.key == key), None)

    def all_confirmed(self) -> bool:
        rules = self.assessment
        grading = rules.national or rules.barthel
        return (
            rules.confirmed
            and bool(grading and grading.confirmed)
            and all(t.confirmed for t in self.services)
        )

    def describe(self) -> list[ParameterLine]:
        rules = self.assessment
        mark = _mark(rules.confirmed)
        eligible_zh = "、".join(
            level_label(rules.method, level_codes(rules.method)[c]) for c in rules.eligible
        )
        eligible_en = ", ".join(
            level_label(rules.method, level_codes(rules.method)[c], "en") for c in rules.eligible
        )
        lines = [
            ParameterLine("scheme", "参保类别", "scheme", self.scheme.label_zh, self.scheme.label_en),
            ParameterLine(
                "assessment.method",
                "失能评估方法",
                "assessment method",
                rules.method.label_zh,
                rules.method.label_en,
            ),
            ParameterLine(
                "assessment.eligible",
                "享受待遇的评估结果",
                "results that qualify",
                eligible_zh + mark[0],
                eligible_en + mark[1],
            ),
            ParameterLine(
                "assessment.valid_for",
                "评估结论有效期",
                "an assessment is valid for",
                f"{rules.valid_for} 个月" + mark[0],
                f"{rules.valid_for} months" + mark[1],
            ),
        ]
        lines += _grading_lines(rules)
        for terms in self.services:
            key = f"service.{terms.service.value}" + (f".{terms.tier}" if terms.tier else "")
            flag = _mark(terms.confirmed)
            if terms.flat_daily is not None:
                zh = f"每日定额 {format_yuan(terms.flat_daily)} 元"
                en = f"flat {format_yuan(terms.flat_daily)} yuan a day"
            else:
                assert terms.ratio is not None and terms.daily_cap is not None
                ratio, cap = format_ratio(terms.ratio), format_yuan(terms.daily_cap)
                zh = f"按费用的 {ratio} 支付，每日最多 {cap} 元"
                en = f"{ratio} of the cost, at most {cap} yuan a day"
            lines.append(ParameterLine(key, terms.label("zh"), terms.label("en"), zh + flag[0], en + flag[1]))
        return lines


def _mark(confirmed: bool) -> tuple[str, str]:
    return ("", "") if confirmed else ("（未核实）", " (unconfirmed)")


def _ranges(cutoffs: tuple[int, int, int], most: int, barthel: bool = False) -> tuple[str, str]:
    tops = (most, cutoffs[0] - 1, cutoffs[1] - 1, cutoffs[2] - 1)
    bottoms = (*cutoffs, 0)
    parts_zh, parts_en = [], []
    for grade, top, bottom in zip(Grade, tops, bottoms, strict=True):
        span = str(top) if top == bottom else f"{bottom}–{top}"
        parts_zh.append(f"{grade.barthel_zh if barthel else grade.label_zh} {span} 分")
        parts_en.append(f"{grade.barthel_en if barthel else grade.label_en} {span}")
    return "；".join(parts_zh), "; ".join(parts_en)


def _grading_lines(rules: AssessmentRules) -> list[ParameterLine]:
    if rules.barthel is not None:
        zh, en = _ranges(rules.barthel.cutoffs, 100, barthel=True)
        mark = _mark(rules.barthel.confirmed)
        return [
            ParameterLine("grading.barthel", "Barthel 指数分级", "Barthel grades", zh + mark[0], en + mark[1])
        ]
    grading = rules.national
    assert grading is not None
    mark = _mark(grading.confirmed)
    lines = []
    for name, cutoffs in grading.cutoffs().items():
        zh, en = _ranges(cutoffs, indicator_most(name))
        label_zh, label_en = INDICATOR_LABELS[name]
        lines.append(
            ParameterLine(
                f"grading.{name}", f"{label_zh}分级", f"{label_en} grades", zh + mark[0], en + mark[1]
            )
        )
    for grade, row in zip(Grade, grading.levels(), strict=True):
        zh = "；".join(f"{g.label_zh}→{CareLevel(v).label_zh}" for g, v in zip(Grade, row, strict=True))
        en = "; ".join(f"{g.label_en} → {CareLevel(v).label_en}" for g, v in zip(Grade, row, strict=True))
        lines.append(
            ParameterLine(
                f"grading.matrix.{grade.code}",
                f"失能等级：日常生活活动能力「{grade.label_zh}」时，按认知/感知觉与沟通（取较重者）",
                f"level when ADL is {grade.label_en}, by the worse of cognition and perception",
                zh + mark[0],
                en + mark[1],
            )
        )
    return lines


class LongTermCareVersion(ProgramVersion):
    parameters: LongTermCareParameters


class LongTermCareProgram(Program):
    """长期护理保险: disability assessment, eligibility, care services paid by the day."""

    kind: Literal[ProgramKind.LONG_TERM_CARE]
    versions: tuple[LongTermCareVersion, ...] = Field(min_length=1)
    descriptive: ClassVar[dict[str, Any]] = {
        "assessment": {
            "confirmed": True,
            "note": True,
            "national": {"confirmed", "note"},
            "barthel": {"confirmed", "note"},
        },
        "services": {"__all__": {"confirmed", "note"}},
    }
