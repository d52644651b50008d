"""Life-policy servicing rules one at a time: product and campaign files, status transitions, the
requests not covered by the scenarios (repayment, premium payment, survival benefit), and term
policies reaching their expiry day (maturity benefit, cash value, loans settled from them)."""

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
    expiry_date,
    maturity_settlement,
    next_status,
    policy_year,
)
from anxin.domain.life.products import parse_product
from anxin.domain.life.relief import relief_on
from anxin.domain.life.servicing import pay_premium, repay_loan, survival_benefit
from anxin.engine.servicing import run_day
from anxin.engine.servicing_frames import loan_states, loans_frame, policies_frame, policy_states
from anxin.store.life_files import load_campaign, load_product, shipped_campaigns, shipped_products
from anxin.synth.life import life_book
from tests.reference_servicing import run_day_reference

PRODUCTS = shipped_products()
WHOLE_LIFE = PRODUCTS["anxin-whole-life-2026"]
ENDOWMENT = PRODUCTS["anxin-endowment-20-2026"]


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
    assert set(PRODUCTS) == {"anxin-whole-life-2026", "anxin-universal-life-2026", "anxin-endowment-20-2026"}
    assert {p.on_debt_reaching_cash_value.value for p in PRODUCTS.values()} == {"suspend", "terminate"}
    assert not any(p.all_confirmed() for p in PRODUCTS.values())  # illustrative figures are labelled
    assert WHOLE_LIFE.premium_count == 20 and WHOLE_LIFE.modal_premium(10_000_000) == 250_000
    assert (WHOLE_LIFE.term_years, WHOLE_LIFE.maturity_benefit(10_000_000)) == (None, 0)
    assert (ENDOWMENT.term_years, ENDOWMENT.premium_count, ENDOWMENT.automatic_premium_loan) == (20, 20, True)
    assert ENDOWMENT.maturity_benefit(10_000_000) == 10_000_000  # 1,000 元 per 1,000: the sum insured
    assert (
        len(ENDOWMENT.cash_value.per_thousand) == 20 and ENDOWMENT.cash_value_of(10_000_000, 20) == 10_000_000
    )
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
    products = [*PRODUCTS.values(), _term_product(2, benefit="1000 元", pay_years=1)]
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
    assert EventKind.MATURED in seen  # every two-year policy reaches its term within the two years run


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


def _data(product) -> dict:  # type: ignore[no-untyped-def]
    """A product as file data again (years written with their unit)."""
    data = product.model_dump(mode="json")
    data["premium"]["payment_years"] = f"{product.premium.payment_years} 年"
    data["term_years"] = product.term_years and f"{product.term_years} 年"
    return data


def _term_product(years: int, *, benefit: str | None, pay_years: int | None = None):  # type: ignore[no-untyped-def]
    data = _data(ENDOWMENT)
    data.update(
        code=f"term-{years}", term_years=f"{years} 年", maturity=benefit and {"per_thousand": benefit}
    )
    data["premium"]["payment_years"] = f"{pay_years or years} 年"
    return parse_product(data, source_name="term.toml")


def test_a_term_needs_its_premiums_inside_it_and_a_maturity_benefit_needs_a_term() -> None:
    data = _data(WHOLE_LIFE) | {"maturity": {"per_thousand": "1000 元"}}
    with pytest.raises(InvalidProgram) as error:
        parse_product(data, source_name="whole.toml")
    assert (
        "满期保险金只适用于定期产品" in error.value.zh and "whole-life policy never matures" in error.value.en
    )
    data = _data(WHOLE_LIFE) | {"term_years": "10 年"}  # premiums for 20 years
    with pytest.raises(InvalidProgram) as error:
        parse_product(data, source_name="short.toml")
    assert "short.toml" in error.value.zh and "on a 10-year term" in error.value.en
    assert _term_product(5, benefit=None).maturity_benefit(10_000_000) == 0  # pure term 定期寿险


def test_the_expiry_day_is_the_term_anniversary_of_issue() -> None:
    assert expiry_date(dt.date(2006, 5, 20), ENDOWMENT) == dt.date(2026, 5, 20)
    assert expiry_date(dt.date(2004, 2, 29), ENDOWMENT) == dt.date(2024, 2, 29)
    assert expiry_date(dt.date(2008, 2, 29), _term_product(1, benefit=None)) == dt.date(2009, 2, 28)
    assert expiry_date(dt.date(2006, 5, 20), WHOLE_LIFE) is None
    for status in (s for s in PolicyStatus if s.active):
        assert next_status(status, EventKind.MATURED) is PolicyStatus.MATURED
    assert not PolicyStatus.MATURED.active and PolicyStatus.MATURED.label_zh == "满期终止"
    with pytest.raises(Conflict):
        next_status(PolicyStatus.MATURED, EventKind.SURRENDERED)
    assert Account.MATURITY_BENEFITS_PAID.label_zh == "满期给付" and EventKind.MATURED.label_zh.startswith(
        "满期"
    )


def _run(states: list[PolicyState], loans: list[LoanState], products: list, day: dt.date):  # type: ignore[no-untyped-def]
    """The engine's day, checked against the per-policy reference: (states, loans, events)."""
    policies, loan_frame = policies_frame(states), loans_frame(loans)
    after, new_loans, events = run_day(policies, loan_frame, products, [], day)
    ref_policies, ref_loans, ref_events = run_day_reference(
        policies.to_dicts(), loan_frame.to_dicts(), {p.code: p for p in products}, [], day
    )
    assert after.to_dicts() == ref_policies and events.to_dicts() == ref_events
    assert sorted(new_loans.rows()) == sorted(loans_frame(LoanState(**row) for row in ref_loans).rows())
    return policy_states(after), loan_states(new_loans), events


def _postings(events) -> list[tuple[str | None, str | None, int]]:  # type: ignore[no-untyped-def]
    return [(r["debit"], r["credit"], r["amount"]) for r in events.iter_rows(named=True)]


def _endowment(policy_id: str, **changes) -> PolicyState:  # type: ignore[no-untyped-def]
    base = PolicyState(
        policy_id=policy_id, product=ENDOWMENT.code, region="370202", sum_insured=10_000_000,
        premium=ENDOWMENT.modal_premium(10_000_000), issue_date=dt.date(2006, 5, 20),
        received_on=dt.date(2006, 5, 22), apl=False, status=PolicyStatus.IN_FORCE,
        status_since=dt.date(2006, 5, 20), premiums_paid=20, last_run_day=dt.date(2026, 5, 18),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def test_a_covered_policy_at_its_term_is_paid_the_maturity_benefit_less_its_debt() -> None:
    loan = LoanState("M1", 1_000_000, dt.date(2026, 2, 20), dt.date(2026, 8, 19), 500)
    # M2: the 20th premium partly paid by an automatic premium loan, covered to 2026-05-31
    apl = _endowment(
        "M2", status=PolicyStatus.APL_COVER, premiums_paid=19, premium_credit=400_000,
        due_on=dt.date(2025, 5, 20), cover_to=dt.date(2026, 5, 31), apl=True,
    )  # fmt: skip
    apl_loan = LoanState("M2", 409_863, dt.date(2026, 1, 16), dt.date(2026, 7, 15), 500)
    states, loans, events = _run([_endowment("M1"), apl], [loan, apl_loan], [ENDOWMENT], dt.date(2026, 5, 19))
    assert events.height == 0 and [s.status for s in states] == [
        PolicyStatus.IN_FORCE,
        PolicyStatus.APL_COVER,
    ]
    # the expiry day: 89 days of interest on 10,000 元 = 121.92 元; 100,000 − 10,121.92 paid
    states, loans, events = _run(states, loans, [ENDOWMENT], dt.date(2026, 5, 20))
    assert [(s.status, s.status_since) for s in states] == [(PolicyStatus.MATURED, dt.date(2026, 5, 20))] * 2
    assert loans == []
    assert set(events["event"]) == {"matured"} and set(events["status_to"]) == {"matured"}
    m1, m2 = (events.filter(events["policy_id"] == p) for p in ("M1", "M2"))
    assert _postings(m1) == [
        ("policy_loans", "loan_interest_income", 12_192),
        ("maturity_benefits_paid", "policy_loans", 1_012_192),
        ("maturity_benefits_paid", "refunds_payable", 8_987_808),
    ]
    assert _postings(m2) == [  # 124 days of interest on 4,098.63 元 = 69.62 元
        ("policy_loans", "loan_interest_income", 6_962),
        ("maturity_benefits_paid", "policy_loans", 416_825),
        ("maturity_benefits_paid", "refunds_payable", 10_000_000 - 416_825),
    ]
    settled = maturity_settlement(_endowment("M1"), loan, ENDOWMENT, dt.date(2026, 5, 20))
    assert settled.amount == 8_987_808
    assert [(p.debit.value, p.credit.value, p.amount) for p in settled.postings] == _postings(m1)
    assert "满期保险金（保额 100,000.00 元）：100,000.00 元" in settled.lines_zh[0]
    assert settled.lines_zh[2] == "给付 = 100,000.00 − 10,121.92 = 89,878.08 元（不低于零）"
    # the run ends it once: nothing more the next day
    assert _run(states, loans, [ENDOWMENT], dt.date(2026, 5, 21))[2].height == 0


def test_a_suspended_policy_at_its_term_gets_its_cash_value_less_its_debt() -> None:
    # the 20th premium (due 2025-05-20) unpaid: suspended 2025-07-20, the cash value counted to
    # 2025-05-19 (policy year 19: 962 元 per 1,000 → 96,200 元); first run day after the expiry day
    state = _endowment(
        "S1", status=PolicyStatus.SUSPENDED, premiums_paid=19, due_on=dt.date(2025, 5, 20),
        suspended_on=dt.date(2025, 7, 20), last_run_day=dt.date(2026, 5, 10),
    )  # fmt: skip
    loan = LoanState("S1", 5_000_000, dt.date(2026, 3, 1), dt.date(2026, 8, 28), 500)
    states, loans, events = _run([state], [loan], [ENDOWMENT], dt.date(2026, 5, 25))
    # 85 days: 50,000 × 5 % × 85 ÷ 365 = 582.19 元
    assert states[0].status is PolicyStatus.MATURED and loans == []
    assert _postings(events) == [
        ("policy_loans", "loan_interest_income", 58_219),
        ("cash_value_paid", "policy_loans", 5_058_219),
        ("cash_value_paid", "refunds_payable", 9_620_000 - 5_058_219),
    ]
    settled = maturity_settlement(state, loan, ENDOWMENT, dt.date(2026, 5, 25))
    assert settled.amount == 9_620_000 - 5_058_219
    assert [(p.debit.value, p.credit.value, p.amount) for p in settled.postings] == _postings(events)
    with pytest.raises(Conflict):
        maturity_settlement(state, loan, ENDOWMENT, dt.date(2026, 5, 19))


def test_a_pure_term_policy_ends_without_a_benefit_and_no_premium_falls_due_at_its_term() -> None:
    term = _term_product(5, benefit=None, pay_years=5)
    base = _endowment("T1", product=term.code, issue_date=dt.date(2021, 3, 1), premiums_paid=5,
                      last_run_day=dt.date(2026, 2, 28))  # fmt: skip
    # premiums behind (4 paid, the 5th due 2025-03-01) but first run on the expiry day: matured, no grace
    behind = dataclasses.replace(base, policy_id="T2", premiums_paid=4, last_run_day=dt.date(2025, 2, 27))
    loan = LoanState("T3", 30_000, dt.date(2025, 12, 1), dt.date(2026, 5, 30), 500)
    with_loan = dataclasses.replace(base, policy_id="T3")
    states, loans, events = _run([base, behind, with_loan], [loan], [term, WHOLE_LIFE], dt.date(2026, 3, 1))
    assert [s.status for s in states] == [PolicyStatus.MATURED] * 3 and loans == []
    assert "premium_due" not in set(events["event"])
    assert _postings(events.filter(events["policy_id"] == "T1")) == [(None, None, 0)]
    # nothing to settle the loan from: 300 元 + 90 days' interest 3.70 元 written off
    assert _postings(events.filter(events["policy_id"] == "T3")) == [
        ("policy_loans", "loan_interest_income", 370),
        ("loan_losses", "policy_loans", 30_370),
    ]
