"""The columns of the long-term care (长护险) files — assessments, care providers, care bills — by field
name or the Chinese headers clerks use, and the words accepted in them. Unknown columns are ignored."""

from __future__ import annotations

from dataclasses import dataclass, field

from anxin.domain.long_term_care import (
    TIER_LABELS,
    AssessmentMethod,
    CareLevel,
    Grade,
    ServiceType,
)


@dataclass(frozen=True)
class CareField:
    """``kind``: ``text``, ``int``, ``date``, ``month``, ``money`` or ``words`` (``words`` below)."""

    name: str
    label_zh: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"
    limit: int | None = None  # text: most characters
    bounds: tuple[int, int] | None = None  # int: least and most
    words: dict[str, str] = field(default_factory=dict)


def _words(pairs: dict[str, str], *values: str) -> dict[str, str]:
    """Every word (lower case) → its code; each code is accepted as itself too."""
    return {**{v.lower(): v for v in values}, **{k.lower(): v for k, v in pairs.items()}}


METHOD_WORDS = _words(
    {"国家标准": "national_2021", "全国统一标准": "national_2021", "国标": "national_2021",
     AssessmentMethod.NATIONAL_2021.label_zh: "national_2021", "巴氏指数": "barthel",
     "barthel指数": "barthel", "barthel 指数评定": "barthel", "巴塞尔指数": "barthel"},
    *(m.value for m in AssessmentMethod),
)  # fmt: skip
#: Level words of each method (lower case) → the level on its scale (codes, Chinese names, numbers).
_LEVEL_WORDS: dict[str, dict[str, int]] = {
    AssessmentMethod.NATIONAL_2021.value: {
        **{c.code: int(c) for c in CareLevel},
        **{c.label_zh.lower(): int(c) for c in CareLevel},
        **{c.label_zh.split("（")[1].rstrip("）"): int(c) for c in CareLevel},
        **{str(int(c)): int(c) for c in CareLevel},
        "重度失能1级": 3, "重度失能2级": 4, "重度失能3级": 5,
        "重度失能i级": 3, "重度失能ii级": 4, "重度失能iii级": 5,
    },
    AssessmentMethod.BARTHEL.value: {
        **{g.code: int(g) for g in Grade},
        **{g.barthel_zh: int(g) for g in Grade},
        **{g.label_zh: int(g) for g in Grade},
        **{str(int(g)): int(g) for g in Grade},
    },
}  # fmt: skip
LEVEL_WORDS = {method: {w.lower(): v for w, v in words.items()} for method, words in _LEVEL_WORDS.items()}
SERVICE_WORDS = _words(
    {**{s.label_zh: s.value for s in ServiceType}, "居家上门": "home_visit", "居家自护": "family_care",
     "亲情护理": "family_care", "专护": "hospital_special_care", "院护": "institutional_care",
     "机构护理（院护）": "institutional_care"},
    *(s.value for s in ServiceType),
)  # fmt: skip
PROVIDER_TYPES = _words(
    {"医院": "hospital", "护理院": "nursing_home", "养老机构": "elderly_care", "养老院": "elderly_care",
     "医养结合机构": "elderly_care", "居家护理服务机构": "home_care", "居家护理机构": "home_care",
     "社区卫生服务中心": "community_health", "其他": "other"},
    "hospital", "nursing_home", "elderly_care", "home_care", "community_health", "other",
)  # fmt: skip
TIER_WORDS = {
    **{str(t): str(t) for t in TIER_LABELS},
    **{zh: str(t) for t, (zh, _) in TIER_LABELS.items()},
    "一级": "1", "二级": "2", "三级": "3",
}  # fmt: skip

_PERSON = (
    CareField("psn_no", "人员编号", ("个人编号", "参保人编号"), limit=40),
    CareField("certno", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "证件号"), limit=18),
)
ASSESSMENT_FIELDS: tuple[CareField, ...] = (
    CareField("assessment_no", "评估编号", ("评估单号", "鉴定编号", "评估结论编号"), limit=40),
    *_PERSON,
    CareField("assessed_on", "评估日期", ("评定日期", "结论生效日期", "鉴定日期"), kind="date"),
    CareField("method", "评估方法", ("评估标准", "评定方法"), kind="words", words=METHOD_WORDS),
    CareField("level", "失能等级", ("评估结果", "评估等级", "评定等级")),
    CareField("barthel_score", "Barthel评分", ("巴氏评分", "Barthel指数", "barthel"), kind="int", bounds=(0, 100)),
    CareField("adl_score", "日常生活活动能力得分", ("ADL得分", "adl"), kind="int", bounds=(0, 100)),
    CareField("cognition_score", "认知能力得分", ("认知得分",), kind="int", bounds=(0, 16)),
    CareField("perception_score", "感知觉与沟通能力得分", ("感知觉与沟通得分",), kind="int", bounds=(0, 12)),
    CareField("valid_until", "有效期至", ("有效期截止日期", "复评日期前一日"), kind="date"),
)  # fmt: skip
PROVIDER_FIELDS: tuple[CareField, ...] = (
    CareField("provider_code", "机构编码", ("定点机构编码", "护理机构编码", "定点护理机构编码"), limit=40),
    CareField("name", "机构名称", ("定点机构名称", "护理机构名称", "provider_name"), limit=200),
    CareField("provider_type", "机构类型", ("机构类别",), kind="words", words=PROVIDER_TYPES),
    CareField("tier", "医院等级", ("医院级别", "医疗机构等级"), kind="words", words=TIER_WORDS),
    CareField("region_code", "行政区划", ("行政区划代码", "区划代码"), limit=12),
    CareField("service_types", "服务类型", ("准入服务", "服务项目", "可提供服务")),
)  # fmt: skip
BILL_FIELDS: tuple[CareField, ...] = (
    CareField("bill_no", "账单号", ("护理账单号", "结算单号", "账单编号"), limit=40),
    *_PERSON,
    CareField("provider_code", "机构编码", ("定点机构编码", "护理机构编码", "定点护理机构编码"), limit=40),
    CareField("service_type", "服务类型", ("护理类型", "服务方式"), kind="words", words=SERVICE_WORDS),
    CareField("month", "护理月份", ("账单月份", "结算月份"), kind="month"),
    CareField("service_from", "护理开始日期", ("开始日期", "服务开始日期"), kind="date"),
    CareField("service_to", "护理结束日期", ("结束日期", "服务结束日期"), kind="date"),
    CareField("days", "护理天数", ("服务天数", "天数"), kind="int", bounds=(1, 31)),
    CareField("cost", "护理费用", ("费用总额", "护理费用总额", "cost_yuan"), kind="money"),
    CareField("replaces_bill_no", "原账单号", ("被更正账单号", "更正账单号"), limit=40),
)  # fmt: skip


def header_index(fields: tuple[CareField, ...]) -> dict[str, CareField]:
    """Every accepted header (case-insensitive) → its field."""
    return {word.lower(): f for f in fields for word in (f.name, f.label_zh, *f.aliases)}
