"""Deciding a money request on a stored policy, and quoting a policy, with the pure servicing rules.

:func:`decide` picks the rule of :mod:`anxin.domain.life.servicing` for a request kind and adds what
the database keeps beside the outcome: the loan account after, the day money owed to the customer is
due (30 days, Insurance Law), the reinstatement's restarted suicide-exclusion period, the interest a
relief campaign waived and which campaigns. :func:`quote_policy` reads a policy without locking or
writing and gives what a loan, a surrender and a reinstatement would come to on a day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from anxin.domain.errors import Conflict, InvalidInput
from anxin.domain.life import servicing
from anxin.domain.life.policy import LoanState, PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.domain.life.relief import ReliefCampaign, ReliefTerms, relief_on
from anxin.domain.life.requests import RequestKind, RequestStatus
from anxin.domain.money import format_yuan
from anxin.services.policy_records import StoredPolicy, load_policy
from anxin.store.database import Database
from anxin.store.life_files import campaigns_or_shipped, products_or_shipped
from anxin.store.schema import ServicingRequest

K = RequestKind
#: Days within which money owed to the customer is paid (surrender, refund, survival benefit).
PAY_WITHIN_DAYS = 30
#: Requests whose outcome carries the loan account after them (the others leave it as it is).
_LOAN_AFTER = frozenset(
    {
        K.LOAN,
        K.REPAYMENT,
        K.REINSTATEMENT,
        K.INTEREST_FREE_REINSTATEMENT,
        K.COOLING_OFF_CANCELLATION,
        K.SURRENDER,
    }
)
_PAYS_OUT = frozenset({K.COOLING_OFF_CANCELLATION, K.SURRENDER, K.SURVIVAL_BENEFIT})


@dataclass(frozen=True)
class Decision:
    outcome: servicing.Outcome
    loan: LoanState | None
    due_by: dt.date | None
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Quote:
    amount_fen: int
    lines_zh: tuple[str, ...]
    lines_en: tuple[str, ...]


@dataclass(frozen=True)
class PolicyQuotes:
    policy_no: str
    day: dt.date
    status: str
    loan: Quote | None
    surrender: Quote | None
    reinstatement: Quote | None


def amount_of(details: Mapping[str, Any]) -> int:
    """The ``amount_fen`` of a loan or repayment request: a positive whole number of fen."""
    amount = details.get("amount_fen")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(
            "须填写金额（大于零的整数分）",
            "give the amount (a positive whole number of fen)",
            code="invalid_amount",
        )
    return amount


def _product(catalogue: Mapping[str, LifeProduct], code: str) -> LifeProduct:
    if code not in catalogue:
        raise InvalidInput(f"不认识的产品代码 {code}", f"unknown product code {code}", code="unknown_product")
    return catalogue[code]


def _year(details: Mapping[str, Any]) -> int:
    year = details.get("policy_year")
    if isinstance(year, bool) or not isinstance(year, int) or year < 1:
        raise InvalidInput(
            "须填写保单年度（≥ 1）", "give the policy year (1 or more)", code="invalid_policy_year"
        )
    return year


def _benefit_paid(connection: sa.Connection, policy_id: int, year: int) -> bool:
    rows = connection.execute(
        sa.select(ServicingRequest.details).where(
            ServicingRequest.policy_id == policy_id,
            ServicingRequest.kind == K.SURVIVAL_BENEFIT.value,
            ServicingRequest.status == RequestStatus.DONE.value,
        )
    ).scalars()
    return any(json.loads(text).get("policy_year") == year for text in rows)


def _not_back_dated(stored: StoredPolicy, day: dt.date) -> None:
    """Money moves in day order: never before a day the daily run has done, nor before the loan's term."""
    days = [d for d in (stored.state.last_run_day, stored.loan.start if stored.loan else None) if d]
    if days and day < max(days):
        raise Conflict(
            f"申请日 {day} 早于保单已处理到的日期 {max(days)}，不能倒签",
            f"the request's day {day} is before {max(days)}, a day the policy was already serviced",
            code="back_dated",
        )


def decide(
    connection: sa.Connection,
    stored: StoredPolicy,
    kind: RequestKind,
    day: dt.date,
    details: Mapping[str, Any],
    catalogue: Mapping[str, LifeProduct],
    campaigns: list[ReliefCampaign],
) -> Decision:
    """The outcome of a money request; raises the rule's ``Conflict`` / ``InvalidInput`` to refuse."""
    state, loan = stored.state, stored.loan
    _not_back_dated(stored, day)
    product = _product(catalogue, state.product)
    relief = relief_on(campaigns, state.region, day)
    zh: list[str] = []
    en: list[str] = []
    extra: dict[str, Any] = {}
    if kind is K.LOAN:
        outcome = servicing.take_loan(state, loan, product, day, amount_of(details))
    elif kind is K.REPAYMENT:
        outcome = servicing.repay_loan(state, loan, day, amount_of(details))
    elif kind in (K.REINSTATEMENT, K.INTEREST_FREE_REINSTATEMENT):
        if kind is K.INTEREST_FREE_REINSTATEMENT and not relief.interest_free_reinstatement:
            raise Conflict(
                f"{day} 保单所在地区（{state.region}）没有给予免息复效的救助活动",
                f"no relief campaign grants interest-free reinstatement in region {state.region} on {day}",
                code="no_relief",
            )
        outcome = servicing.reinstate(state, loan, product, day, relief)
        if relief.interest_free_reinstatement:
            waived = servicing.reinstate(state, loan, product, day, ReliefTerms()).amount - outcome.amount
            extra |= {"waived_interest_fen": waived, "campaigns": list(relief.campaigns)}
            zh.append(f"救助活动减免复效利息 {format_yuan(waived)} 元")
            en.append(f"reinstatement interest waived by the relief campaign: {format_yuan(waived)}")
        extra["suicide_clock_from"] = day.isoformat()
        zh.append(f"自杀免责期自复效日 {day} 起重新计算（《保险法》第四十四条）")
        en.append(f"the suicide exclusion period runs again from {day} (Insurance Law art. 44)")
    elif kind is K.COOLING_OFF_CANCELLATION:
        outcome = servicing.cancel_in_cooling_off(state, loan, product, day)
    elif kind is K.SURRENDER:
        outcome = servicing.surrender(state, loan, product, day)
    elif kind is K.SURVIVAL_BENEFIT:
        year = _year(details)
        if _benefit_paid(connection, stored.id, year):
            raise Conflict(
                f"第 {year} 保单年度的生存金已领取", f"the survival benefit of policy year {year} was paid already",
                code="benefit_already_paid",
            )  # fmt: skip
        outcome = servicing.survival_benefit(state, product, year, day)
    elif kind is K.PREMIUM_PAYMENT:
        outcome = servicing.pay_premium(state, product, day)
    else:
        raise InvalidInput(
            f"「{kind.label_zh}」不涉及资金", f"{kind.value} moves no money", code="invalid_request"
        )
    due_by = day + dt.timedelta(days=PAY_WITHIN_DAYS) if kind in _PAYS_OUT else None
    return Decision(
        outcome=outcome,
        loan=outcome.loan if kind in _LOAN_AFTER else loan,
        due_by=due_by,
        lines_zh=(*outcome.lines_zh, *zh),
        lines_en=(*outcome.lines_en, *en),
        details=extra,
    )


def _quote(outcome: servicing.Outcome) -> Quote:
    return Quote(outcome.amount, outcome.lines_zh, outcome.lines_en)


def quote_policy(
    db: Database,
    policy_no: str,
    day: dt.date,
    *,
    products: Iterable[LifeProduct] | None = None,
    campaigns: Iterable[ReliefCampaign] | None = None,
) -> PolicyQuotes:
    """What a loan, a surrender and a reinstatement would come to on ``day`` (read-only); ``None``
    where the request is not open to the policy (a loan when not in force, a reinstatement when not
    suspended or past its window, a surrender when the policy has ended)."""
    catalogue = {p.code: p for p in products_or_shipped(products)}
    reliefs = campaigns_or_shipped(campaigns)
    with db.engine.connect() as connection:
        stored = load_policy(connection, policy_no, lock=False)
    state, loan = stored.state, stored.loan
    _not_back_dated(stored, day)
    product = _product(catalogue, state.product)
    loan_quote = surrender = reinstatement = None
    if state.status is PolicyStatus.IN_FORCE:
        loan_quote = Quote(*servicing.loan_quote(state, loan, product, day))
    if state.status.active:
        surrender = _quote(servicing.surrender(state, loan, product, day))
    if state.status is PolicyStatus.SUSPENDED:
        try:
            relief = relief_on(reliefs, state.region, day)
            reinstatement = _quote(servicing.reinstate(state, loan, product, day, relief))
        except Conflict:
            reinstatement = None
    return PolicyQuotes(policy_no, day, state.status.value, loan_quote, surrender, reinstatement)
