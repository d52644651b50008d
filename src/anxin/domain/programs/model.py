"""The program file model: a program, its versions by effective date, each with a source.

``parse_program`` turns the data of one file into a frozen, typed :class:`Program`, refusing unknown
keys; :class:`~anxin.domain.errors.InvalidProgram` names the file, the key and the reason.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from anxin.domain.errors import InvalidProgram
from anxin.domain.programs.critical_illness import CriticalIllnessParameters


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProgramKind(enum.StrEnum):
    """What a program pays for; each kind has its own parameter model (``kinds.py``)."""

    CRITICAL_ILLNESS = "critical_illness"
    LONG_TERM_CARE = "long_term_care"
    GROUP_ACCIDENT = "group_accident"
    SPECIFIED_DISEASE = "specified_disease"
    SUPPLEMENTARY_MEDICAL = "supplementary_medical"

    @property
    def label_zh(self) -> str:
        return {
            ProgramKind.CRITICAL_ILLNESS: "大病保险",
            ProgramKind.LONG_TERM_CARE: "长期护理保险",
            ProgramKind.GROUP_ACCIDENT: "团体意外与健康保险",
            ProgramKind.SPECIFIED_DISEASE: "特定疾病保险",
            ProgramKind.SUPPLEMENTARY_MEDICAL: "补充医疗保险",
        }[self]

    @property
    def label_en(self) -> str:
        return {
            ProgramKind.CRITICAL_ILLNESS: "critical-illness insurance",
            ProgramKind.LONG_TERM_CARE: "long-term care insurance",
            ProgramKind.GROUP_ACCIDENT: "group accident and health cover",
            ProgramKind.SPECIFIED_DISEASE: "specified-disease cover",
            ProgramKind.SUPPLEMENTARY_MEDICAL: "supplementary medical cover",
        }[self]


class Funder(enum.StrEnum):
    MEDICAL_INSURANCE_FUND = "medical_insurance_fund"
    GOVERNMENT = "government"
    INDIVIDUAL = "individual"
    DONOR = "donor"
    EMPLOYER = "employer"
    UNION = "union"

    @property
    def label_zh(self) -> str:
        return {
            Funder.MEDICAL_INSURANCE_FUND: "医保基金",
            Funder.GOVERNMENT: "财政",
            Funder.INDIVIDUAL: "个人",
            Funder.DONOR: "捐赠方",
            Funder.EMPLOYER: "用人单位",
            Funder.UNION: "工会",
        }[self]


class YearBasis(enum.StrEnum):
    """Which date of a stay decides the program year it counts in."""

    ADMISSION = "admission"
    DISCHARGE = "discharge"
    SETTLEMENT = "settlement"

    @property
    def label_zh(self) -> str:
        return {"admission": "入院日期", "discharge": "出院日期", "settlement": "结算日期"}[self.value]


class ProgramYear(_Frozen):
    """The program year: when it starts (``"MM-DD"``) and which date of a stay counts."""

    starts: str = "01-01"
    counts_by: YearBasis = YearBasis.DISCHARGE

    @field_validator("starts")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if not re.fullmatch(r"\d\d-\d\d", value):
            raise ValueError(f"写作 'MM-DD'：{value!r} / write as 'MM-DD': {value!r}")
        dt.date(2001, int(value[:2]), int(value[3:]))  # raises for impossible dates
        return value

    def year_of(self, day: dt.date) -> int:
        """The program year (named by the calendar year it starts in) that ``day`` falls in."""
        month, dom = int(self.starts[:2]), int(self.starts[3:])
        return day.year if (day.month, day.day) >= (month, dom) else day.year - 1

    def first_day(self, year: int) -> dt.date:
        return dt.date(year, int(self.starts[:2]), int(self.starts[3:]))


class Source(_Frozen):
    """Where a version's parameters come from, so an auditor can check them."""

    title: str = Field(min_length=1)
    issuer: str = ""
    reference: str = ""
    published: dt.date | None = None
    url: str = ""
    #: ``false`` labels the whole version as an example whose figures are not confirmed.
    confirmed: bool = True
    note: str = ""


@dataclass(frozen=True)
class ParameterLine:
    """One parameter as people read it (the program pages, ``anxin programs show``, version diffs).

    A kind's parameter model offers ``describe() -> list[ParameterLine]`` in a fixed order and
    ``all_confirmed() -> bool`` (every figure checked against its source)."""

    key: str
    label_zh: str
    label_en: str
    value_zh: str
    value_en: str


class ProgramVersion(_Frozen):
    """A version of a program's parameters; each kind narrows ``parameters`` to its own model."""

    version: str = Field(min_length=1)
    effective_from: dt.date
    source: Source
    parameters: BaseModel


class Program(_Frozen):
    """What every program file has; each kind (``kinds.py``) narrows ``kind`` and ``versions``."""

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: ProgramKind
    funder: Funder
    population: str = ""
    region: str = ""
    program_year: ProgramYear = ProgramYear()
    versions: tuple[ProgramVersion, ...] = Field(min_length=1)
    #: Parameter keys that describe without changing a payout (left out of the parameter hash).
    descriptive: ClassVar[dict[str, Any]] = {}

    @model_validator(mode="after")
    def _versions_in_order(self) -> Program:
        dates = [v.effective_from for v in self.versions]
        if any(b <= a for a, b in itertools.pairwise(dates)):
            raise ValueError(
                "版本的 effective_from 必须严格递增 / versions' effective_from must strictly increase"
            )
        labels = [v.version for v in self.versions]
        if len(set(labels)) != len(labels):
            raise ValueError("版本号重复 / duplicate version labels")
        return self

    def version_on(self, day: dt.date) -> ProgramVersion:
        """The version in force on ``day``."""
        current = None
        for version in self.versions:
            if version.effective_from <= day:
                current = version
        if current is None:
            first = self.versions[0].effective_from
            raise InvalidProgram(
                f"{self.code} 在 {day} 尚未生效（最早版本 {first}）",
                f"{self.code} is not in force on {day} (first version {first})",
                code="program_not_in_force",
            )
        return current

    def version_named(self, label: str) -> ProgramVersion:
        for version in self.versions:
            if version.version == label:
                return version
        raise InvalidProgram(f"{self.code} 没有版本 {label!r}", f"{self.code} has no version {label!r}")

    def parameter_hash(self, version: ProgramVersion) -> str:
        """A short, stable hash of everything that decides a payout under ``version``."""
        payload = {
            "program": self.code,
            "kind": self.kind.value,
            "program_year": self.program_year.model_dump(mode="json"),
            "version": version.version,
            "effective_from": version.effective_from.isoformat(),
            "parameters": version.parameters.model_dump(mode="json", exclude=self.descriptive),
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def require_kind(program: Program, kind: ProgramKind) -> None:
    """Refuse, in both languages, a program of another kind than the operation handles."""
    if program.kind is not kind:
        raise InvalidProgram(
            f"{program.code} 是{program.kind.label_zh}，此处只处理{kind.label_zh}",
            f"{program.code} is {program.kind.label_en}; this handles {kind.label_en} only",
            code="wrong_program_kind",
        )


class CriticalIllnessVersion(ProgramVersion):
    parameters: CriticalIllnessParameters


class CriticalIllnessProgram(Program):
    """大病保险: a deductible, ratio bands on the year-to-date amount, a cap, tilts."""

    kind: Literal[ProgramKind.CRITICAL_ILLNESS]
    versions: tuple[CriticalIllnessVersion, ...] = Field(min_length=1)
    descriptive: ClassVar[dict[str, Any]] = {
        "bands": {"__all__": {"confirmed", "note"}},
        "tilts": {"__all__": {"confirmed", "note"}},
    }


KIND_VALUES = frozenset(kind.value for kind in ProgramKind)

_REASONS_ZH = {
    "union_tag_invalid": "kind 取值不是已知的项目类型",
    "union_tag_not_found": "缺少 kind（项目类型）",
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键（程序文件不允许未知键）",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不符",
    "too_short": "不能为空",
    "date_from_datetime_parsing": "不是有效日期",
    "date_parsing": "不是有效日期",
    "date_type": "不是有效日期",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
}


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(文件 / file)"


def parse_program(data: dict[str, Any], *, source_name: str) -> Program:
    """Validate a program file's data. Errors name ``source_name``, each key and the reason."""
    from anxin.domain.programs.kinds import program_adapter

    try:
        return program_adapter().validate_python(data)
    except ValidationError as exc:
        lines_zh, lines_en = [], []
        errors = exc.errors()
        deeper = [e["loc"] for e in errors]
        for error in errors:
            # A list whose item failed is also reported as "too short": the item's error says it all.
            if error["type"] == "too_short" and any(
                len(loc) > len(error["loc"]) and loc[: len(error["loc"])] == error["loc"] for loc in deeper
            ):
                continue
            loc = tuple(error["loc"])
            if loc and loc[0] in KIND_VALUES:  # the tag of the program-kind union
                loc = loc[1:]
            where = _location(tuple(p for p in loc if not str(p).startswith("function-")))
            reason_en = error["msg"].removeprefix("Value error, ")
            reason_zh = _REASONS_ZH.get(error["type"], "")
            if " / " in reason_en:  # our own validators speak both languages already
                reason_zh, reason_en = reason_en.split(" / ", 1)
            lines_zh.append(f"{source_name}: {where}: {reason_zh or reason_en}")
            lines_en.append(f"{source_name}: {where}: {reason_en}")
        raise InvalidProgram(
            "程序文件无效：\n" + "\n".join(lines_zh),
            "invalid program file:\n" + "\n".join(lines_en),
        ) from None
