"""Long-term care insurance (长期护理保险): disability assessment, eligibility dates, care services.

Pure rules in integer arithmetic; the parameters a program chooses (grading cut-offs, the combination
matrix, ratios and caps) come from its program file (:mod:`anxin.domain.programs.long_term_care`).

**The national standard** 《长期护理失能等级评估标准(试行)》 (2021) scores three indicators — daily
living activities (ADL, 10 items), cognition (4) and perception & communication (3). Each indicator's
total is graded 能力完好 / 轻度受损 / 中度受损 / 重度受损 by cut-offs, and a combination matrix (rows:
the ADL grade; columns: the worse of the cognition and perception grades) gives the level 0 基本正常 …
5 重度失能Ⅲ级. **Barthel** (the alternative a program may choose) grades the ADL total alone.

**Validity.** An assessment is valid from the day it is made for a number of months: through
``add_months(assessed_on, months) − 1 day``; ``add_months(assessed_on, months)`` is the day a
re-assessment is due. A later assessment replaces an earlier one from its own date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from anxin.domain.errors import InvalidInput


class AssessmentMethod(enum.StrEnum):
    NATIONAL_2021 = "national_2021"
    BARTHEL = "barthel"

    @property
    def label_zh(self) -> str:
        return {"national_2021": "《长期护理失能等级评估标准(试行)》(2021)", "barthel": "Barthel 指数评定"}[
            self.value
        ]

    @property
    def label_en(self) -> str:
        return {"national_2021": "national assessment standard (2021)", "barthel": "Barthel index"}[
            self.value
        ]


class Grade(enum.IntEnum):
    """An indicator's grade (and, under Barthel, the assessment's result)."""

    INTACT = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def label_zh(self) -> str:
        return ("能力完好", "轻度受损", "中度受损", "重度受损")[self]

    @property
    def label_en(self) -> str:
        return ("intact", "mildly impaired", "moderately impaired", "severely impaired")[self]

    @property
    def barthel_zh(self) -> str:
        return ("生活自理", "轻度依赖", "中度依赖", "重度依赖")[self]

    @property
    def barthel_en(self) -> str:
        return ("independent", "mildly dependent", "moderately dependent", "severely dependent")[self]


class CareLevel(enum.IntEnum):
    """The national standard's disability level (长期护理失能等级)."""

    NORMAL = 0
    MILD = 1
    MODERATE = 2
    SEVERE_1 = 3
    SEVERE_2 = 4
    SEVERE_3 = 5

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def label_zh(self) -> str:
        names = ("基本正常", "轻度失能", "中度失能", "重度失能Ⅰ级", "重度失能Ⅱ级", "重度失能Ⅲ级")
        return f"{self.value}级（{names[self]}）"

    @property
    def label_en(self) -> str:
        names = ("normal", "mild", "moderate", "severe I", "severe II", "severe III")
        return f"level {self.value} ({names[self]})"


def level_codes(method: AssessmentMethod) -> dict[str, int]:
    """The result codes a method produces (a program's ``eligible`` list uses them), by value."""
    members: Sequence[Grade | CareLevel] = list(
        CareLevel if method is AssessmentMethod.NATIONAL_2021 else Grade
    )
    return {m.code: int(m) for m in members}


def level_label(method: AssessmentMethod, level: int, lang: str = "zh") -> str:
    if method is AssessmentMethod.NATIONAL_2021:
        care = CareLevel(level)
        return care.label_zh if lang == "zh" else care.label_en
    grade = Grade(level)
    return f"Barthel {grade.barthel_zh}" if lang == "zh" else f"Barthel: {grade.barthel_en}"


# ── the instrument ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Item:
    code: str
    label_zh: str
    label_en: str
    most: int
    #: Scores go in steps of this many points (the ADL items: 0, 5, 10, 15).
    step: int = 1


#: Daily living activities, the national standard's ten items; the Barthel index has the same ten.
ADL_ITEMS = (
    Item("eating", "进食", "eating", 10, 5),
    Item("dressing", "穿衣", "dressing", 10, 5),
    Item("face_and_mouth", "面部与口腔清洁", "face and mouth care", 5, 5),
    Item("bowels", "大便控制", "bowel control", 10, 5),
    Item("bladder", "小便控制", "bladder control", 10, 5),
    Item("toilet", "用厕", "toilet use", 10, 5),
    Item("walking", "平地行走", "walking on level ground", 15, 5),
    Item("transfer", "床椅转移", "bed–chair transfer", 15, 5),
    Item("stairs", "上下楼梯", "stairs", 10, 5),
    Item("bathing", "洗澡", "bathing", 5, 5),
)
COGNITION_ITEMS = (
    Item("time_orientation", "时间定向", "orientation in time", 4),
    Item("person_orientation", "人物定向", "orientation to persons", 4),
    Item("place_orientation", "空间定向", "orientation in space", 4),
    Item("memory", "记忆力", "memory", 4),
)
PERCEPTION_ITEMS = (
    Item("vision", "视力", "vision", 4),
    Item("hearing", "听力", "hearing", 4),
    Item("communication", "沟通能力", "communication", 4),
)
INDICATORS = {"adl": ADL_ITEMS, "cognition": COGNITION_ITEMS, "perception": PERCEPTION_ITEMS}
INDICATOR_LABELS = {
    "adl": ("日常生活活动能力", "daily living activities"),
    "cognition": ("认知能力", "cognition"),
    "perception": ("感知觉与沟通能力", "perception and communication"),
}


def indicator_total(indicator: str, scores: Mapping[str, int]) -> int:
    """The sum of an indicator's item scores; every item present, each a whole number in range."""
    items = INDICATORS[indicator]
    zh, en = INDICATOR_LABELS[indicator]
    known = {item.code for item in items}
    unknown = sorted(set(scores) - known)
    missing = sorted(known - set(scores))
    if unknown or missing:
        raise InvalidInput(
            f"{zh}评分项目不符：缺少 {missing}，多出 {unknown}",
            f"{en} items do not match: missing {missing}, unknown {unknown}",
        )
    total = 0
    for item in items:
        score = scores[item.code]
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= item.most:
            raise InvalidInput(
                f"{item.label_zh}得分应为 0–{item.most} 的整数：{score!r}",
                f"{item.label_en} must be a whole number 0–{item.most}: {score!r}",
            )
        if score % item.step:
            raise InvalidInput(
                f"{item.label_zh}得分应为 {item.step} 的倍数：{score}",
                f"{item.label_en} is scored in steps of {item.step}: {score}",
            )
        total += score
    return total


def indicator_most(indicator: str) -> int:
    return sum(item.most for item in INDICATORS[indicator])


def grade_of(total: int, cutoffs: Sequence[int]) -> Grade:
    """``cutoffs`` are the lowest totals of 能力完好, 轻度受损 and 中度受损; below the last is 重度受损."""
    for grade, lowest in zip((Grade.INTACT, Grade.MILD, Grade.MODERATE), cutoffs, strict=True):
        if total >= lowest:
            return grade
    return Grade.SEVERE


@dataclass(frozen=True)
class NationalAssessment:
    adl_total: int
    adl_grade: Grade
    cognition_total: int
    cognition_grade: Grade
    perception_total: int
    perception_grade: Grade
    level: CareLevel


def combine(adl: Grade, cognition: Grade, perception: Grade, matrix: Sequence[Sequence[int]]) -> CareLevel:
    """The level from the matrix: row = ADL grade, column = the worse of cognition and perception."""
    return CareLevel(matrix[adl][max(cognition, perception)])


def assess_national(
    scores: Mapping[str, Mapping[str, int]],
    cutoffs: Mapping[str, Sequence[int]],
    matrix: Sequence[Sequence[int]],
) -> NationalAssessment:
    """Item scores by indicator (``adl``, ``cognition``, ``perception``) → totals, grades, level."""
    missing = sorted(set(INDICATORS) - set(scores))
    if missing:
        raise InvalidInput(f"缺少一级指标评分：{missing}", f"indicator scores missing: {missing}")
    totals = {name: indicator_total(name, scores[name]) for name in INDICATORS}
    grades = {name: grade_of(totals[name], cutoffs[name]) for name in INDICATORS}
    return NationalAssessment(
        adl_total=totals["adl"],
        adl_grade=grades["adl"],
        cognition_total=totals["cognition"],
        cognition_grade=grades["cognition"],
        perception_total=totals["perception"],
        perception_grade=grades["perception"],
        level=combine(grades["adl"], grades["cognition"], grades["perception"], matrix),
    )


def assess_barthel(scores: Mapping[str, int] | int, cutoffs: Sequence[int]) -> tuple[int, Grade]:
    """The Barthel total (from the ten item scores, or given as a total 0–100) and its grade."""
    if isinstance(scores, int) and not isinstance(scores, bool):
        if not 0 <= scores <= 100 or scores % 5:
            raise InvalidInput(
                f"Barthel 总分应为 0–100 且为 5 的倍数：{scores}",
                f"a Barthel total is 0–100 in steps of 5: {scores}",
            )
        total = scores
    else:
        total = indicator_total("adl", scores)  # type: ignore[arg-type]
    return total, grade_of(total, cutoffs)


# ── validity ─────────────────────────────────────────────────────────────────────────────────────


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; a day past the end of the target month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def valid_until(assessed_on: dt.date, months: int) -> dt.date:
    """The last day an assessment made on ``assessed_on`` is valid."""
    return add_months(assessed_on, months) - dt.timedelta(days=1)


def reassessment_due(assessed_on: dt.date, months: int) -> dt.date:
    """The day a re-assessment is due: the first day the assessment no longer covers."""
    return add_months(assessed_on, months)


# ── care services and what is not paid ───────────────────────────────────────────────────────────


class ServiceType(enum.StrEnum):
    HOSPITAL_SPECIAL_CARE = "hospital_special_care"
    INSTITUTIONAL_CARE = "institutional_care"
    HOME_VISIT = "home_visit"
    FAMILY_CARE = "family_care"

    @property
    def label_zh(self) -> str:
        return _SERVICE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _SERVICE_LABELS[self][1]

    @property
    def tiered(self) -> bool:
        """Paid by the hospital's tier (一级/二级/三级医院)."""
        return self is ServiceType.HOSPITAL_SPECIAL_CARE


_SERVICE_LABELS = {
    ServiceType.HOSPITAL_SPECIAL_CARE: ("医疗专护", "hospital special care"),
    ServiceType.INSTITUTIONAL_CARE: ("机构护理", "institutional care"),
    ServiceType.HOME_VISIT: ("居家上门护理", "home visits"),
    ServiceType.FAMILY_CARE: ("居家自护（亲情护理）", "family self-care"),
}

TIER_LABELS = {
    1: ("一级医院", "tier-1 hospital"),
    2: ("二级医院", "tier-2 hospital"),
    3: ("三级医院", "tier-3 hospital"),
}


class Scheme(enum.StrEnum):
    EMPLOYEE = "employee"
    RESIDENT = "resident"

    @property
    def label_zh(self) -> str:
        return {"employee": "职工长期护理保险", "resident": "城乡居民长期护理保险"}[self.value]

    @property
    def label_en(self) -> str:
        return {"employee": "employees' scheme", "resident": "residents' scheme"}[self.value]


class CareReason(enum.StrEnum):
    """Why a bill, or some of its days, is not paid. Bill-wide reasons first, then by day, in the
    order days are attributed to them."""

    PROVIDER_UNKNOWN = "provider_unknown"
    SERVICE_NOT_AUTHORISED = "service_not_authorised"
    SERVICE_NOT_COVERED = "service_not_covered"
    NOT_ENROLLED = "not_enrolled"
    NO_ASSESSMENT = "no_assessment"
    ASSESSMENT_EXPIRED = "assessment_expired"
    LEVEL_NOT_ELIGIBLE = "level_not_eligible"
    MONTH_DAYS_EXCEEDED = "month_days_exceeded"

    @property
    def label_zh(self) -> str:
        return _REASONS[self][0]

    @property
    def label_en(self) -> str:
        return _REASONS[self][1]


_REASONS = {
    CareReason.PROVIDER_UNKNOWN: (
        "不是本方案登记的护理服务机构",
        "not a care provider registered for this program",
    ),
    CareReason.SERVICE_NOT_AUTHORISED: (
        "该机构未获准提供此类护理服务",
        "the provider is not authorised for this type of care",
    ),
    CareReason.SERVICE_NOT_COVERED: (
        "本方案不支付此类护理服务",
        "this program does not pay for this type of care",
    ),
    CareReason.NOT_ENROLLED: ("未参保", "not enrolled"),
    CareReason.NO_ASSESSMENT: ("尚无失能等级评估", "no disability assessment yet"),
    CareReason.ASSESSMENT_EXPIRED: ("失能评估已过有效期", "the disability assessment has expired"),
    CareReason.LEVEL_NOT_ELIGIBLE: ("失能等级未达到享受待遇的标准", "the disability level does not qualify"),
    CareReason.MONTH_DAYS_EXCEEDED: (
        "当月各账单累计支付天数已达当月天数",
        "the month's days have already been paid across this person's bills",
    ),
}

#: Reasons that refuse a whole bill, and the per-day reasons in the order unpaid days go to them.
BILL_REASONS = (
    CareReason.PROVIDER_UNKNOWN,
    CareReason.SERVICE_NOT_AUTHORISED,
    CareReason.SERVICE_NOT_COVERED,
)
DAY_REASONS = (
    CareReason.NOT_ENROLLED,
    CareReason.NO_ASSESSMENT,
    CareReason.ASSESSMENT_EXPIRED,
    CareReason.LEVEL_NOT_ELIGIBLE,
)
