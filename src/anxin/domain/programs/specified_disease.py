"""Parameters of a specified-disease lump-sum program (特定疾病保险), such as a union's 女性安康.

A first diagnosis of a listed disease pays the disease's multiple of the unit sum insured for each
unit the person holds. The rule is in :mod:`anxin.domain.specified_disease`.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from anxin.domain.programs.claim_documents import ClaimDocuments, describe_documents
from anxin.domain.programs.group_terms import (
    Eligibility,
    MultipleBp,
    WaitingPeriod,
    _Frozen,
    eligibility_text,
    format_multiple,
    ratio,
    unconfirmed,
    waiting_text,
    yuan,
)
from anxin.domain.programs.model import ParameterLine, Program, ProgramKind, ProgramVersion
from anxin.domain.programs.quantities import Fen, RatioBp


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def label_zh(self) -> str:
        return {"female": "女性", "male": "男性"}[self.value]


class Disease(_Frozen):
    """A listed disease: a stable code, its names, and its multiple of the unit sum insured."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    #: ICD-10 code(s) for reference (not used in the calculation).
    icd10: str = ""
    multiple: MultipleBp
    confirmed: bool = True
    note: str = ""


class GroupRule(_Frozen):
    """A group (the employer) may enrol when enough of its eligible staff join (e.g. ≥ 8, ≥ 75 %)."""

    min_insured: int = Field(default=1, ge=1)
    min_share: RatioBp = 0
    confirmed: bool = True
    note: str = ""


class SpecifiedDiseaseParameters(_Frozen):
    unit_sum_insured: Fen
    unit_premium: Fen
    max_units: int | None = Field(default=None, ge=1)
    eligibility: Eligibility = Eligibility()
    #: Only persons of this sex are covered (omitted: anyone).
    sex: Sex | None = None
    waiting: WaitingPeriod | None = None
    #: ``true``: the first payout ends the person's cover for good (责任终止，不再续保).
    ends_after_payout: bool = True
    group: GroupRule = GroupRule()
    diseases: tuple[Disease, ...] = Field(min_length=1)
    #: The documents a claim needs (理赔材料, key ``specified_disease``); they send a claim to
    #: review, never change what it pays (left out of the parameter hash).
    documents: ClaimDocuments | None = None

    @model_validator(mode="after")
    def _unique_codes(self) -> SpecifiedDiseaseParameters:
        codes = [d.code for d in self.diseases]
        if len(set(codes)) != len(codes):
            raise ValueError("疾病代码重复 / duplicate disease codes")
        if self.documents is not None:
            self.documents.check_types(("specified_disease",))
        return self

    def disease(self, code: str) -> Disease | None:
        return next((d for d in self.diseases if d.code == code), None)

    def all_confirmed(self) -> bool:
        parts = [self.eligibility, self.group, self.waiting, self.documents, *self.diseases]
        return all(part.confirmed for part in parts if part is not None)

    def describe(self) -> list[ParameterLine]:
        units = (
            ("不限", "no limit")
            if self.max_units is None
            else (f"{self.max_units} 份", f"{self.max_units} units")
        )
        sex = ("不限", "anyone") if self.sex is None else (self.sex.label_zh, self.sex.value)
        g = self.group
        group_zh = f"参保人数不少于 {g.min_insured} 人，且不低于符合条件人员的 {ratio(g.min_share)}"
        group_en = f"at least {g.min_insured} insured and {ratio(g.min_share)} of the eligible staff"
        ends = (
            ("给付后该被保险人保险责任终止", "cover ends after a payout")
            if self.ends_after_payout
            else ("给付后保险责任继续", "cover continues after a payout")
        )
        lines = [
            ParameterLine(
                "unit_sum_insured",
                "每份保险金额",
                "sum insured per unit",
                yuan(self.unit_sum_insured),
                yuan(self.unit_sum_insured, "en"),
            ),
            ParameterLine(
                "unit_premium",
                "每份保险费",
                "premium per unit",
                yuan(self.unit_premium),
                yuan(self.unit_premium, "en"),
            ),
            ParameterLine("max_units", "每人最多份数", "most units a person", *units),
            ParameterLine("eligibility", "投保年龄", "ages covered", *eligibility_text(self.eligibility)),
            ParameterLine("sex", "性别", "sex", *sex),
            ParameterLine("waiting", "等待期", "waiting period", *waiting_text(self.waiting)),
            ParameterLine(
                "group", "团体投保条件", "group enrolment", *unconfirmed(group_zh, group_en, g.confirmed)
            ),
            ParameterLine("ends_after_payout", "给付后", "after a payout", *ends),
        ]
        for d in self.diseases:
            m = format_multiple(d.multiple)
            zh, en = unconfirmed(f"保险金额的 {m} 倍", f"{m} × the sum insured", d.confirmed)
            lines.append(ParameterLine(f"disease.{d.code}", d.name_zh, d.name_en, zh, en))
        labels = {"specified_disease": ("特定疾病保险金", "specified-disease benefit")}
        return lines + describe_documents(self.documents, labels)


class SpecifiedDiseaseVersion(ProgramVersion):
    parameters: SpecifiedDiseaseParameters


_NOTES = {"confirmed", "note"}


class SpecifiedDiseaseProgram(Program):
    """特定疾病保险: listed diseases paid as a multiple of the unit sum insured, once."""

    kind: Literal[ProgramKind.SPECIFIED_DISEASE]
    versions: tuple[SpecifiedDiseaseVersion, ...] = Field(min_length=1)
    descriptive: ClassVar[dict[str, Any]] = {
        "eligibility": _NOTES,
        "waiting": _NOTES,
        "group": _NOTES,
        "diseases": {"__all__": {"confirmed", "note", "icd10"}},
        "documents": True,
    }
