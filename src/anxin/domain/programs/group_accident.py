"""Parameters of a group accident and health program (团体意外与健康保险): 银龄安康, 学生平安, donated
covers for frontline workers.

Each benefit is optional: a program declares only what it pays. The rule itself is in
:mod:`anxin.domain.group_accident`.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs.claim_documents import ClaimDocuments, describe_documents
from anxin.domain.programs.group_terms import AgeLimit, Days, Eligibility, WaitingPeriod, _Frozen
from anxin.domain.programs.model import ParameterLine, Program, ProgramKind, ProgramVersion
from anxin.domain.programs.quantities import Fen, RatioBp

#: 《人身保险伤残评定标准》(JR/T 0083-2013): grade 1 = 100 % … grade 10 = 10 % of the sum insured.
STANDARD_GRADE_RATIOS: tuple[int, ...] = tuple(BASIS_POINTS * (10 - k) // 10 for k in range(10))


class DeathAgeBand(_Frozen):
    """From an age on (inclusive), the accidental-death sum insured is this instead (e.g. 80+)."""

    from_age: AgeLimit
    sum_insured: Fen
    confirmed: bool = True
    note: str = ""


class Death(_Frozen):
    """意外身故: the sum insured when the insured dies of an accident within ``within_days``."""

    sum_insured: Fen
    within_days: Days = 180
    age_bands: tuple[DeathAgeBand, ...] = ()
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _bands_rise(self) -> Death:
        ages = [(band.from_age.in_days, band.from_age.count) for band in self.age_bands]
        if len({in_days for in_days, _ in ages}) > 1:
            raise ValueError("年龄段须统一用岁或天 / age bands use one unit, years or days")
        if any(b <= a for a, b in itertools.pairwise(ages)):
            raise ValueError("年龄段 from_age 必须严格递增 / age bands' from_age must strictly increase")
        return self


class Disability(_Frozen):
    """意外伤残: grade ratio × sum insured, assessed within ``within_days`` of the accident."""

    sum_insured: Fen
    within_days: Days = 180
    #: The payout ratio of grades 1 … 10, most severe first.
    grade_ratios: tuple[RatioBp, ...] = STANDARD_GRADE_RATIOS
    #: Several injuries: the worst grade, raised one grade when two or more share it (晋级).
    raise_shared_worst: bool = True
    confirmed: bool = True
    note: str = ""

    @field_validator("grade_ratios")
    @classmethod
    def _ten_grades(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(value) != 10:
            raise ValueError("伤残等级比例须列出 1–10 级共 10 项 / list the ratios of all 10 grades")
        if any(b > a for a, b in itertools.pairwise(value)):
            raise ValueError("伤残比例须随等级递减 / grade ratios must not rise from grade 1 to 10")
        return value


class AccidentMedical(_Frozen):
    """意外医疗: of the cost left after social insurance, above a per-claim deductible, a ratio."""

    deductible: Fen
    ratio: RatioBp
    #: A person without basic medical insurance: another deductible and ratio (default: the same).
    uninsured_deductible: Fen | None = None
    uninsured_ratio: RatioBp | None = None
    per_claim_limit: Fen | None = None
    annual_limit: Fen | None = None
    confirmed: bool = True
    note: str = ""


class HospitalAllowance(_Frozen):
    """住院津贴: an amount a day in hospital (admission day counts, discharge day not)."""

    daily: Fen
    #: Days of each stay not paid (免赔天数).
    deductible_days: Days = 0
    max_days_per_stay: Days | None = None
    max_days_per_year: Days | None = None
    #: ``true``: illness stays are paid too (after the waiting period), not only accident stays.
    illness: bool = False
    confirmed: bool = True
    note: str = ""


class IllnessHospital(_Frozen):
    """疾病住院医疗: of the eligible cost left after basic insurance, above a deductible, a ratio."""

    deductible: Fen = 0
    ratio: RatioBp
    annual_limit: Fen | None = None
    confirmed: bool = True
    note: str = ""


class GroupAccidentParameters(_Frozen):
    """A version's terms: who is covered, and each benefit the program pays."""

    eligibility: Eligibility = Eligibility()
    #: Applies to illness (illness hospitalization, illness stays of the allowance); never to accidents.
    illness_waiting: WaitingPeriod | None = None
    death: Death | None = None
    disability: Disability | None = None
    #: Death and disability together in a policy year never exceed this. Omitted: a death pays its
    #: sum insured less the disability already paid (身故保险金扣除已给付的伤残保险金).
    death_disability_limit: Fen | None = None
    accident_medical: AccidentMedical | None = None
    hospital_allowance: HospitalAllowance | None = None
    illness_hospital: IllnessHospital | None = None
    #: The documents a claim needs, per claim type (理赔材料); they send a claim to review, never
    #: change what it pays (left out of the parameter hash).
    documents: ClaimDocuments | None = None

    @model_validator(mode="after")
    def _pays_something(self) -> GroupAccidentParameters:
        benefits = (
            self.death,
            self.disability,
            self.accident_medical,
            self.hospital_allowance,
            self.illness_hospital,
        )
        if all(b is None for b in benefits):
            raise ValueError("至少要有一项保障 / declare at least one benefit")
        if self.death_disability_limit is not None and (self.death is None or self.disability is None):
            raise ValueError(
                "death_disability_limit 需要同时有身故与伤残保障 / the joint limit needs death and disability"
            )
        if self.documents is not None:
            self.documents.check_types(self.claim_types())
        return self

    def claim_types(self) -> tuple[str, ...]:
        """The claim types this version pays (the benefits it declares)."""
        names = ("death", "disability", "accident_medical", "hospital_allowance", "illness_hospital")
        return tuple(n for n in names if getattr(self, n) is not None)

    def all_confirmed(self) -> bool:
        parts: list[Any] = [
            self.eligibility,
            self.illness_waiting,
            self.death,
            self.disability,
            self.accident_medical,
            self.hospital_allowance,
            self.illness_hospital,
            self.documents,
        ]
        if self.death is not None:
            parts += self.death.age_bands
        return all(part.confirmed for part in parts if part is not None)

    def describe(self) -> list[ParameterLine]:
        from anxin.domain.group_accident import ClaimType
        from anxin.domain.programs.group_accident_text import describe

        labels = {t.value: (t.label_zh, t.label_en) for t in ClaimType}
        return describe(self) + describe_documents(self.documents, labels)


class GroupAccidentVersion(ProgramVersion):
    parameters: GroupAccidentParameters


_NOTES = {"confirmed", "note"}


class GroupAccidentProgram(Program):
    """团体意外与健康保险: death, disability, accident medical, hospital allowance, illness stays."""

    kind: Literal[ProgramKind.GROUP_ACCIDENT]
    versions: tuple[GroupAccidentVersion, ...] = Field(min_length=1)
    descriptive: ClassVar[dict[str, Any]] = {
        "eligibility": _NOTES,
        "illness_waiting": _NOTES,
        "death": {"confirmed": True, "note": True, "age_bands": {"__all__": _NOTES}},
        "disability": _NOTES,
        "accident_medical": _NOTES,
        "hospital_allowance": _NOTES,
        "illness_hospital": _NOTES,
        "documents": True,
    }
