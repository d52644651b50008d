"""An independent, one-policy-at-a-time reference of the daily servicing run.

Plain Python over dicts (rows of the policies and loans frames), with ``datetime`` and exact
``Fraction`` rounding, written from the rules in ``docs/servicing.md`` and not from the engine. The
property tests compare the engine with it; the benchmark times it as the per-policy loop.
"""

from __future__ import annotations

import calendar
import datetime as dt
from fractions import Fraction

ACTIVE = {"in_force", "grace", "apl_cover", "suspended"}
COVERED = {"in_force", "grace", "apl_cover"}


def half_up(value: Fraction) -> int:
    """Non-negative fraction → whole fen, halves up."""
    whole = value.numerator // value.denominator
    return whole + (1 if value - whole >= Fraction(1, 2) else 0)


def months_after(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def year_of_policy(issue: dt.date, day: dt.date) -> int:
    years = day.year - issue.year
    if (day.month, day.day) < (issue.month, issue.day):
        years -= 1
    return years + 1


def interest(principal: int, rate_bp: int, days: int) -> int:
    if principal <= 0 or days <= 0:
        return 0
    return half_up(Fraction(principal * rate_bp * days, 10_000 * 365))


def cash_value(policy: dict, product, day: dt.date, paid_to: dt.date) -> int:
    counted = day
    if policy["premiums_paid"] < product.premium_count:
        counted = min(day, paid_to - dt.timedelta(days=1))
    table = product.cash_value.per_thousand
    year = min(max(year_of_policy(policy["issue_date"], counted), 1), len(table))
    return half_up(Fraction(policy["sum_insured"] * table[year - 1], 100_000))


def relief(campaigns, region: str, day: dt.date) -> tuple[int, bool]:
    grace, defer = 0, False
    for campaign in campaigns:
        if not campaign.window.starts <= day <= campaign.window.ends:
            continue
        if not any(region.startswith(p) for p in campaign.prefixes):
            continue
        if campaign.overrides.grace_days is not None:
            grace = max(grace, campaign.overrides.grace_days)
        defer = defer or campaign.overrides.defer_loan_interest
    return grace, defer


def service_policy(policy: dict, loan: dict | None, product, campaigns, day: dt.date):
    """One policy's day: (policy, loan or None, events as (event, from, to, debit, credit, fen))."""
    if policy["status"] not in ACTIVE or (
        policy["last_run_day"] is not None and policy["last_run_day"] >= day
    ):
        return policy, loan, []
    policy, loan, events = dict(policy), dict(loan) if loan else None, []
    months = product.premium.mode.months
    relief_grace, defer = relief(campaigns, policy["region"], day)

    if loan and day == loan["maturity"] and defer:
        events.append(("loan_interest_deferred", None, None, None, None, 0))
    if loan and day >= loan["maturity"] and not defer:
        added = interest(loan["principal"], loan["rate_bp"], (day - loan["start"]).days)
        events.append(
            ("loan_interest_capitalised", None, None, "policy_loans", "loan_interest_income", added)
        )
        loan.update(
            principal=loan["principal"] + added,
            start=day,
            maturity=day + dt.timedelta(days=product.loan.term_days),
            rate_bp=product.loan.annual_rate,
        )

    paid_to = months_after(policy["issue_date"], policy["premiums_paid"] * months)
    value = cash_value(policy, product, day, paid_to)
    accrued = interest(loan["principal"], loan["rate_bp"], (day - loan["start"]).days) if loan else 0
    debt = loan["principal"] + accrued if loan else 0
    status = policy["status"]
    event, lend, settle = None, 0, False
    # what a settlement pays out, and from which account: the cash value, or a maturity benefit
    payout, paid_from = value, "cash_value_paid"
    expiry = months_after(policy["issue_date"], 12 * product.term_years) if product.term_years else None

    if expiry is not None and day >= expiry:
        # the term is over: a covered policy is paid the maturity benefit, a suspended one its cash value
        event, to, settle = "matured", "matured", True
        if status in COVERED:
            per_thousand = product.maturity.per_thousand if product.maturity else 0
            payout = half_up(Fraction(policy["sum_insured"] * per_thousand, 100_000))
            paid_from = "maturity_benefits_paid"
    elif status in COVERED and loan and debt >= value and not defer:
        event = "debt_reached_cash_value"
        settle = product.on_debt_reaching_cash_value.value == "terminate"
        to = "terminated" if settle else "suspended"
    elif status == "in_force" and policy["premiums_paid"] < product.premium_count and paid_to <= day:
        event, to = "premium_due", "grace"
        policy["due_on"] = paid_to
    elif status == "grace" and day > policy["due_on"] + dt.timedelta(
        days=max(product.grace.days, relief_grace)
    ):
        need = policy["premium"] - policy["premium_credit"]
        available = value - debt
        next_due = months_after(policy["issue_date"], (policy["premiums_paid"] + 1) * months)
        period = (next_due - paid_to).days
        bought = available * period // policy["premium"] if available > 0 else 0
        if policy["apl"] and product.automatic_premium_loan and available >= need:
            event, to, lend = "automatic_premium_loan", "in_force", need
            policy.update(premiums_paid=policy["premiums_paid"] + 1, premium_credit=0, due_on=None)
        elif policy["apl"] and product.automatic_premium_loan and bought >= 1:
            event, to = "automatic_premium_loan_partial", "apl_cover"
            lend = half_up(Fraction(policy["premium"] * bought, period))
            policy.update(
                premium_credit=policy["premium_credit"] + lend, cover_to=day + dt.timedelta(days=bought - 1)
            )
        else:
            event, to = "grace_ended", "suspended"
    elif status == "apl_cover" and day > policy["cover_to"]:
        event, to = "apl_cover_ended", "suspended"
    elif status == "suspended" and day > policy["suspended_on"] + dt.timedelta(
        days=product.reinstatement.window_days
    ):
        event, to, settle = "reinstatement_window_over", "terminated", True

    if (
        event is None
        and status == "grace"
        and day == policy["due_on"] + dt.timedelta(days=product.grace.days + 1)
    ):
        # the product's grace would have ended today: a relief campaign's longer grace keeps it
        events.append(("grace_extended_by_relief", None, None, None, None, 0))
    if event is not None:
        postings = []
        if lend:
            if accrued:
                postings.append(("policy_loans", "loan_interest_income", accrued))
            postings.append(("policy_loans", "premium_income", lend))
            principal = (loan["principal"] if loan else 0) + accrued + lend
            loan = {
                "policy_id": policy["policy_id"],
                "principal": principal,
                "start": day,
                "maturity": day + dt.timedelta(days=product.loan.term_days),
                "rate_bp": product.loan.annual_rate,
                "interest": 0,
            }
        if settle:
            if accrued:
                postings.append(("policy_loans", "loan_interest_income", accrued))
            if min(payout, debt):
                postings.append((paid_from, "policy_loans", min(payout, debt)))
            if debt > payout:
                postings.append(("loan_losses", "policy_loans", debt - payout))
            if payout > debt:
                postings.append((paid_from, "refunds_payable", payout - debt))
            loan = None
        for debit, credit, amount in postings or [(None, None, 0)]:
            events.append((event, status, to, debit, credit, amount))
        policy.update(status=to, status_since=day)
        if to == "suspended":
            policy["suspended_on"] = day
    if loan and not lend:
        loan["interest"] = accrued
    policy["last_run_day"] = day
    return policy, loan, events


def run_day_reference(policies: list[dict], loans: list[dict], products: dict, campaigns, day: dt.date):
    """The whole book, policy by policy: (policies, loans, events as dicts like the engine's)."""
    by_policy = {loan["policy_id"]: loan for loan in loans}
    out_policies, out_loans, out_events = [], [], []
    for policy in policies:
        loan = by_policy.pop(policy["policy_id"], None)
        policy, loan, events = service_policy(policy, loan, products[policy["product"]], campaigns, day)
        out_policies.append(policy)
        if loan:
            out_loans.append(loan)
        for event, status_from, status_to, debit, credit, amount in events:
            out_events.append(
                {
                    "policy_id": policy["policy_id"],
                    "day": day,
                    "event": event,
                    "status_from": status_from,
                    "status_to": status_to,
                    "debit": debit,
                    "credit": credit,
                    "amount": amount,
                }
            )
    out_loans.extend(by_policy.values())
    return out_policies, out_loans, out_events
