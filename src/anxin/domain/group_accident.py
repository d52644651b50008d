"""The group accident and health rule (团体意外与健康保险), one claim at a time, in fen and basis points.

A person's claims in a policy year are taken in order (the day each fell due, then the claim id) and
share the year's accumulators (:class:`PersonYear`): disability paid, whether a death was accepted,
accident-medical and illness-stay payouts, allowance days paid. A claim:

1. is refused, with the first :class:`~anxin.domain.group_cover.Reason` that applies, when the program
   lacks the benefit, the accident or admission lies outside the period of cover, the person's age is
   not covered, an illness falls in the waiting period, a death or disability assessment comes more
   than the allowed days after the accident, or the person's death was already accepted;
2. is otherwise worth ``claimed``: (base − deductible) × ratio, rounded half up to the fen once
   (:func:`~anxin.domain.money.round_half_up`), less what exceeds a per-claim (per-stay) limit —
   base is the expense, the sum insured, or the days in hospital × the daily amount;
3. pays ``min(claimed, limit − used before)``, never below zero, where the limit is the benefit's
   yearly one: the medical or illness annual limit, the allowance's days a year, the disability sum
   insured (and the joint death-and-disability limit), for a death the sum insured at the person's
   age less the disability already paid (or the joint limit less it).

The batch engine (:mod:`anxin.engine.group_accident`) computes the same over whole populations.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from anxin.domain.errors import InvalidInput
from anxin.domain.group_cover import Reason, age_covered, age_day, age_in_years, in_waiting_period, reaches
from anxin.domain.money import BASIS_POINTS, round_half_up
from anxin.domain.programs.group_accident import GroupAccidentParameters


class ClaimType(enum.StrEnum):
    DEATH = "death"
    DISABILITY = "disability"
    ACCIDENT_MEDICAL = "accident_medical"
    HOSPITAL_ALLOWANCE = "hospital_allowance"
    ILLNESS_HOSPITAL = "illness_hospital"

    @property
    def label_zh(self) -> str:
        return _TYPE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _TYPE_LABELS[self][1]


_TYPE_LABELS = {
    ClaimType.DEATH: ("意外身故保险金", "accidental death benefit"),
    ClaimType.DISABILITY: ("意外伤残保险金", "accidental disability benefit"),
    ClaimType.ACCIDENT_MEDICAL: ("意外医疗保险金", "accident medical benefit"),
    ClaimType.HOSPITAL_ALLOWANCE: ("住院津贴", "hospital daily allowance"),
    ClaimType.ILLNESS_HOSPITAL: ("疾病住院医疗保险金", "illness hospitalization benefit"),
}
_ACCIDENT_ONLY = (ClaimType.DEATH, ClaimType.DISABILITY, ClaimType.ACCIDENT_MEDICAL)


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim. ``due_on``: the day it fell due (death, assessment, discharge or treatment), which
    orders a person's claims. A hospital allowance without ``accident_on`` is for an illness stay."""

    claim_id: str
    claim_type: ClaimType
    born_on: dt.date
    cover_from: dt.date
    cover_to: dt.date
    due_on: dt.date
    renewed: bool = False
    basic_insurance: bool = True
    accident_on: dt.date | None = None
    admitted_on: dt.date | None = None
    discharged_on: dt.date | None = None
    grades: tuple[int, ...] = ()
    expense_fen: int = 0

    @property
    def by_illness(self) -> bool:
        return self.claim_type is ClaimType.ILLNESS_HOSPITAL or (
            self.claim_type is ClaimType.HOSPITAL_ALLOWANCE and self.accident_on is None
        )

    @property
    def event_on(self) -> dt.date:
        """The accident date, or for an illness the admission date: cover, age and waiting period."""
        day = self.admitted_on if self.by_illness else self.accident_on
        assert day is not None
        return day

    def check(self) -> None:
        """Refuse a claim that lacks what its type needs (a data error, not a rejection)."""
        needs: list[str] = []
        if self.claim_type in _ACCIDENT_ONLY and self.accident_on is None:
            needs.append("accident_on")
        if self.claim_type in (ClaimType.HOSPITAL_ALLOWANCE, ClaimType.ILLNESS_HOSPITAL):
            if self.admitted_on is None:
                needs.append("admitted_on")
            if self.claim_type is ClaimType.HOSPITAL_ALLOWANCE and self.discharged_on is None:
                needs.append("discharged_on")
        if self.claim_type is ClaimType.DISABILITY and not self.grades:
            needs.append("grades")
        bad_grades = any(not 1 <= g <= 10 for g in self.grades)
        stay = self.admitted_on and self.discharged_on and self.discharged_on < self.admitted_on
        if needs or bad_grades or stay or self.expense_fen < 0:
            problem = ", ".join(needs) or "grades 1–10, discharge ≥ admission, expense ≥ 0"
            raise InvalidInput(
                f"理赔 {self.claim_id} 数据不全或有误：{problem}", f"claim {self.claim_id}: {problem}"
            )


@dataclass(frozen=True, slots=True)
class PersonYear:
    """A person's accumulators in a policy year, before the next claim."""

    disability_fen: int = 0
    dead: bool = False
    medical_fen: int = 0
    allowance_days: int = 0
    illness_fen: int = 0


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a claim pays and every amount that explains it (the engine's output columns).

    ``payout = base − deductible − (base − deductible) × (1 − ratio) + rounding − per_claim_cut −
    limit_cut`` exactly, where rounding = claimed + per_claim_cut − gross / 10,000.
    """

    claim_id: str
    claim_type: ClaimType
    reason: Reason
    age: int
    base_fen: int = 0
    deductible_fen: int = 0
    ratio_bp: int = BASIS_POINTS
    gross_e4: int = 0
    per_claim_cut_fen: int = 0
    claimed_fen: int = 0
    limit_fen: int | None = None
    used_before_fen: int = 0
    limit_cut_fen: int = 0
    payout_fen: int = 0
    daily_fen: int = 0
    stay_days: int = 0
    days_paid: int = 0
    worst_grade: int = 0
    paid_grade: int = 0


def combined_grade(grades: tuple[int, ...], raise_shared_worst: bool = True) -> int:
    """Several injuries: the worst (lowest-numbered) grade, one grade higher when two or more
    injuries share it — never above grade 1, never more than one grade."""
    worst = min(grades)
    if raise_shared_worst and grades.count(worst) >= 2 and worst > 1:
        return worst - 1
    return worst


def death_sum_insured(parameters: GroupAccidentParameters, born: dt.date, day: dt.date) -> int:
    """The accidental-death sum insured for a person of that age on ``day`` (age bands lower it)."""
    death = parameters.death
    assert death is not None
    amount = death.sum_insured
    for band in death.age_bands:
        if reaches(band.from_age, born, day):
            amount = band.sum_insured
    return amount


def _refusal(p: GroupAccidentParameters, claim: Claim, state: PersonYear) -> Reason | None:
    kind = claim.claim_type
    benefit = {
        ClaimType.DEATH: p.death,
        ClaimType.DISABILITY: p.disability,
        ClaimType.ACCIDENT_MEDICAL: p.accident_medical,
        ClaimType.HOSPITAL_ALLOWANCE: p.hospital_allowance,
        ClaimType.ILLNESS_HOSPITAL: p.illness_hospital,
    }[kind]
    if benefit is None or (kind is ClaimType.HOSPITAL_ALLOWANCE and claim.by_illness and not benefit.illness):  # type: ignore[union-attr]
        return Reason.NOT_COVERED
    event = claim.event_on
    if not claim.cover_from <= event <= claim.cover_to:
        return Reason.OUTSIDE_COVER
    if not age_covered(p.eligibility, claim.born_on, age_day(p.eligibility, event, claim.cover_from)):
        return Reason.AGE_NOT_COVERED
    if claim.by_illness and in_waiting_period(
        p.illness_waiting, claim.cover_from, event, renewed=claim.renewed
    ):
        return Reason.WAITING_PERIOD
    if kind in (ClaimType.DEATH, ClaimType.DISABILITY):
        within = p.death.within_days if kind is ClaimType.DEATH else p.disability.within_days  # type: ignore[union-attr]
        if (claim.due_on - event).days > within:
            return Reason.TOO_LATE
        if state.dead:
            return Reason.COVER_ENDED
    return None


def _capped(limit: int | None, used: int, claimed: int) -> int:
    return claimed if limit is None else max(0, min(claimed, limit - used))


_Step = tuple[Assessment, int, PersonYear]


def _death(p: GroupAccidentParameters, claim: Claim, state: PersonYear, out: Assessment, ok: bool) -> _Step:
    day = age_day(p.eligibility, claim.event_on, claim.cover_from)
    sum_insured = death_sum_insured(p, claim.born_on, day) if p.death else 0
    limit = sum_insured if p.death_disability_limit is None else p.death_disability_limit
    out = replace(out, base_fen=sum_insured, gross_e4=sum_insured * BASIS_POINTS, claimed_fen=sum_insured,
                  limit_fen=limit, used_before_fen=state.disability_fen)  # fmt: skip
    return out, _capped(limit, state.disability_fen, sum_insured), state


def _disability(
    p: GroupAccidentParameters, claim: Claim, state: PersonYear, out: Assessment, ok: bool
) -> _Step:
    dis = p.disability
    sum_insured = dis.sum_insured if dis else 0
    worst = min(claim.grades)
    grade = combined_grade(claim.grades, dis.raise_shared_worst) if dis else worst
    ratio = dis.grade_ratios[grade - 1] if dis else 0
    limit = sum_insured if p.death_disability_limit is None else min(sum_insured, p.death_disability_limit)
    gross = sum_insured * ratio
    out = replace(out, base_fen=sum_insured, ratio_bp=ratio, gross_e4=gross,
                  claimed_fen=round_half_up(gross, BASIS_POINTS), limit_fen=limit,
                  used_before_fen=state.disability_fen, worst_grade=worst, paid_grade=grade)  # fmt: skip
    payout = _capped(limit, state.disability_fen, out.claimed_fen)
    return out, payout, replace(state, disability_fen=state.disability_fen + payout) if ok else state


def _allowance(
    p: GroupAccidentParameters, claim: Claim, state: PersonYear, out: Assessment, ok: bool
) -> _Step:
    allow = p.hospital_allowance
    assert claim.admitted_on is not None and claim.discharged_on is not None
    daily = allow.daily if allow else 0
    stay = (claim.discharged_on - claim.admitted_on).days  # the admission day counts, discharge not
    not_paid = min(stay, allow.deductible_days) if allow else 0
    after_deductible = stay - not_paid
    most = None if allow is None else allow.max_days_per_stay
    days = after_deductible if most is None else min(after_deductible, most)
    year_most = None if allow is None else allow.max_days_per_year
    days_paid = _capped(year_most, state.allowance_days, days) if ok else 0
    out = replace(out, base_fen=stay * daily, deductible_fen=not_paid * daily,
                  gross_e4=after_deductible * daily * BASIS_POINTS, per_claim_cut_fen=(after_deductible - days) * daily,
                  claimed_fen=days * daily, limit_fen=None if year_most is None else year_most * daily,
                  used_before_fen=state.allowance_days * daily, daily_fen=daily, stay_days=stay,
                  days_paid=days_paid)  # fmt: skip
    return out, days_paid * daily, replace(state, allowance_days=state.allowance_days + days_paid)


def _medical(p: GroupAccidentParameters, claim: Claim, state: PersonYear, out: Assessment, ok: bool) -> _Step:
    """Accident medical (after social insurance) or an illness stay (after basic insurance)."""
    medical = claim.claim_type is ClaimType.ACCIDENT_MEDICAL
    deductible, ratio, per_claim, limit = 0, 0, None, None
    if medical and p.accident_medical is not None:
        rule = p.accident_medical
        deductible, ratio, per_claim, limit = (
            rule.deductible,
            rule.ratio,
            rule.per_claim_limit,
            rule.annual_limit,
        )
        if not claim.basic_insurance:
            deductible = deductible if rule.uninsured_deductible is None else rule.uninsured_deductible
            ratio = ratio if rule.uninsured_ratio is None else rule.uninsured_ratio
    elif not medical and p.illness_hospital is not None:
        ill = p.illness_hospital
        deductible, ratio, limit = ill.deductible, ill.ratio, ill.annual_limit
    applied = min(claim.expense_fen, deductible)
    gross = (claim.expense_fen - applied) * ratio
    rounded = round_half_up(gross, BASIS_POINTS)
    claimed = rounded if per_claim is None else min(rounded, per_claim)
    used = state.medical_fen if medical else state.illness_fen
    out = replace(out, base_fen=claim.expense_fen, deductible_fen=applied, ratio_bp=ratio, gross_e4=gross,
                  per_claim_cut_fen=rounded - claimed, claimed_fen=claimed, limit_fen=limit, used_before_fen=used)  # fmt: skip
    payout = _capped(limit, used, claimed)
    if not ok:
        return out, payout, state
    if medical:
        return out, payout, replace(state, medical_fen=state.medical_fen + payout)
    return out, payout, replace(state, illness_fen=state.illness_fen + payout)


_BENEFITS = {
    ClaimType.DEATH: _death,
    ClaimType.DISABILITY: _disability,
    ClaimType.HOSPITAL_ALLOWANCE: _allowance,
    ClaimType.ACCIDENT_MEDICAL: _medical,
    ClaimType.ILLNESS_HOSPITAL: _medical,
}


def assess(p: GroupAccidentParameters, claim: Claim, state: PersonYear) -> tuple[Assessment, PersonYear]:
    """What ``claim`` pays given the person-year's accumulators, and the accumulators after it.

    Every amount is worked out even for a refused claim (the explanation shows what it was worth);
    a refused claim pays nothing and leaves the accumulators as they were — except that a death,
    once accepted past the checks of cover, age and time, ends the person's cover."""
    claim.check()
    age = age_in_years(claim.born_on, age_day(p.eligibility, claim.event_on, claim.cover_from))
    refused = _refusal(p, claim, state)
    out, payout, after = _BENEFITS[claim.claim_type](
        p, claim, state, Assessment(claim.claim_id, claim.claim_type, Reason.PAID, age), refused is None
    )
    if claim.claim_type is ClaimType.DEATH and refused in (None, Reason.COVER_ENDED):
        after = replace(after, dead=True)
    if refused is not None:
        return replace(out, reason=refused, limit_cut_fen=0, payout_fen=0), after
    if payout > 0:
        reason = Reason.PAID
    else:
        reason = Reason.NOTHING_DUE if out.claimed_fen == 0 else Reason.LIMIT_REACHED
    return replace(out, reason=reason, limit_cut_fen=out.claimed_fen - payout, payout_fen=payout), after


def assess_all(
    p: GroupAccidentParameters, claims: list[Claim], state: PersonYear | None = None
) -> list[Assessment]:
    """A person-year's claims in order of ``(due_on, claim_id)``, accumulators carried along."""
    state = state or PersonYear()
    results = []
    for claim in sorted(claims, key=lambda c: (c.due_on, c.claim_id)):
        result, state = assess(p, claim, state)
        results.append(result)
    return results
