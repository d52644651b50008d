"""Policies: the contract (who is who, how much, since when), its servicing state and its statuses.

Statuses change only along :data:`TRANSITIONS`, an explicit table (status, event) → status that the
engine and the request rules both follow and the tests check every event against.

Dates: a policy's premiums fall due on the issue date plus whole premium periods (months, clamped to
the end of a shorter month: issued 31 January, monthly → 28/29 February, 31 March). The policy year
a day falls in counts anniversaries of the issue date (year 1 until the first anniversary). A term
product's policy is covered until the day before the ``term_years``-th anniversary of its issue date,
its expiry day (满期日), on which the daily run ends it (:func:`maturity_settlement`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass

from anxin.domain.errors import Conflict, InvalidInput
from anxin.domain.life.events import Account, EventKind, Posting
from anxin.domain.life.interest import simple_interest
from anxin.domain.life.products import LifeProduct
from anxin.domain.money import BASIS_POINTS, format_yuan


class PolicyStatus(enum.StrEnum):
    IN_FORCE = "in_force"
    GRACE = "grace"
    #: Grace is over; the cash value bought days of cover by an automatic premium loan (按日垫交).
    APL_COVER = "apl_cover"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    SURRENDERED = "surrendered"
    CANCELLED = "cancelled"
    #: The term is over (满期终止): the maturity benefit, or a suspended policy's cash value, paid.
    MATURED = "matured"

    @property
    def label_zh(self) -> str:
        return _STATUS_ZH[self]

    @property
    def active(self) -> bool:
        """Still serviced by the daily run."""
        return self in ACTIVE


_STATUS_ZH = {
    PolicyStatus.IN_FORCE: "有效",
    PolicyStatus.GRACE: "宽限期",
    PolicyStatus.APL_COVER: "垫交保障期",
    PolicyStatus.SUSPENDED: "效力中止",
    PolicyStatus.TERMINATED: "终止",
    PolicyStatus.SURRENDERED: "已退保",
    PolicyStatus.CANCELLED: "犹豫期撤销",
    PolicyStatus.MATURED: "满期终止",
}

S = PolicyStatus
E = EventKind
ACTIVE = frozenset({S.IN_FORCE, S.GRACE, S.APL_COVER, S.SUSPENDED})
#: The covered statuses, in which a debt reaching the cash value suspends or terminates the policy.
COVERED = (S.IN_FORCE, S.GRACE, S.APL_COVER)

#: (status, event) → the status after. Events missing here do not change the status.
TRANSITIONS: dict[tuple[PolicyStatus, EventKind], PolicyStatus] = {
    (S.IN_FORCE, E.PREMIUM_DUE): S.GRACE,
    (S.GRACE, E.PREMIUM_PAID): S.IN_FORCE,
    (S.APL_COVER, E.PREMIUM_PAID): S.IN_FORCE,
    (S.GRACE, E.AUTOMATIC_PREMIUM_LOAN): S.IN_FORCE,
    (S.GRACE, E.AUTOMATIC_PREMIUM_LOAN_PARTIAL): S.APL_COVER,
    (S.GRACE, E.GRACE_ENDED): S.SUSPENDED,
    (S.APL_COVER, E.APL_COVER_ENDED): S.SUSPENDED,
    **{(s, E.DEBT_REACHED_CASH_VALUE): S.SUSPENDED for s in COVERED},  # product: suspend
    (S.SUSPENDED, E.REINSTATED): S.IN_FORCE,
    (S.SUSPENDED, E.REINSTATEMENT_WINDOW_OVER): S.TERMINATED,
    (S.IN_FORCE, E.COOLING_OFF_CANCELLED): S.CANCELLED,
    **{(s, E.SURRENDERED): S.SURRENDERED for s in ACTIVE},
    **{(s, E.MATURED): S.MATURED for s in ACTIVE},
}
#: Products that terminate on debt (万能型) go here instead of :data:`TRANSITIONS`.
TERMINATE_ON_DEBT = {(s, E.DEBT_REACHED_CASH_VALUE): S.TERMINATED for s in COVERED}


def next_status(status: PolicyStatus, event: EventKind, *, terminate_on_debt: bool = False) -> PolicyStatus:
    table = TERMINATE_ON_DEBT if terminate_on_debt and event is E.DEBT_REACHED_CASH_VALUE else TRANSITIONS
    if (status, event) not in table:
        raise Conflict(
            f"保单状态为「{status.label_zh}」，不能办理「{event.label_zh}」",
            f"a policy that is {status.value} cannot be {event.value}",
            code="invalid_policy_transition",
        )
    return table[(status, event)]


def add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def policy_year(issue_date: dt.date, day: dt.date) -> int:
    """1 in the first year; +1 on each anniversary (29 February: 1 March in common years)."""
    years = day.year - issue_date.year - ((day.month, day.day) < (issue_date.month, issue_date.day))
    return years + 1


@dataclass(frozen=True, slots=True)
class Beneficiary:
    party_id: str
    share_bp: int
    #: Beneficiaries of order 1 share first (受益顺序).
    order: int = 1


@dataclass(frozen=True, slots=True)
class StatusChange:
    day: dt.date
    status: PolicyStatus
    event: EventKind


@dataclass(frozen=True)
class PolicyContract:
    """Who is who on a policy. Parties are keys of persons (their ID numbers live, encrypted, there)."""

    policy_id: str
    product_code: str
    policyholder_id: str
    insured_id: str
    beneficiaries: tuple[Beneficiary, ...]
    agent_id: str
    sum_insured: int
    issue_date: dt.date
    received_on: dt.date
    region: str
    history: tuple[StatusChange, ...] = ()

    def __post_init__(self) -> None:
        if self.sum_insured <= 0:
            raise InvalidInput(
                "保险金额必须大于零", "the sum insured must be positive", code="invalid_policy"
            )
        for order in {b.order for b in self.beneficiaries}:
            total = sum(b.share_bp for b in self.beneficiaries if b.order == order)
            if total != BASIS_POINTS:
                raise InvalidInput(
                    f"第 {order} 顺序受益人的份额合计应为 100%（现为 {total / 100:g}%）",
                    f"beneficiaries of order {order} must share 100% (they share {total / 100:g}%)",
                    code="invalid_beneficiary_shares",
                )


@dataclass(frozen=True, slots=True)
class PolicyState:
    """One row of the policies frame: what servicing needs of a policy, and where it stands."""

    policy_id: str
    product: str
    region: str
    sum_insured: int
    premium: int
    issue_date: dt.date
    received_on: dt.date
    apl: bool
    status: PolicyStatus
    status_since: dt.date
    premiums_paid: int = 1
    #: Fen already paid towards the next premium (by a partial automatic premium loan).
    premium_credit: int = 0
    #: The due date of the oldest unpaid premium (while in grace, APL cover or suspended).
    due_on: dt.date | None = None
    #: The last day of cover bought by a partial automatic premium loan.
    cover_to: dt.date | None = None
    suspended_on: dt.date | None = None
    last_run_day: dt.date | None = None


@dataclass(frozen=True, slots=True)
class LoanState:
    """A policy's loan account: one per policy; a new loan restarts the term."""

    policy_id: str
    principal: int
    start: dt.date
    maturity: dt.date
    rate_bp: int
    #: Interest accrued from ``start`` to the last run day (for display; always recomputable).
    interest: int = 0

    def interest_on(self, day: dt.date) -> int:
        return simple_interest(self.principal, self.rate_bp, (day - self.start).days)

    def debt_on(self, day: dt.date) -> int:
        return self.principal + self.interest_on(day)


def paid_to(state: PolicyState, product: LifeProduct) -> dt.date:
    """The day the next premium falls due (cover is paid up to the day before)."""
    return add_months(state.issue_date, state.premiums_paid * product.premium.mode.months)


def cash_value_on(state: PolicyState, product: LifeProduct, day: dt.date) -> int:
    """The cash value on ``day``: the figure of the policy year the day falls in, counted only up to
    the last day premiums are paid for while premiums remain unpaid."""
    counted = day
    if state.premiums_paid < product.premium_count:
        counted = min(day, paid_to(state, product) - dt.timedelta(days=1))
    return product.cash_value_of(state.sum_insured, policy_year(state.issue_date, counted))


def expiry_date(issue_date: dt.date, product: LifeProduct) -> dt.date | None:
    """The expiry day (满期日) of a term policy: the ``term_years``-th anniversary of its issue date
    (cover runs to the day before); ``None`` for whole life."""
    if product.term_months is None:
        return None
    return add_months(issue_date, product.term_months)


@dataclass(frozen=True)
class MaturitySettlement:
    """What a policy reaching its term is paid (after its debt) and the postings that pay it."""

    amount: int
    postings: tuple[Posting, ...]
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]


def maturity_settlement(
    state: PolicyState, loan: LoanState | None, product: LifeProduct, day: dt.date
) -> MaturitySettlement:
    """A policy still active on or after its expiry day ends (``matured``). Covered on the day (in
    force, grace, APL cover): the product's maturity benefit (none for pure term) less the debt;
    suspended: its cash value less the debt, as when the reinstatement window closes. The debt is
    settled from that amount as in a surrender (any excess of debt is a loan loss); the rest is payable
    (``refunds_payable``), from ``maturity_benefits_paid`` or ``cash_value_paid``."""
    from anxin.domain.life.servicing import settle_against_cash_value  # servicing imports this module

    expiry = expiry_date(state.issue_date, product)
    if expiry is None or day < expiry or not state.status.active:
        raise Conflict(
            "保单未到满期日或已终止，不能满期给付",
            "the policy has not reached its expiry day, or has ended: nothing matures",
            code="not_matured",
        )
    y = format_yuan
    covered = state.status in COVERED
    if covered:
        base = product.maturity_benefit(state.sum_insured)
        zh = f"{expiry} 保险期间届满，满期保险金（保额 {y(state.sum_insured)} 元）：{y(base)} 元"
        en = f"term over on {expiry}: maturity benefit (sum insured {y(state.sum_insured)}): {y(base)}"
    else:
        base = cash_value_on(state, product, day)
        zh = f"{expiry} 保险期间届满，保单效力中止，退还现金价值 {y(base)} 元"
        en = f"term over on {expiry} while suspended: cash value {y(base)} refunded"
    refund, postings = settle_against_cash_value(base, loan, day)
    if covered:
        postings = [
            Posting(Account.MATURITY_BENEFITS_PAID, p.credit, p.amount)
            if p.debit is Account.CASH_VALUE_PAID
            else p
            for p in postings
        ]
    debt = loan.debt_on(day) if loan is not None else 0
    lines_zh = (
        zh,
        f"借款本息合计 {y(debt)} 元",
        f"给付 = {y(base)} − {y(debt)} = {y(refund)} 元（不低于零）",
    )
    lines_en = (en, f"debt {y(debt)}", f"paid = {y(base)} − {y(debt)} = {y(refund)} (never below zero)")
    return MaturitySettlement(refund, tuple(postings), lines_zh, lines_en)
