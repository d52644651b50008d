"""Servicing requests (保全项目) one policy at a time: the money rules, each explained line by line.

Every rule takes the policy's state, its loan account (or ``None``), its product, the day and the
relief terms in force for the policy's region, and returns an :class:`Outcome`: the new state, the
new loan account, the postings (which always balance) and the explanation in Chinese and English.
Nothing is stored here; a service applies the outcome.

* loan quote: at most ``ratio × (cash value − debt)``, rounded down to the fen;
* a new loan capitalises the interest accrued so far and restarts the term on its day;
* a repayment capitalises the accrued interest, then reduces the principal;
* reinstatement (复效): premiums owed + simple interest on each from the end of its grace period
  (none inside an interest-free relief window) + the loans repaid with their interest;
* cooling-off cancellation (犹豫期退保): premiums paid minus the product's fee (≤ 10 yuan);
* surrender (退保): cash value − debt (never below zero);
* survival benefit (生存金): the product's amount for a policy year, once the year is over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from anxin.domain.errors import Conflict, InvalidInput
from anxin.domain.life.events import Account, EventKind, Posting
from anxin.domain.life.interest import interest_lines, simple_interest
from anxin.domain.life.policy import (
    LoanState,
    PolicyState,
    PolicyStatus,
    add_months,
    cash_value_on,
    next_status,
    paid_to,
    policy_year,
)
from anxin.domain.life.products import LifeProduct
from anxin.domain.life.relief import ReliefTerms
from anxin.domain.money import BASIS_POINTS, format_ratio, format_yuan

S = PolicyStatus
y = format_yuan


@dataclass(frozen=True)
class Outcome:
    event: EventKind
    state: PolicyState
    loan: LoanState | None
    amount: int
    postings: tuple[Posting, ...]
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]


class _Lines:
    def __init__(self) -> None:
        self.zh: list[str] = []
        self.en: list[str] = []

    def add(self, zh: str, en: str) -> None:
        self.zh.append(zh)
        self.en.append(en)


def _refuse(zh: str, en: str, code: str) -> Conflict:
    return Conflict(zh, en, code=code)


def _debt_lines(lines: _Lines, loan: LoanState | None, day: dt.date) -> int:
    if loan is None:
        lines.add("保单贷款：无", "policy loan: none")
        return 0
    days = (day - loan.start).days
    interest = loan.interest_on(day)
    lines.add(
        f"贷款本金 {y(loan.principal)} 元，自 {loan.start} 起 {days} 天",
        f"loan principal {y(loan.principal)} since {loan.start}, {days} days",
    )
    lines.add(*interest_lines(loan.principal, loan.rate_bp, days))
    lines.add(f"借款本息合计 {y(loan.principal + interest)} 元", f"debt {y(loan.principal + interest)}")
    return loan.principal + interest


def _cash_value_line(lines: _Lines, state: PolicyState, product: LifeProduct, day: dt.date) -> int:
    value = cash_value_on(state, product, day)
    year = policy_year(state.issue_date, day)
    lines.add(
        f"第 {year} 保单年度现金价值（保额 {y(state.sum_insured)} 元）：{y(value)} 元",
        f"cash value in policy year {year} (sum insured {y(state.sum_insured)}): {y(value)}",
    )
    return value


def loan_quote(
    state: PolicyState, loan: LoanState | None, product: LifeProduct, day: dt.date
) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """The most that may be borrowed on ``day``: ratio × (cash value − debt), rounded down."""
    lines = _Lines()
    value = _cash_value_line(lines, state, product, day)
    debt = _debt_lines(lines, loan, day)
    ratio = product.loan.ratio
    quote = max(value - debt, 0) * ratio // BASIS_POINTS
    lines.add(
        f"可贷金额 = （{y(value)} − {y(debt)}）× {format_ratio(ratio)} = {y(quote)} 元（舍去不足一分）",
        f"loan available = ({y(value)} − {y(debt)}) × {format_ratio(ratio)} = {y(quote)} (rounded down)",
    )
    return quote, tuple(lines.zh), tuple(lines.en)


def take_loan(
    state: PolicyState, loan: LoanState | None, product: LifeProduct, day: dt.date, amount: int
) -> Outcome:
    if state.status is not S.IN_FORCE:
        raise _refuse("保单不在有效状态，不能贷款", "only a policy in force can borrow", "loan_not_allowed")
    quote, zh, en = loan_quote(state, loan, product, day)
    if not 0 < amount <= quote:
        raise InvalidInput(
            f"贷款金额 {y(amount)} 元超出可贷金额 {y(quote)} 元",
            f"a loan of {y(amount)} is above the {y(quote)} available",
            code="loan_above_limit",
        )
    lines = _Lines()
    lines.zh.extend(zh)
    lines.en.extend(en)
    accrued = loan.interest_on(day) if loan else 0
    principal = (loan.principal if loan else 0) + accrued + amount
    postings = [Posting(Account.POLICY_LOANS, Account.CASH, amount)]
    if accrued:
        postings.insert(0, Posting(Account.POLICY_LOANS, Account.LOAN_INTEREST_INCOME, accrued))
        lines.add(
            f"原贷款利息 {y(accrued)} 元转为本金", f"interest so far {y(accrued)} added to the principal"
        )
    maturity = day + dt.timedelta(days=product.loan.term_days)
    lines.add(
        f"本次贷款 {y(amount)} 元，贷款本金 {y(principal)} 元，年利率 {format_ratio(product.loan.annual_rate)}，到期日 {maturity}",
        f"loan {y(amount)}; principal now {y(principal)} at {format_ratio(product.loan.annual_rate)}, due {maturity}",
    )
    new_loan = LoanState(state.policy_id, principal, day, maturity, product.loan.annual_rate)
    return Outcome(
        EventKind.LOAN_TAKEN, state, new_loan, amount, tuple(postings), tuple(lines.zh), tuple(lines.en)
    )


def repay_loan(state: PolicyState, loan: LoanState | None, day: dt.date, amount: int) -> Outcome:
    if loan is None:
        raise _refuse("该保单没有贷款", "this policy has no loan", "no_loan")
    lines = _Lines()
    debt = _debt_lines(lines, loan, day)
    if not 0 < amount <= debt:
        raise InvalidInput(
            f"还款金额应在 0.01 至 {y(debt)} 元之间",
            f"repay between 0.01 and {y(debt)}",
            code="invalid_repayment",
        )
    interest = loan.interest_on(day)
    postings = [Posting(Account.CASH, Account.POLICY_LOANS, amount)]
    if interest:
        postings.insert(0, Posting(Account.POLICY_LOANS, Account.LOAN_INTEREST_INCOME, interest))
    left = debt - amount
    lines.add(f"还款 {y(amount)} 元，尚欠 {y(left)} 元", f"repaid {y(amount)}; {y(left)} still owed")
    new_loan = dataclasses.replace(loan, principal=left, start=day, interest=0) if left else None
    return Outcome(
        EventKind.LOAN_REPAID, state, new_loan, amount, tuple(postings), tuple(lines.zh), tuple(lines.en)
    )


def pay_premium(state: PolicyState, product: LifeProduct, day: dt.date) -> Outcome:
    """The next premium, less what a partial automatic premium loan already paid towards it."""
    if state.status not in (S.IN_FORCE, S.GRACE, S.APL_COVER) or state.premiums_paid >= product.premium_count:
        raise _refuse("保单当前无需交费", "no premium can be paid on this policy now", "premium_not_due")
    due = paid_to(state, product)
    amount = state.premium - state.premium_credit
    after = dataclasses.replace(state, premiums_paid=state.premiums_paid + 1, premium_credit=0, cover_to=None)
    following = paid_to(after, product)
    status = state.status
    if status is not S.IN_FORCE:
        status = next_status(status, EventKind.PREMIUM_PAID)
    still_due = following <= day and after.premiums_paid < product.premium_count
    after = dataclasses.replace(
        after,
        status=S.GRACE if still_due else status,
        status_since=day if status is not state.status or still_due else state.status_since,
        due_on=following if still_due else None,
    )
    lines = _Lines()
    lines.add(f"{due} 到期保费 {y(state.premium)} 元", f"premium due {due}: {y(state.premium)}")
    if state.premium_credit:
        lines.add(
            f"已由自动垫交支付 {y(state.premium_credit)} 元",
            f"{y(state.premium_credit)} already paid by the loan",
        )
    lines.add(f"本次交费 {y(amount)} 元，交至 {following}", f"paid {y(amount)}; paid up to {following}")
    posting = (Posting(Account.CASH, Account.PREMIUM_INCOME, amount),)
    return Outcome(EventKind.PREMIUM_PAID, after, None, amount, posting, tuple(lines.zh), tuple(lines.en))


def owed_premiums(state: PolicyState, product: LifeProduct, day: dt.date) -> list[dt.date]:
    """Due dates of the premiums unpaid on ``day`` (oldest first)."""
    months = product.premium.mode.months
    dues = []
    for index in range(state.premiums_paid, product.premium_count):
        due = add_months(state.issue_date, index * months)
        if due > day:
            break
        dues.append(due)
    return dues


def reinstate(
    state: PolicyState, loan: LoanState | None, product: LifeProduct, day: dt.date, relief: ReliefTerms
) -> Outcome:
    if state.status is not S.SUSPENDED or state.suspended_on is None:
        raise _refuse(
            "只有效力中止的保单可以复效", "only a suspended policy can be reinstated", "not_suspended"
        )
    last = state.suspended_on + dt.timedelta(days=product.reinstatement.window_days)
    if day > last:
        raise _refuse(
            f"复效期限已于 {last} 届满", f"the reinstatement window closed on {last}", "window_over"
        )
    lines = _Lines()
    free = relief.interest_free_reinstatement
    rate = product.reinstatement.annual_rate
    premiums = interest = 0
    for index, due in enumerate(owed_premiums(state, product, day)):
        owed = state.premium - (state.premium_credit if index == 0 else 0)
        from_day = due + dt.timedelta(days=product.grace.days)
        days = (day - from_day).days
        charged = 0 if free else simple_interest(owed, rate, days)
        premiums += owed
        interest += charged
        lines.add(
            f"{due} 到期保费 {y(owed)} 元，自宽限期满 {from_day} 起 {max(days, 0)} 天，利息 {y(charged)} 元",
            f"premium due {due}: {y(owed)}; {max(days, 0)} days from the end of grace {from_day}: "
            f"interest {y(charged)}",
        )
    count = len(owed_premiums(state, product, day))
    if free:
        lines.add(
            f"免息复效（{', '.join(relief.campaigns)}）", f"interest-free ({', '.join(relief.campaigns)})"
        )
    debt = _debt_lines(lines, loan, day)
    total = premiums + interest + debt
    lines.add(
        f"复效应交：保费 {y(premiums)} + 利息 {y(interest)} + 借款本息 {y(debt)} = {y(total)} 元",
        f"to reinstate: premiums {y(premiums)} + interest {y(interest)} + debt {y(debt)} = {y(total)}",
    )
    postings = [Posting(Account.CASH, Account.PREMIUM_INCOME, premiums)] if premiums else []
    if interest:
        postings.append(Posting(Account.CASH, Account.REINSTATEMENT_INTEREST_INCOME, interest))
    if loan is not None:
        if debt > loan.principal:
            postings.append(
                Posting(Account.POLICY_LOANS, Account.LOAN_INTEREST_INCOME, debt - loan.principal)
            )
        postings.append(Posting(Account.CASH, Account.POLICY_LOANS, debt))
    after = dataclasses.replace(
        state,
        status=next_status(state.status, EventKind.REINSTATED),
        status_since=day,
        premiums_paid=state.premiums_paid + count,
        premium_credit=0 if count else state.premium_credit,
        due_on=None,
        cover_to=None,
        suspended_on=None,
    )
    return Outcome(
        EventKind.REINSTATED, after, None, total, tuple(postings), tuple(lines.zh), tuple(lines.en)
    )


def cancel_in_cooling_off(
    state: PolicyState, loan: LoanState | None, product: LifeProduct, day: dt.date
) -> Outcome:
    last = state.received_on + dt.timedelta(days=product.cooling_off.days)
    if state.status is not S.IN_FORCE or day > last or day < state.received_on:
        raise _refuse(
            f"犹豫期为签收次日起 {product.cooling_off.days} 天（至 {last}），已不能撤销",
            f"the cooling-off period ({product.cooling_off.days} days after receipt, to {last}) is over",
            "cooling_off_over",
        )
    if loan is not None:
        raise _refuse("请先归还保单贷款", "repay the policy loan first", "loan_outstanding")
    paid = state.premiums_paid * state.premium + state.premium_credit
    fee = min(product.cooling_off.fee, paid)
    lines = _Lines()
    lines.add(f"已交保费 {y(paid)} 元，工本费 {y(fee)} 元", f"premiums paid {y(paid)}; fee {y(fee)}")
    lines.add(f"退还 {y(paid - fee)} 元", f"refund {y(paid - fee)}")
    postings = [Posting(Account.PREMIUM_INCOME, Account.REFUNDS_PAYABLE, paid - fee)]
    if fee:
        postings.append(Posting(Account.PREMIUM_INCOME, Account.FEE_INCOME, fee))
    after = dataclasses.replace(
        state, status=next_status(state.status, EventKind.COOLING_OFF_CANCELLED), status_since=day
    )
    event = EventKind.COOLING_OFF_CANCELLED
    return Outcome(event, after, None, paid - fee, tuple(postings), tuple(lines.zh), tuple(lines.en))


def settle_against_cash_value(
    cash_value: int, loan: LoanState | None, day: dt.date
) -> tuple[int, list[Posting]]:
    """Close a policy: the debt is repaid from the cash value, the rest is owed to the policyholder.

    Returns the refund and the postings: accrued interest recognised, the loan closed (from the cash
    value, any excess of debt as a loss), the refund payable."""
    postings = []
    debt = 0
    if loan is not None:
        interest = loan.interest_on(day)
        debt = loan.principal + interest
        if interest:
            postings.append(Posting(Account.POLICY_LOANS, Account.LOAN_INTEREST_INCOME, interest))
        if min(cash_value, debt):
            postings.append(Posting(Account.CASH_VALUE_PAID, Account.POLICY_LOANS, min(cash_value, debt)))
        if debt > cash_value:
            postings.append(Posting(Account.LOAN_LOSSES, Account.POLICY_LOANS, debt - cash_value))
    refund = max(cash_value - debt, 0)
    if refund:
        postings.append(Posting(Account.CASH_VALUE_PAID, Account.REFUNDS_PAYABLE, refund))
    return refund, postings


def surrender(state: PolicyState, loan: LoanState | None, product: LifeProduct, day: dt.date) -> Outcome:
    if not state.status.active:
        raise _refuse("保单已终止，不能退保", "the policy has ended; nothing to surrender", "policy_ended")
    lines = _Lines()
    value = _cash_value_line(lines, state, product, day)
    debt = _debt_lines(lines, loan, day)
    refund, postings = settle_against_cash_value(value, loan, day)
    lines.add(
        f"退保金 = 现金价值 {y(value)} − 借款本息 {y(debt)} = {y(refund)} 元（30 日内支付）",
        f"surrender value = cash value {y(value)} − debt {y(debt)} = {y(refund)} (paid within 30 days)",
    )
    after = dataclasses.replace(
        state, status=next_status(state.status, EventKind.SURRENDERED), status_since=day
    )
    return Outcome(
        EventKind.SURRENDERED, after, None, refund, tuple(postings), tuple(lines.zh), tuple(lines.en)
    )


def survival_benefit(state: PolicyState, product: LifeProduct, year: int, day: dt.date) -> Outcome:
    """The survival benefit of policy ``year``; due once the year's last day has passed."""
    ends = add_months(state.issue_date, 12 * year)
    amount = product.survival_benefit(state.sum_insured, year)
    if state.status not in (S.IN_FORCE, S.GRACE, S.APL_COVER) or day < ends or not amount:
        raise _refuse(
            f"第 {year} 保单年度无可领取的生存金",
            f"no survival benefit to pay for policy year {year}",
            "no_benefit",
        )
    lines = _Lines()
    per_thousand = next(b.per_thousand for b in product.survival_benefits if b.policy_year == year)
    lines.add(
        f"第 {year} 保单年度末（{ends}）生存金：保额 {y(state.sum_insured)} 元 ÷ 1000 × {y(per_thousand)} 元 = {y(amount)} 元",
        f"survival benefit at the end of policy year {year} ({ends}): "
        f"{y(state.sum_insured)} ÷ 1,000 × {y(per_thousand)} = {y(amount)}",
    )
    posting = (Posting(Account.SURVIVAL_BENEFITS_PAID, Account.REFUNDS_PAYABLE, amount),)
    return Outcome(
        EventKind.SURVIVAL_BENEFIT_PAID, state, None, amount, posting, tuple(lines.zh), tuple(lines.en)
    )
