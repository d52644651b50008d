"""Life-policy servicing rules one at a time: product and campaign files, status transitions, and the
requests not covered by the scenarios (repayment, premium payment, survival benefit)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from anxin.domain.errors import Conflict, InvalidInput, InvalidProgram
from anxin.domain.life.events import Account, EventKind
from anxin.domain.life.interest import simple_interest
from anxin.domain.life.policy import (
    TERMINATE_ON_DEBT,
    TRANSITIONS,
    Beneficiary,
    LoanState,
    PolicyContract,
    PolicyState,
    PolicyStatus,
    add_months,
    next_status,
    policy_year,
)
from anxin.domain.life.products import parse_product
from anxin.domain.life.relief import relief_on
from anxin.domain.life.servicing import pay_premium, repay_loan, survival_benefit
from anxin.engine.servicing import run_day
from anxin.store.life_files import load_campaign, load_product, shipped_campaigns, shipped_products
from anxin.synth.life import life_book

PRODUCTS = shipped_products()
WHOLE_LIFE = PRODUCTS["anxin-whole-life-2026"]


def _state(**changes) -> PolicyState:
    base = PolicyState(
        policy_id="T1",
        product=WHOLE_LIFE.code,
        region="370202",
        sum_insured=10_000_000,
        premium=250_000,
        issue_date=dt.date(2020, 3, 1),
        received_on=dt.date(2020, 3, 3),
        apl=False,
        status=PolicyStatus.IN_FORCE,
        status_since=dt.date(2020, 3, 1),
        premiums_paid=2,
    )
    return dataclasses.replace(base, **changes)


def test_shipped_products_and_campaigns_load_and_say_they_are_examples() -> None:
    assert set(PRODUCTS) == {"anxin-whole-life-2026", "anxin-universal-life-2026"}
    assert {p.on_debt_reaching_cash_value.value for p in PRODUCTS.values()} == {"suspend", "terminate"}
    assert not any(p.all_confirmed() for p in PRODUCTS.values())  # illustrative figures are labelled
    assert WHOLE_LIFE.premium_count == 20 and WHOLE_LIFE.modal_premium(10_000_000) == 250_000
    campaign = shipped_campaigns()["henan-flood-2021"]
    assert campaign.applies("410102", dt.date(2021, 7, 20)) and not campaign.applies(
        "410102", dt.date(2022, 1, 1)
    )
    assert not campaign.applies("370202", dt.date(2021, 8, 1))
    terms = relief_on([campaign], "411302", dt.date(2021, 9, 1))
    assert terms.grace(60) == 180 and terms.interest_free_reinstatement and terms.defer_loan_interest


def test_a_bad_product_file_names_the_file_and_key_in_both_languages(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "products" / "anxin-whole-life-2026.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('days = "60 天"', "days = 60").replace('fee = "10 元"', 'fee = "12 元"'), "utf-8"
    )
    with pytest.raises(InvalidProgram) as error:
        load_product(bad)
    assert "bad.toml: grace.days: 需要写明单位" in error.value.zh
    assert "bad.toml: grace.days: a unit is required" in error.value.en
    assert "工本费不得超过 10 元" in error.value.zh and "cannot exceed 10 yuan" in error.value.en
    with pytest.raises(InvalidProgram, match="找不到救助活动文件"):
        load_campaign(tmp_path / "missing.toml")
    with pytest.raises(InvalidProgram, match="extra_key"):
        parse_product({"extra_key": 1}, source_name="x.toml")


def test_dates_follow_the_calendar() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 1, 31), 13) == dt.date(2024, 2, 29)
    assert policy_year(dt.date(2020, 2, 29), dt.date(2021, 2, 28)) == 1
    assert policy_year(dt.date(2020, 2, 29), dt.date(2021, 3, 1)) == 2
    assert simple_interest(100_000, 500, 365) == 5_000 and simple_interest(100, 500, 0) == 0


def test_transitions_are_an_explicit_table_and_refuse_the_rest() -> None:
    assert next_status(PolicyStatus.GRACE, EventKind.GRACE_ENDED) is PolicyStatus.SUSPENDED
    assert next_status(PolicyStatus.IN_FORCE, EventKind.DEBT_REACHED_CASH_VALUE, terminate_on_debt=True) is (
        PolicyStatus.TERMINATED
    )
    with pytest.raises(Conflict) as refused:
        next_status(PolicyStatus.TERMINATED, EventKind.REINSTATED)
    assert "不能办理" in refused.value.zh and "cannot be reinstated" in refused.value.en


def test_every_status_change_of_the_daily_run_is_in_the_table() -> None:
    products = list(PRODUCTS.values())
    policies, loans = life_book(400, seed=3, as_of=dt.date(2021, 6, 1), products=products)
    campaigns = list(shipped_campaigns().values())
    seen = set()
    day = dt.date(2021, 6, 1)
    for _ in range(12):
        policies, loans, events = run_day(policies, loans, products, campaigns, day)
        for row in events.filter(events["status_to"].is_not_null()).iter_rows(named=True):
            key = (PolicyStatus(row["status_from"]), EventKind(row["event"]))
            assert TRANSITIONS.get(key) == row["status_to"] or TERMINATE_ON_DEBT.get(key) == row["status_to"]
            seen.add(key[1])
        day += dt.timedelta(days=61)
    assert {EventKind.PREMIUM_DUE, EventKind.GRACE_ENDED, EventKind.AUTOMATIC_PREMIUM_LOAN} <= seen


def test_a_contract_needs_whole_beneficiary_shares() -> None:
    kwargs = {
        "policy_id": "T1", "product_code": WHOLE_LIFE.code, "policyholder_id": "A", "insured_id": "B",
        "agent_id": "G", "sum_insured": 10_000_000, "issue_date": dt.date(2020, 3, 1),
        "received_on": dt.date(2020, 3, 3), "region": "370202",
    }  # fmt: skip
    PolicyContract(beneficiaries=(Beneficiary("C", 6_000), Beneficiary("D", 4_000)), **kwargs)
    with pytest.raises(InvalidInput) as error:
        PolicyContract(beneficiaries=(Beneficiary("C", 6_000), Beneficiary("D", 3_000)), **kwargs)
    assert "100%" in error.value.zh and "share 100%" in error.value.en


def test_a_repayment_capitalises_the_interest_then_reduces_the_principal() -> None:
    loan = LoanState("T1", 1_000_000, dt.date(2024, 1, 10), dt.date(2024, 7, 8), 500)
    day = dt.date(2024, 4, 19)  # 100 days: interest 136.99
    part = repay_loan(_state(), loan, day, 500_000)
    assert part.loan is not None and part.loan.principal == 1_000_000 + 13_699 - 500_000
    assert part.loan.start == day and part.loan.maturity == loan.maturity
    assert [(p.debit, p.credit, p.amount) for p in part.postings] == [
        (Account.POLICY_LOANS, Account.LOAN_INTEREST_INCOME, 13_699),
        (Account.CASH, Account.POLICY_LOANS, 500_000),
    ]
    assert repay_loan(_state(), loan, day, 1_013_699).loan is None
    with pytest.raises(InvalidInput):
        repay_loan(_state(), loan, day, 1_013_700)


def test_paying_the_premium_in_grace_puts_the_policy_back_in_force() -> None:
    grace = _state(status=PolicyStatus.GRACE, due_on=dt.date(2022, 3, 1), premium_credit=40_000)
    outcome = pay_premium(grace, WHOLE_LIFE, dt.date(2022, 4, 1))
    assert outcome.amount == 210_000 and outcome.state.status is PolicyStatus.IN_FORCE
    assert (
        outcome.state.premiums_paid == 3
        and outcome.state.due_on is None
        and outcome.state.premium_credit == 0
    )
    with pytest.raises(Conflict):
        pay_premium(_state(status=PolicyStatus.SUSPENDED), WHOLE_LIFE, dt.date(2022, 4, 1))


def test_a_survival_benefit_is_paid_once_its_policy_year_is_over() -> None:
    data = WHOLE_LIFE.model_dump(mode="json")
    data["premium"]["payment_years"] = "20 年"
    data["survival_benefits"] = [{"policy_year": 3, "per_thousand": "50 元"}]
    product = parse_product(data, source_name="survival.toml")
    outcome = survival_benefit(_state(), product, 3, dt.date(2023, 3, 1))
    assert outcome.amount == 500_000
    assert "100,000.00 元 ÷ 1000 × 50.00 元 = 5,000.00 元" in outcome.lines_zh[0]
    with pytest.raises(Conflict):
        survival_benefit(_state(), product, 3, dt.date(2023, 2, 28))
