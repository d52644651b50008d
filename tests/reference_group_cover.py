"""An independent, row-at-a-time statement of the group accident & health and specified-disease rules,
for checking the batch engines.

Written from docs/programs.md in plain Python with exact fractions; it reads the
parameter models as data and uses nothing of ``anxin``'s rule code. Claims are dicts with the engine's
input columns; each person-year is walked in (due date, claim id) order with a dict of what was used.
"""

from __future__ import annotations

from fractions import Fraction

ACCIDENT_TYPES = {"death", "disability", "accident_medical"}


def _years(born, day) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def _old_enough(limit, born, day) -> bool:
    return ((day - born).days if limit.in_days else _years(born, day)) >= limit.count


def _young_enough(limit, born, day) -> bool:
    return ((day - born).days if limit.in_days else _years(born, day)) <= limit.count


def _round(value: Fraction) -> int:
    whole = value.numerator // value.denominator
    return whole + 1 if value - whole >= Fraction(1, 2) else whole


def _ages_ok(eligibility, born, day) -> bool:
    if eligibility.min_age is not None and not _old_enough(eligibility.min_age, born, day):
        return False
    return eligibility.max_age is None or _young_enough(eligibility.max_age, born, day)


def _waiting(waiting, cover_from, day, renewed) -> bool:
    if waiting is None or waiting.days == 0:
        return False
    if renewed and not waiting.on_renewal:
        return False
    return day < cover_from + __import__("datetime").timedelta(days=waiting.days)


def pay_group_accident(params_of, claims, opening=None):
    """``params_of(claim)`` gives the parameters in force; returns {claim_id: (payout_fen, reason)}."""
    opening = opening or {}
    results = {}
    used: dict = {}
    for claim in sorted(claims, key=lambda c: (c["person_id"], c["policy_year"], c["due_on"], c["claim_id"])):
        key = (claim["person_id"], claim["policy_year"])
        if key not in used:
            o = opening.get(key, {})
            used[key] = {
                "dis": o.get("opening_disability_fen", 0),
                "dead": o.get("opening_dead", False),
                "med": o.get("opening_medical_fen", 0),
                "days": o.get("opening_allowance_days", 0),
                "ill": o.get("opening_illness_fen", 0),
            }
        state = used[key]
        p = params_of(claim)
        kind = claim["claim_type"]
        illness = kind == "illness_hospital" or (
            kind == "hospital_allowance" and claim.get("accident_on") is None
        )
        event = claim["admitted_on"] if illness else claim["accident_on"]
        benefit = {
            "death": p.death,
            "disability": p.disability,
            "accident_medical": p.accident_medical,
            "hospital_allowance": p.hospital_allowance,
            "illness_hospital": p.illness_hospital,
        }[kind]
        age_day = claim["cover_from"] if p.eligibility.ages_on.value == "cover_start" else event
        reason = None
        if benefit is None or (kind == "hospital_allowance" and illness and not benefit.illness):
            reason = "not_covered"
        elif event < claim["cover_from"] or event > claim["cover_to"]:
            reason = "outside_cover"
        elif not _ages_ok(p.eligibility, claim["born_on"], age_day):
            reason = "age_not_covered"
        elif illness and _waiting(p.illness_waiting, claim["cover_from"], event, claim.get("renewed", False)):
            reason = "waiting_period"
        elif kind in ("death", "disability") and (claim["due_on"] - event).days > benefit.within_days:
            reason = "too_late"
        elif kind in ("death", "disability") and state["dead"]:
            reason = "cover_ended"
        if reason is not None:
            if kind == "death" and reason == "cover_ended":
                state["dead"] = True
            results[claim["claim_id"]] = (0, reason)
            continue

        if kind == "death":
            amount = p.death.sum_insured
            for band in p.death.age_bands:
                if _old_enough(band.from_age, claim["born_on"], age_day):
                    amount = band.sum_insured
            ceiling = p.death_disability_limit if p.death_disability_limit is not None else amount
            claimed = amount
            payout = max(0, min(amount, ceiling - state["dis"]))
            state["dead"] = True
        elif kind == "disability":
            grades = list(claim["grades"])
            worst = min(grades)
            if p.disability.raise_shared_worst and grades.count(worst) > 1 and worst > 1:
                worst -= 1
            claimed = _round(
                Fraction(p.disability.sum_insured * p.disability.grade_ratios[worst - 1], 10_000)
            )
            ceiling = p.disability.sum_insured
            if p.death_disability_limit is not None:
                ceiling = min(ceiling, p.death_disability_limit)
            payout = max(0, min(claimed, ceiling - state["dis"]))
            state["dis"] += payout
        elif kind == "hospital_allowance":
            a = p.hospital_allowance
            stay = (claim["discharged_on"] - claim["admitted_on"]).days
            days = max(0, stay - a.deductible_days)
            if a.max_days_per_stay is not None:
                days = min(days, a.max_days_per_stay)
            claimed = days * a.daily
            if a.max_days_per_year is not None:
                days = max(0, min(days, a.max_days_per_year - state["days"]))
            state["days"] += days
            payout = days * a.daily
        else:
            rule = benefit
            deductible, ratio = rule.deductible, rule.ratio
            if kind == "accident_medical" and not claim.get("basic_insurance", True):
                if rule.uninsured_deductible is not None:
                    deductible = rule.uninsured_deductible
                if rule.uninsured_ratio is not None:
                    ratio = rule.uninsured_ratio
            claimed = _round(Fraction(max(0, claim["expense_fen"] - deductible) * ratio, 10_000))
            if kind == "accident_medical" and rule.per_claim_limit is not None:
                claimed = min(claimed, rule.per_claim_limit)
            pool = "med" if kind == "accident_medical" else "ill"
            payout = (
                claimed
                if rule.annual_limit is None
                else max(0, min(claimed, rule.annual_limit - state[pool]))
            )
            state[pool] += payout
        if payout > 0:
            results[claim["claim_id"]] = (payout, "paid")
        else:
            results[claim["claim_id"]] = (0, "nothing_due" if claimed == 0 else "limit_reached")
    return results


def pay_specified_disease(params_of, claims, opening=None):
    """{claim_id: (payout_fen, reason)}; a person's claims in (diagnosis date, claim id) order."""
    paid = dict(opening or {})
    results = {}
    for claim in sorted(claims, key=lambda c: (c["person_id"], c["diagnosed_on"], c["claim_id"])):
        p = params_of(claim)
        person = claim["person_id"]
        disease = next((d for d in p.diseases if d.code == claim["disease_code"]), None)
        day = claim["diagnosed_on"]
        age_day = claim["cover_from"] if p.eligibility.ages_on.value == "cover_start" else day
        if disease is None:
            reason = "disease_not_listed"
        elif day < claim["cover_from"] or day > claim["cover_to"]:
            reason = "outside_cover"
        elif not _ages_ok(p.eligibility, claim["born_on"], age_day):
            reason = "age_not_covered"
        elif p.sex is not None and claim.get("sex") != p.sex.value:
            reason = "sex_not_covered"
        elif _waiting(p.waiting, claim["cover_from"], day, claim.get("renewed", False)):
            reason = "waiting_period"
        elif p.ends_after_payout and paid.get(person, False):
            reason = "cover_ended"
        else:
            reason = "paid"
        if reason != "paid":
            results[claim["claim_id"]] = (0, reason)
            continue
        units = claim["units"] if p.max_units is None else min(claim["units"], p.max_units)
        results[claim["claim_id"]] = (
            _round(Fraction(units * p.unit_sum_insured * disease.multiple, 10_000)),
            "paid",
        )
        paid[person] = True
    return results
