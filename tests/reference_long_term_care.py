"""An independent, row-at-a-time statement of the long-term care rule, for checking the engine.

Written from the rule in words (docs/programs.md, "Long-term care programs"), with nothing from
``anxin``'s formula code: it reads the program's parameter values, walks each bill's care period day by
day, and pays bills one after another in (person, month, care start, bill id) order with exact
fractions.

    day status: not enrolled → no assessment in force → expired → level does not qualify → eligible
    covered     = min(days, eligible days)       (0 for an unknown provider or an unauthorised or
                                                  uncovered service)
    paid        = min(covered, month length − days already paid to the person that month)
    considered  = cost × paid / days, rounded half up to the fen
    payout      = min(considered × ratio rounded half up, paid × daily cap)   or   paid × flat
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from fractions import Fraction

ONE_DAY = dt.timedelta(days=1)


def half_up(value: Fraction) -> int:
    whole = value.numerator // value.denominator
    return whole + 1 if value - whole >= Fraction(1, 2) else whole


def plus_months(day: dt.date, months: int) -> dt.date:
    year = day.year + (day.month - 1 + months) // 12
    month = (day.month - 1 + months) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _version(program, day):
    chosen = None
    for version in program.versions:
        if version.effective_from <= day:
            chosen = version
    return chosen


def _status(day, person, params, assessments, enrolments) -> str:
    if not any(f <= day and (t is None or day <= t) for f, t in enrolments.get(person, [])):
        return "not_enrolled"
    rules = params.assessment
    mine = [a for a in assessments.get(person, []) if a[1] == rules.method.value and a[0] <= day]
    if not mine:
        return "no_assessment"
    assessed_on, _method, level = max(mine)
    if day >= plus_months(assessed_on, rules.valid_for):
        return "expired"
    codes = {"national_2021": ["normal", "mild", "moderate", "severe_1", "severe_2", "severe_3"]}
    names = codes.get(rules.method.value, ["intact", "mild", "moderate", "severe"])
    return "eligible" if names[level] in rules.eligible else "level"


def reference(program, bills, assessments, enrolments, providers):
    """``bills``: dicts with the kernel's bill columns (``service_from``/``to`` may be missing);
    ``assessments``: dicts (person_id, assessed_on, method, level); ``enrolments``: dicts
    (person_id, enrolled_from, enrolled_to); ``providers``: dicts (provider_code, tier,
    service_types). Returns per bill id: paid_days, days by reason, payout_fen."""
    by_assessment = defaultdict(list)
    for a in assessments:
        by_assessment[a["person_id"]].append((a["assessed_on"], a["method"], a["level"]))
    by_enrolment = defaultdict(list)
    for e in enrolments:
        by_enrolment[e["person_id"]].append((e["enrolled_from"], e.get("enrolled_to")))
    provider_of = {p["provider_code"]: p for p in providers}

    def start(bill):
        month = bill["month"].replace(day=1)
        return bill.get("service_from") or month

    ordered = sorted(bills, key=lambda b: (b["person_id"], b["month"].replace(day=1), start(b), b["bill_id"]))
    already: dict[tuple[str, dt.date], int] = {}
    results = {}
    for bill in ordered:
        month = bill["month"].replace(day=1)
        length = calendar.monthrange(month.year, month.month)[1]
        first = start(bill)
        last = bill.get("service_to") or month.replace(day=length)
        version = _version(program, first)
        params = version.parameters
        provider = provider_of.get(bill["provider_code"])
        terms = None
        refused = None
        if provider is None:
            refused = "provider_unknown"
        elif bill["service_type"] not in provider["service_types"]:
            refused = "service_not_authorised"
        else:
            for t in params.services:
                tier_matches = t.tier is None or t.tier == provider.get("tier")
                if t.service.value == bill["service_type"] and tier_matches:
                    terms = t
            if terms is None:
                refused = "service_not_covered"
        count = defaultdict(int)
        day = first
        while day <= last:
            count[_status(day, bill["person_id"], params, by_assessment, by_enrolment)] += 1
            day += ONE_DAY
        key = (bill["person_id"], month)
        if key not in already:
            already[key] = bill.get("opening_paid_days", 0) or 0
        days = bill["days"]
        result = {
            "days_refused": days if refused else 0,
            "days_not_enrolled": 0,
            "days_no_assessment": 0,
            "days_expired": 0,
            "days_level_ineligible": 0,
        }
        covered = 0 if refused else min(days, count["eligible"])
        unpaid = 0 if refused else days - covered
        for status, column in (
            ("not_enrolled", "days_not_enrolled"),
            ("no_assessment", "days_no_assessment"),
            ("expired", "days_expired"),
            ("level", "days_level_ineligible"),
        ):
            result[column] = min(unpaid, count[status])
            unpaid -= result[column]
        paid = max(0, min(covered, length - already[key]))
        already[key] += paid
        result["days_over_month"] = covered - paid
        result["paid_days"] = paid
        if terms is None:
            payout = 0
        elif terms.flat_daily is not None:
            payout = paid * terms.flat_daily
        else:
            considered = half_up(Fraction(bill["cost_fen"] * paid, days))
            by_ratio = half_up(Fraction(considered * terms.ratio, 10_000))
            payout = min(by_ratio, paid * terms.daily_cap)
        result["payout_fen"] = payout
        results[bill["bill_id"]] = result
    return results
