"""Parameters of a supplementary medical program (特惠保险 / 医疗补充保险) for registered groups.

Such a program pays, for persons registered in a named vulnerable group (特困, 低保, 返贫致贫, 脱贫 …)
and enrolled in the program, a share of what remains of the in-scope (政策范围内) cost the person
owes after basic medical insurance *and* after the critical-illness program named in ``after``. Each
group has its own deductible, ratio bands and yearly cap (tilted terms), accumulated per person-year
exactly like critical illness. The rule is in :mod:`anxin.domain.supplementary_medical`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from anxin.domain.money import format_ratio, format_yuan
from anxin.domain.programs.critical_illness import (
    Band,
    BandOrigin,
    CriticalIllnessParameters,
    _Frozen,
)
from anxin.domain.programs.model import ParameterLine, Program, ProgramKind, ProgramVersion
from anxin.domain.programs.quantities import Fen
from anxin.domain.vulnerability import VulnerableGroup

_SCHEDULE_KEYS = {"deductible", "band_origin", "bands", "cap"}


class GroupTerms(_Frozen):
    """The terms for some registered groups: a deductible, ratio bands, a yearly cap."""

    groups: tuple[VulnerableGroup, ...] = Field(min_length=1)
    deductible: Fen
    band_origin: BandOrigin = BandOrigin.ABSOLUTE
    bands: tuple[Band, ...] = Field(min_length=1)
    #: The yearly cap on this program's payouts to one person (年度最高支付限额); omitted: no cap.
    cap: Fen | None = None
    confirmed: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _bands_are_valid(self) -> GroupTerms:
        # The band rules are critical illness's: checked there, on the terms as written.
        CriticalIllnessParameters.model_validate(self.model_dump(mode="json", include=_SCHEDULE_KEYS))
        return self

    def schedule_parameters(self) -> CriticalIllnessParameters:
        """These terms in the shape the critical-illness schedule understands (no tilts)."""
        return CriticalIllnessParameters.model_construct(
            deductible=self.deductible,
            band_origin=self.band_origin,
            bands=self.bands,
            cap=self.cap,
        )

    def figures_confirmed(self) -> bool:
        return self.confirmed and all(band.confirmed for band in self.bands)


class SupplementaryMedicalParameters(_Frozen):
    """A version's rule: per registered group, ``f_group`` on the year-to-date remaining cost."""

    #: The critical-illness program whose payout is taken off first (its code, e.g. ``shandong-ci``).
    after: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    #: Terms per group, listed from the most favoured: a person registered in several groups on a
    #: settlement's date is paid under the first listed terms that name one of them.
    terms: tuple[GroupTerms, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_group_once(self) -> SupplementaryMedicalParameters:
        seen: set[VulnerableGroup] = set()
        for terms in self.terms:
            overlap = seen.intersection(terms.groups)
            if overlap:
                names = ", ".join(sorted(g.value for g in overlap))
                raise ValueError(
                    f"同一类人员出现在多条待遇中：{names} / group in more than one set of terms: {names}"
                )
            seen.update(terms.groups)
        return self

    @property
    def groups(self) -> tuple[VulnerableGroup, ...]:
        """Every covered group, most favoured first."""
        return tuple(group for terms in self.terms for group in terms.groups)

    def terms_for(self, group: VulnerableGroup | None) -> GroupTerms | None:
        if group is None:
            return None
        return next((terms for terms in self.terms if group in terms.groups), None)

    def all_confirmed(self) -> bool:
        return all(terms.figures_confirmed() for terms in self.terms)

    def describe(self) -> list[ParameterLine]:
        lines = [
            ParameterLine(
                "after",
                "在其后支付的大病保险",
                "paid after critical illness",
                self.after,
                self.after,
            )
        ]
        for number, terms in enumerate(self.terms, start=1):
            who_zh = "、".join(g.label_zh for g in terms.groups)
            who_en = ", ".join(g.value for g in terms.groups)
            zh, en = _terms_text(terms)
            if not terms.figures_confirmed():
                zh, en = f"{zh}（未核实）", f"{en} (unconfirmed)"
            lines.append(
                ParameterLine(
                    f"terms.{number}", f"待遇 {number}：{who_zh}", f"terms {number}: {who_en}", zh, en
                )
            )
        return lines


def _terms_text(terms: GroupTerms) -> tuple[str, str]:
    parts_zh = [f"起付线 {format_yuan(terms.deductible)} 元"]
    parts_en = [f"deductible {format_yuan(terms.deductible)} yuan"]
    above = terms.band_origin is BandOrigin.ABOVE_DEDUCTIBLE
    lo = 0 if above else terms.deductible
    for band in terms.bands:
        hi = "" if band.upto is None else format_yuan(band.upto)
        span = f"{format_yuan(lo)}–{hi} 元" if hi else f"{format_yuan(lo)} 元以上"
        span_en = f"{format_yuan(lo)}–{hi}" if hi else f"above {format_yuan(lo)}"
        prefix_zh, prefix_en = ("起付线以上 ", "above the deductible ") if above else ("", "")
        parts_zh.append(f"{prefix_zh}{span} {format_ratio(band.ratio)}")
        parts_en.append(f"{prefix_en}{span_en} at {format_ratio(band.ratio)}")
        lo = band.upto if band.upto is not None else lo
    if terms.cap is None:
        parts_zh.append("不设封顶")
        parts_en.append("no cap")
    else:
        parts_zh.append(f"年度封顶 {format_yuan(terms.cap)} 元")
        parts_en.append(f"yearly cap {format_yuan(terms.cap)} yuan")
    return "；".join(parts_zh), "; ".join(parts_en)


class SupplementaryMedicalVersion(ProgramVersion):
    parameters: SupplementaryMedicalParameters


class SupplementaryMedicalProgram(Program):
    """特惠保险 / 医疗补充: per registered group, a share of the cost left after basic and critical illness."""

    kind: Literal[ProgramKind.SUPPLEMENTARY_MEDICAL]
    versions: tuple[SupplementaryMedicalVersion, ...] = Field(min_length=1)
    descriptive: ClassVar[dict[str, Any]] = {
        "terms": {"__all__": {"confirmed": True, "note": True, "bands": {"__all__": {"confirmed", "note"}}}},
    }

    @model_validator(mode="after")
    def _one_program_after(self) -> SupplementaryMedicalProgram:
        named = {version.parameters.after for version in self.versions}
        if len(named) > 1:
            raise ValueError(
                f"各版本必须在同一个大病保险项目之后支付：{sorted(named)} / "
                f"every version must pay after the same critical-illness program: {sorted(named)}"
            )
        return self

    @property
    def after(self) -> str:
        """The critical-illness program whose payouts are taken off first."""
        return self.versions[0].parameters.after
