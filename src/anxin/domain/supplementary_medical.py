"""The supplementary medical (特惠保险 / 医疗补充) rule and its explanation, one settlement at a time.

For a settlement of a person enrolled in the program:

1. ``owed`` is the in-scope (政策范围内) cost the person still owes after basic medical insurance
   (the critical-illness base), and ``ci_paid`` what the critical-illness program named in the
   program file is due for the same settlement (the sum of its recorded lines);
2. the person's group is the first group of the program's terms that the person is registered in
   on the settlement's date; with none, the settlement is not paid and adds nothing to the year;
3. the settlement's base is ``owed − ci_paid`` (what remains after basic insurance and critical
   illness), and the year-to-date of those bases is accumulated per person-year;
4. the payout is ``f_group(after) − f_group(before)`` with the group's deductible, bands and yearly
   cap: :class:`~anxin.domain.critical_illness.BenefitSchedule`, the critical-illness rule itself.

Because ``f_group(x) ≤ x`` when every ratio is at most 100 %, a settlement never receives more than
its base, so basic + critical illness + supplementary never exceed the in-scope cost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from anxin.domain.critical_illness import (
    UNBOUNDED_FEN,
    BenefitSchedule,
    ScheduleBand,
    resolve_schedule,
)
from anxin.domain.explanation import BandLine, band_lines, schedule_lines
from anxin.domain.money import BASIS_POINTS, format_yuan
from anxin.domain.programs.model import Program, YearBasis
from anxin.domain.programs.supplementary_medical import SupplementaryMedicalParameters
from anxin.domain.vulnerability import VulnerableGroup

#: The schedule of a person outside every covered group: nothing is paid.
NO_COVER = BenefitSchedule(deductible=0, bands=(ScheduleBand(lo=0, hi=UNBOUNDED_FEN, ratio_bp=0),), cap=0)


def resolve_supplementary_schedule(
    parameters: SupplementaryMedicalParameters, group: VulnerableGroup | None
) -> BenefitSchedule:
    """The group's schedule (its own deductible, bands and cap), or :data:`NO_COVER`."""
    terms = parameters.terms_for(group)
    if terms is None:
        return NO_COVER
    return dataclasses.replace(resolve_schedule(terms.schedule_parameters()), tilt=group)


def covered_group(
    parameters: SupplementaryMedicalParameters, registered: Iterable[VulnerableGroup]
) -> VulnerableGroup | None:
    """Of the groups a person is registered in on a date, the one whose terms apply (first listed)."""
    held = set(registered)
    return next((group for group in parameters.groups if group in held), None)


def remaining_base(owed: int, ci_paid: int) -> int:
    """What remains of the owed in-scope cost after the critical-illness payout."""
    return owed - ci_paid


@dataclass(frozen=True)
class SupplementaryExplanation:
    """Why one settlement received what it received from a supplementary program."""

    settlement_id: str
    program_code: str
    program_name_zh: str
    program_name_en: str
    version: str
    parameter_hash: str
    program_year: int
    counts_by: YearBasis
    counts_on: dt.date
    after_program: str
    owed: int
    ci_paid: int
    group: VulnerableGroup | None
    base: int
    ytd_before: int
    ytd_after: int
    deductible: int
    deductible_applied: int
    bands: tuple[BandLine, ...]
    gross_e4: int
    cap: int | None
    cap_cut: int
    payout: int

    #: The bureau's critical-illness figure belongs to the CI program, not to this one.
    bureau_payout: int | None = None

    @property
    def tilt(self) -> VulnerableGroup | None:
        """The registered group whose terms applied (the name critical-illness lines use)."""
        return self.group

    def lines_zh(self) -> list[str]:
        return self.lines("zh")

    def lines_en(self) -> list[str]:
        return self.lines("en")

    @property
    def rounding(self) -> Decimal:
        exact = Decimal(self.gross_e4) / (BASIS_POINTS * 100)
        return Decimal(self.payout + self.cap_cut) / 100 - exact

    def lines(self, lang: str = "zh") -> list[str]:
        """One line per step, in ``zh`` or ``en``; band contributions + rounding − cap cut = payout."""
        text, y = _TEXT[lang], format_yuan
        zh = lang == "zh"
        lines = [
            text["head"].format(
                id=self.settlement_id,
                name=self.program_name_zh if zh else self.program_name_en,
                code=self.program_code,
                version=self.version,
                hash=self.parameter_hash,
            ),
            text["year"].format(
                year=self.program_year,
                basis=self.counts_by.label_zh if zh else self.counts_by.value,
                day=self.counts_on.isoformat(),
            ),
            text["owed"].format(owed=y(self.owed)),
            text["ci"].format(code=self.after_program, paid=y(self.ci_paid)),
        ]
        if self.group is None:
            return [*lines, text["not_registered"], text["payout"].format(payout=y(self.payout))]
        lines += [
            text["group"].format(group=self.group.label_zh if zh else self.group.value),
            text["base"].format(owed=y(self.owed), paid=y(self.ci_paid), base=y(self.base)),
            text["ytd"].format(before=y(self.ytd_before), after=y(self.ytd_after)),
            text["deductible"].format(line=y(self.deductible), applied=y(self.deductible_applied)),
        ]
        lines += schedule_lines(text, self.bands, self.rounding, self.cap, self.cap_cut)
        lines.append(text["payout"].format(payout=y(self.payout)))
        return lines


def explanation_of(program: Program, row: Mapping[str, object]) -> SupplementaryExplanation:
    """The explanation of one kernel output row (``anxin.engine.supplementary_medical``)."""
    version = program.version_named(str(row["version"]))
    parameters = version.parameters
    assert isinstance(parameters, SupplementaryMedicalParameters)
    group = VulnerableGroup(str(row["tilt"])) if row.get("tilt") else None
    schedule = resolve_supplementary_schedule(parameters, group)
    amounts = [int(row.get(f"band_{k + 1}_fen") or 0) for k in range(len(schedule.bands))]  # type: ignore[call-overload]
    cap = row.get("cap_fen")
    counts_on = row["counts_on"]
    assert isinstance(counts_on, dt.date)
    return SupplementaryExplanation(
        settlement_id=str(row["settlement_id"]),
        program_code=program.code,
        program_name_zh=program.name_zh,
        program_name_en=program.name_en,
        version=version.version,
        parameter_hash=str(row["param_hash"]),
        program_year=int(row["program_year"]),  # type: ignore[call-overload]
        counts_by=program.program_year.counts_by,
        counts_on=counts_on,
        after_program=parameters.after,
        owed=int(row["inscope_owed_fen"]),  # type: ignore[call-overload]
        ci_paid=int(row["ci_payout_fen"]),  # type: ignore[call-overload]
        group=group,
        base=int(row["base_fen"]),  # type: ignore[call-overload]
        ytd_before=int(row["ytd_before_fen"]),  # type: ignore[call-overload]
        ytd_after=int(row["ytd_after_fen"]),  # type: ignore[call-overload]
        deductible=schedule.deductible,
        deductible_applied=int(row["deductible_applied_fen"]),  # type: ignore[call-overload]
        bands=band_lines(schedule, amounts),
        gross_e4=int(row["gross_e4"]),  # type: ignore[call-overload]
        cap=None if cap is None else int(cap),  # type: ignore[call-overload]
        cap_cut=int(row["cap_cut_fen"]),  # type: ignore[call-overload]
        payout=int(row["payout_fen"]),  # type: ignore[call-overload]
    )


_TEXT = {
    "zh": {
        "head": "结算 {id} · {name}（{code}）{version} 版，参数指纹 {hash}",
        "year": "计入年度：{year} 年度（按{basis} {day}）",
        "owed": "基本医保支付后个人负担的政策范围内费用：{owed} 元",
        "ci": "大病保险（{code}）对本笔结算的支付：{paid} 元",
        "not_registered": "结算日未登记为本项目保障的困难人员类别：不予支付",
        "group": "困难人员类别：{group}（按该类人员的待遇）",
        "base": "本次计算基数 = {owed} − {paid} = {base} 元（大病保险支付后剩余部分）",
        "ytd": "年度累计计算基数：本次前 {before} 元 → 本次后 {after} 元",
        "deductible": "起付线 {line} 元：本次计入起付线 {applied} 元",
        "span": "{lo}–{hi} 元",
        "span_open": "{lo} 元以上",
        "band": "第 {number} 段 {span}，支付 {ratio}：本次 {amount} 元 × {ratio} = {contribution} 元",
        "rounding": "四舍五入到分：{rounding} 元",
        "no_cap": "年度封顶线：不设封顶",
        "cap_cut": "年度封顶线 {cap} 元：超过封顶线不予支付 −{cut} 元",
        "cap_ok": "年度封顶线 {cap} 元：未触及",
        "payout": "本次补充医疗保险赔付：{payout} 元",
    },
    "en": {
        "head": "Settlement {id} · {name} ({code}) version {version}, parameter hash {hash}",
        "year": "Program year {year} (by {basis} date {day})",
        "owed": "In-scope cost owed after basic medical insurance: {owed} yuan",
        "ci": "Critical illness ({code}) paid for this settlement: {paid} yuan",
        "not_registered": "Not registered in a group this program covers on the settlement date: not paid",
        "group": "Registered group: {group} (paid under its terms)",
        "base": "Base = {owed} − {paid} = {base} yuan (what remains after critical illness)",
        "ytd": "Year to date of the base: {before} before → {after} after",
        "deductible": "Deductible {line}: {applied} of this settlement falls under it",
        "span": "{lo}–{hi}",
        "span_open": "above {lo}",
        "band": "Band {number} {span} at {ratio}: {amount} × {ratio} = {contribution}",
        "rounding": "Rounding to the fen: {rounding}",
        "no_cap": "Yearly cap: none",
        "cap_cut": "Yearly cap {cap}: −{cut} above the cap is not paid",
        "cap_ok": "Yearly cap {cap}: not reached",
        "payout": "Supplementary payout: {payout} yuan",
    },
}
