"""Runs every life-policy servicing scenario in this folder: policies and loans in, daily runs and
servicing requests in order, statuses, amounts, events and explanations out.

A scenario file names shipped products (``products/``) and relief campaigns (``campaigns/``), its
policies and loans, and ``[[steps]]`` in date order. A step either runs the daily servicing run on
every day up to ``run_to`` (the engine, checked against the per-policy reference each day), or makes
a ``request`` (``pay_premium``, ``loan``, ``repay``, ``reinstate``, ``cancel``, ``surrender``) for
one ``policy`` on its ``day`` (``pay``: the yuan of a loan or repayment); the daily runs up to
that day come first. Each step may then expect: ``status``, ``premiums_paid``, ``debt``
(loan principal + interest on the step's last day), ``amount`` (of the request), ``explains``
(lines the Chinese explanation contains), ``refused`` (the error code), ``events`` (each
``{policy, event, day?, amount?, debit?}`` among the step's events).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.life import servicing
from anxin.domain.life.policy import LoanState, PolicyState
from anxin.domain.life.relief import relief_on
from anxin.domain.money import parse_yuan
from anxin.engine.servicing import run_day
from anxin.engine.servicing_frames import loan_states, loans_frame, policies_frame, policy_states
from tests.reference_servicing import run_day_reference
from tests.scenarios.life.scenario_support import (
    CAMPAIGNS,
    PRODUCTS,
    SCENARIOS,
    load_scenario,
    play,
    policy_state,
)


class Book:
    def __init__(self, scenario: dict) -> None:
        self.start: dt.date = scenario["start"]
        self.campaigns = [CAMPAIGNS[code] for code in scenario.get("campaigns", [])]
        self.policies = policies_frame(policy_state(row, self.start) for row in scenario["policies"])
        self.loans = loans_frame([])
        self.day = self.start - dt.timedelta(days=1)

    def run_to(self, last: dt.date) -> pl.DataFrame:
        events, ref_policies, ref_loans = [], self.policies.to_dicts(), self.loans.to_dicts()
        while self.day < last:
            self.day += dt.timedelta(days=1)
            self.policies, self.loans, today = run_day(
                self.policies, self.loans, PRODUCTS.values(), self.campaigns, self.day
            )
            ref_policies, ref_loans, ref_events = run_day_reference(
                ref_policies, ref_loans, PRODUCTS, self.campaigns, self.day
            )
            assert self.policies.to_dicts() == ref_policies and today.to_dicts() == ref_events
            events.append(today)
        return pl.concat(events) if events else pl.DataFrame()

    def state(self, policy_id: str) -> tuple[PolicyState, LoanState | None]:
        state = next(s for s in policy_states(self.policies) if s.policy_id == policy_id)
        loan = next((x for x in loan_states(self.loans) if x.policy_id == policy_id), None)
        return state, loan

    def request(self, step: dict) -> servicing.Outcome:
        day, kind = step["day"], step["request"]
        state, loan = self.state(step["policy"])
        product = PRODUCTS[state.product]
        amount = parse_yuan(step["pay"]) if "pay" in step else 0
        outcome = {
            "pay_premium": lambda: servicing.pay_premium(state, product, day),
            "loan": lambda: servicing.take_loan(state, loan, product, day, amount),
            "repay": lambda: servicing.repay_loan(state, loan, day, amount),
            "reinstate": lambda: servicing.reinstate(
                state, loan, product, day, relief_on(self.campaigns, state.region, day)
            ),
            "cancel": lambda: servicing.cancel_in_cooling_off(state, loan, product, day),
            "surrender": lambda: servicing.surrender(state, loan, product, day),
        }[kind]()
        debits = sum(p.amount for p in outcome.postings)
        assert debits == sum(p.amount for p in outcome.postings if p.debit != p.credit)  # two sides each
        states = [
            outcome.state if s.policy_id == state.policy_id else s for s in policy_states(self.policies)
        ]
        self.policies = policies_frame(states)
        others = [x for x in loan_states(self.loans) if x.policy_id != state.policy_id]
        self.loans = loans_frame(others + ([outcome.loan] if outcome.loan else []))
        return outcome


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = load_scenario(path)
    book = Book(scenario)
    play(scenario, book, book.state, amount_of=lambda outcome: outcome.amount)
