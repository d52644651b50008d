"""Program definitions: typed, frozen, validated models of the TOML program files."""

from anxin.domain.programs.model import (
    CriticalIllnessProgram,
    CriticalIllnessVersion,
    Funder,
    Program,
    ProgramKind,
    ProgramVersion,
    ProgramYear,
    Source,
    YearBasis,
    parse_program,
    require_kind,
)
from anxin.domain.programs.supplementary_medical import (
    SupplementaryMedicalProgram,
    SupplementaryMedicalVersion,
)

__all__ = [
    "CriticalIllnessProgram",
    "CriticalIllnessVersion",
    "Funder",
    "Program",
    "ProgramKind",
    "ProgramVersion",
    "ProgramYear",
    "Source",
    "SupplementaryMedicalProgram",
    "SupplementaryMedicalVersion",
    "YearBasis",
    "parse_program",
    "require_kind",
]
