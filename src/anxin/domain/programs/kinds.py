"""Every kind of program the platform runs, as one tagged union on ``kind``.

Adding a kind: define its parameter model, a ``ProgramVersion`` subclass narrowing ``parameters``
and a ``Program`` subclass narrowing ``kind`` (a ``Literal``) and ``versions``, in the kind's own
module; then add the program class to :data:`PROGRAM_CLASSES`.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from anxin.domain.programs.group_accident import GroupAccidentProgram
from anxin.domain.programs.long_term_care import LongTermCareProgram
from anxin.domain.programs.model import CriticalIllnessProgram, Program
from anxin.domain.programs.specified_disease import SpecifiedDiseaseProgram
from anxin.domain.programs.supplementary_medical import SupplementaryMedicalProgram

PROGRAM_CLASSES: tuple[type[Program], ...] = (
    CriticalIllnessProgram,
    LongTermCareProgram,
    GroupAccidentProgram,
    SpecifiedDiseaseProgram,
    SupplementaryMedicalProgram,
)


@cache
def program_adapter() -> TypeAdapter:
    union = Union[PROGRAM_CLASSES]  # type: ignore[valid-type]  # noqa: UP007
    return TypeAdapter(Annotated[union, Field(discriminator="kind")])
