"""The specified-disease lump sum (特定疾病保险, e.g. 女性安康), one diagnosis at a time.

A first diagnosis of a listed disease pays ``units × unit sum insured × the disease's multiple``
(rounded half up to the fen once), units capped at the program's most per person. It is refused,
with the first :class:`~anxin.domain.group_cover.Reason` that applies, when the disease is not
listed, the diagnosis falls outside the period of cover, the person's age or sex is not covered, it
falls in the waiting period, or — where the program says cover ends after a payout — the person has
already been paid (in any policy year: 责任终止，不再续保).

A group enrols only when enough of its eligible staff join (:func:`check_group`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from anxin.domain.errors import InvalidInput
from anxin.domain.group_cover import Reason, age_covered, age_day, age_in_years, in_waiting_period
from anxin.domain.money import BASIS_POINTS, format_yuan, round_half_up
from anxin.domain.programs.group_terms import format_multiple, ratio
from anxin.domain.programs.specified_disease import Sex, SpecifiedDiseaseParameters


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A claim: a person's diagnosis of a disease (by the program's disease code)."""

    claim_id: str
    born_on: dt.date
    cover_from: dt.date
    cover_to: dt.date
    diagnosed_on: dt.date
    disease_code: str
    units: int = 1
    sex: Sex | None = None
    renewed: bool = False


@dataclass(frozen=True, slots=True)
class LumpSum:
    """What a diagnosis pays and why: ``payout = round(units_paid × unit_sum × multiple)``."""

    claim_id: str
    reason: Reason
    age: int
    units: int
    units_paid: int
    unit_sum_fen: int
    multiple_bp: int
    gross_e4: int
    payout_fen: int


def units_paid(p: SpecifiedDiseaseParameters, units: int) -> int:
    return units if p.max_units is None else min(units, p.max_units)


def premium_fen(p: SpecifiedDiseaseParameters, units: int) -> int:
    """The premium for ``units`` units (e.g. 20 yuan a unit of 10,000)."""
    return units_paid(p, units) * p.unit_premium


def assess(p: SpecifiedDiseaseParameters, claim: Diagnosis, *, paid_before: bool) -> tuple[LumpSum, bool]:
    """What the diagnosis pays, and whether the person has been paid once this is done."""
    if claim.units < 1:
        raise InvalidInput(
            f"理赔 {claim.claim_id}：份数至少为 1", f"claim {claim.claim_id}: at least one unit"
        )
    if p.sex is not None and claim.sex is None:
        raise InvalidInput(f"理赔 {claim.claim_id}：缺少性别", f"claim {claim.claim_id}: sex is missing")
    day = age_day(p.eligibility, claim.diagnosed_on, claim.cover_from)
    disease = p.disease(claim.disease_code)
    units = units_paid(p, claim.units)
    multiple = disease.multiple if disease else 0
    gross = units * p.unit_sum_insured * multiple
    refused: Reason | None = None
    if disease is None:
        refused = Reason.DISEASE_NOT_LISTED
    elif not claim.cover_from <= claim.diagnosed_on <= claim.cover_to:
        refused = Reason.OUTSIDE_COVER
    elif not age_covered(p.eligibility, claim.born_on, day):
        refused = Reason.AGE_NOT_COVERED
    elif p.sex is not None and claim.sex is not p.sex:
        refused = Reason.SEX_NOT_COVERED
    elif in_waiting_period(p.waiting, claim.cover_from, claim.diagnosed_on, renewed=claim.renewed):
        refused = Reason.WAITING_PERIOD
    elif p.ends_after_payout and paid_before:
        refused = Reason.COVER_ENDED
    payout = 0 if refused else round_half_up(gross, BASIS_POINTS)
    result = LumpSum(
        claim_id=claim.claim_id,
        reason=refused or Reason.PAID,
        age=age_in_years(claim.born_on, day),
        units=claim.units,
        units_paid=units,
        unit_sum_fen=p.unit_sum_insured,
        multiple_bp=multiple,
        gross_e4=gross,
        payout_fen=payout,
    )
    return result, paid_before or refused is None


@dataclass(frozen=True)
class GroupCheck:
    """Whether a group may enrol: ``insured`` of ``eligible`` staff, against the program's rule."""

    insured: int
    eligible: int
    enough_people: bool
    enough_share: bool

    @property
    def ok(self) -> bool:
        return self.enough_people and self.enough_share


def check_group(p: SpecifiedDiseaseParameters, *, insured: int, eligible: int) -> GroupCheck:
    """A group of ``eligible`` staff (e.g. its female staff) enrolling ``insured`` of them: at least
    ``min_insured`` people and at least ``min_share`` of the eligible (exact, in basis points)."""
    if insured < 0 or eligible < insured:
        raise InvalidInput(
            "参保人数应在 0 与符合条件人数之间", "insured must be between 0 and the eligible staff"
        )
    rule = p.group
    return GroupCheck(
        insured=insured,
        eligible=eligible,
        enough_people=insured >= rule.min_insured,
        enough_share=insured * BASIS_POINTS >= rule.min_share * eligible,
    )


def group_check_lines(p: SpecifiedDiseaseParameters, check: GroupCheck) -> list[tuple[str, str]]:
    """The group check explained, (Chinese, English) per line."""
    rule = p.group
    yes = lambda ok: ("符合", "met") if ok else ("不符合", "not met")  # noqa: E731
    people, share = yes(check.enough_people), yes(check.enough_share)
    return [
        (f"参保 {check.insured} 人，不少于 {rule.min_insured} 人：{people[0]}",
         f"{check.insured} insured, at least {rule.min_insured}: {people[1]}"),
        (f"参保 {check.insured} 人 / 符合条件 {check.eligible} 人，不低于 {ratio(rule.min_share)}：{share[0]}",
         f"{check.insured} of {check.eligible} eligible, at least {ratio(rule.min_share)}: {share[1]}"),
    ]  # fmt: skip


def explain(p: SpecifiedDiseaseParameters, result: LumpSum, disease_code: str, lang: str = "zh") -> list[str]:
    """A lump sum explained line by line; the last line is the payout."""
    zh = lang == "zh"
    disease = p.disease(disease_code)
    name = (disease.name_zh if zh else disease.name_en) if disease else disease_code
    m = format_multiple(result.multiple_bp)
    y = format_yuan
    lines = [f"疾病：{name}，给付保险金额的 {m} 倍" if zh else f"Disease: {name}, pays {m} × the sum insured"]
    if result.units_paid != result.units:
        lines.append(f"投保 {result.units} 份，每人最多 {result.units_paid} 份" if zh
                     else f"{result.units} units held, at most {result.units_paid} paid")  # fmt: skip
    amount = round_half_up(result.gross_e4, BASIS_POINTS)
    lines.append(
        f"{result.units_paid} 份 × 每份 {y(result.unit_sum_fen)} 元 × {m} = {y(amount)} 元" if zh
        else f"{result.units_paid} units × {y(result.unit_sum_fen)} × {m} = {y(amount)}"
    )  # fmt: skip
    if result.reason.rejects:
        label = result.reason.label_zh if zh else result.reason.label_en
        lines.append(f"不予赔付（{label}）：−{y(amount)} 元" if zh else f"Not paid ({label}): −{y(amount)}")
    lines.append(f"本次赔付：{y(result.payout_fen)} 元" if zh else f"Payout: {y(result.payout_fen)} yuan")
    return lines
