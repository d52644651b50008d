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
import tomllib
from pathlib import Path

import polars as pl
import pytest

from anxin.domain.errors import AnxinError
from anxin.domain.life import servicing
from anxin.domain.life.policy import LoanState, PolicyState, PolicyStatus
from anxin.domain.life.relief import relief_on
from anxin.domain.money import parse_yuan
from anxin.engine.servicing import run_day
from anxin.engine.servicing_frames import loan_states, loans_frame, policies_frame, policy_states
from anxin.store.life_files import shipped_campaigns, shipped_products
from tests.reference_servicing import run_day_reference

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))
PRODUCTS = shipped_products()
CAMPAIGNS = shipped_campaigns()


def _policy(row: dict, start: dt.date) -> PolicyState:
    product = PRODUCTS[row["product"]]
    sum_insured = parse_yuan(row["sum_insured"])
    return PolicyState(
        policy_id=row["id"],
        product=product.code,
        region=row["region"],
        sum_insured=sum_insured,
        premium=product.modal_premium(sum_insured),
        issue_date=row["issue_date"],
        received_on=row.get("received_on", row["issue_date"]),
        apl=row.get("apl", False),
        status=PolicyStatus(row.get("status", "in_force")),
        status_since=row["issue_date"],
        premiums_paid=row.get("premiums_paid", 1),
        last_run_day=start - dt.timedelta(days=1),
    )


class Book:
    def __init__(self, scenario: dict) -> None:
        self.start: dt.date = scenario["start"]
        self.campaigns = [CAMPAIGNS[code] for code in scenario.get("campaigns", [])]
        self.policies = policies_frame(_policy(row, self.start) for row in scenario["policies"])
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


def _check_events(expected: list[dict], events: pl.DataFrame) -> None:
    rows = events.to_dicts() if events.height else []
    for want in expected:
        matches = [
            r for r in rows
            if r["policy_id"] == want["policy"] and r["event"] == want["event"]
            and ("day" not in want or r["day"] == want["day"])
            and ("debit" not in want or r["debit"] == want["debit"])
            and ("amount" not in want or r["amount"] == parse_yuan(want["amount"]))
        ]  # fmt: skip
        assert matches, (
            f"missing event {want}; got {[(r['policy_id'], r['day'], r['event'], r['debit'], r['amount']) for r in rows]}"
        )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    book = Book(scenario)
    for step in scenario["steps"]:
        # the daily run of a day comes before that day's requests
        last = step["run_to"] if "run_to" in step else step["day"]
        events = book.run_to(last)
        if "run_to" in step:
            pass
        elif "refused" in step:
            with pytest.raises(AnxinError) as refused:
                book.request(step)
            assert refused.value.code == step["refused"], refused.value
        else:
            outcome = book.request(step)
            if "amount" in step:
                assert outcome.amount == parse_yuan(step["amount"]), outcome.lines_zh
            text = "\n".join(outcome.lines_zh)
            for line in step.get("explains", []):
                assert line in text, text
            assert outcome.lines_en and len(outcome.lines_en) == len(outcome.lines_zh)
        _check_events(step.get("events", []), events)
        for want in step.get("no_events", []):
            hit = (
                events.height
                and events.filter(
                    (pl.col("policy_id") == want["policy"]) & (pl.col("event") == want["event"])
                ).height
            )
            assert not hit, f"unexpected {want}"
        if "expect" in step:
            for want in step["expect"]:
                state, loan = book.state(want["policy"])
                day = book.day if "run_to" in step else step["day"]
                if "status" in want:
                    assert state.status == want["status"], (want, state)
                if "premiums_paid" in want:
                    assert state.premiums_paid == want["premiums_paid"], (want, state)
                if "suspended_on" in want:
                    assert state.suspended_on == want["suspended_on"], (want, state)
                if "debt" in want:
                    assert (loan.debt_on(day) if loan else 0) == parse_yuan(want["debt"]), (want, loan)
                if "principal" in want:
                    assert (loan.principal if loan else 0) == parse_yuan(want["principal"]), (want, loan)
