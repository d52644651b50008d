"""Properties of the daily servicing run on random books, random products and random relief campaigns.

- the engine equals the independent per-policy reference (tests/reference_servicing.py) day after day:
  policies, loans and events (random products are whole life or term, with or without a maturity
  benefit, so policies reach their term and mature);
- running a day again changes nothing and writes no event; running the book in two chunks (a run
  interrupted and resumed) gives the same state and events as one run;
- cash is never created or lost: every posting has two different accounts and a non-negative amount;
  the policy-loans account moves exactly as the loans' principals; premium income from automatic
  premium loans equals the premium cover bought; a policy reaching its term pays out exactly its
  maturity benefit (covered) or its cash value (suspended), never before its expiry day;
- no loan goes above the permitted amount: after each day a covered policy's debt is at most its cash
  value (unless a relief campaign defers it), and a loan request is granted exactly up to
  ratio × (cash value − debt), after which the debt stays within the cash value.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.errors import InvalidInput
from anxin.domain.life.policy import LoanState, PolicyStatus, add_months, cash_value_on
from anxin.domain.life.products import parse_product
from anxin.domain.life.relief import ReliefCampaign, parse_campaign
from anxin.domain.life.servicing import loan_quote, take_loan
from anxin.engine.servicing import run_day
from anxin.engine.servicing_frames import loan_states, policy_states
from anxin.store.life_files import shipped_products
from anxin.synth.life import life_book
from tests.reference_servicing import run_day_reference

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED = shipped_products()


@st.composite
def products(draw):
    table, value = [], 0
    pay_years = draw(st.one_of(st.integers(1, 3), st.integers(1, 20)))  # short terms mature in the run
    # whole life, or a term of at least the payment years, with or without a maturity benefit
    term = draw(st.one_of(st.none(), st.integers(pay_years, pay_years + 3)))
    for _ in range(draw(st.integers(1, 12))):
        value += draw(st.integers(0, 150))
        table.append(f"{value} 元")
    data = {
        "code": "test-variant",
        "name_zh": "测试产品",
        "name_en": "test product",
        "kind": "traditional",
        "on_debt_reaching_cash_value": draw(st.sampled_from(["suspend", "terminate"])),
        "automatic_premium_loan": draw(st.booleans()),
        "source": {"title": "property test", "confirmed": False},
        "premium": {
            "mode": draw(st.sampled_from(["annual", "semiannual", "quarterly", "monthly"])),
            "payment_years": f"{pay_years} 年",
            "per_thousand": f"{draw(st.integers(1, 120))}.{draw(st.integers(0, 99)):02d} 元",
        },
        "cash_value": {"per_thousand": table},
        "loan": {
            "ratio": f"{draw(st.integers(50, 90))}%",
            "annual_rate": f"{draw(st.integers(0, 120)) / 10:g}%",
            "term_days": f"{draw(st.integers(1, 365))} 天",
        },
        "grace": {"days": f"{draw(st.integers(0, 90))} 天"},
        "reinstatement": {"window_days": f"{draw(st.integers(1, 800))} 天", "annual_rate": "5%"},
        "cooling_off": {"days": "15 天", "fee": "10 元"},
    }
    if term is not None:
        data["term_years"] = f"{term} 年"
        if draw(st.booleans()):
            data["maturity"] = {"per_thousand": f"{draw(st.integers(0, 1500))} 元"}
    return parse_product(data, source_name="test")


@st.composite
def campaigns(draw, start: dt.date) -> list[ReliefCampaign]:
    if not draw(st.booleans()):
        return []
    begins = start + dt.timedelta(days=draw(st.integers(-30, 120)))
    regions = draw(
        st.lists(st.sampled_from(["410000", "410100", "370200", "110101"]), min_size=1, max_size=3)
    )
    data = {
        "code": "test-relief",
        "name_zh": "测试活动",
        "name_en": "test relief",
        "regions": regions,
        "window": {"from": begins, "to": begins + dt.timedelta(days=draw(st.integers(0, 200)))},
        "overrides": {
            "grace_days": f"{draw(st.integers(30, 200))} 天",
            "interest_free_reinstatement": draw(st.booleans()),
            "defer_loan_interest": draw(st.booleans()),
        },
        "source": {"title": "property test", "confirmed": False},
    }
    return [parse_campaign(data, source_name="test")]


@st.composite
def books(draw):
    start = draw(st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31)))
    variant = draw(products())
    catalogue = [variant, *SHIPPED.values()]
    n = draw(st.integers(1, 40))
    policies, loans = life_book(n, seed=draw(st.integers(0, 10_000)), as_of=start, products=catalogue)
    # heavier loans bring debts near or past the cash value (partial APL, suspension or termination)
    scale = draw(st.sampled_from([100, 100, 150, 210]))
    loans = loans.with_columns(principal=pl.col("principal") * scale // 100)
    gaps = draw(st.lists(st.integers(1, 200), min_size=1, max_size=6))
    return policies, loans, catalogue, draw(campaigns(start)), start, gaps


def _days(start: dt.date, gaps: list[int]) -> list[dt.date]:
    days, day = [start], start
    for gap in gaps[:-1]:
        day += dt.timedelta(days=gap)
        days.append(day)
    return days


def _by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["policy_id"])


@FAST
@given(books())
def test_engine_equals_the_reference(book) -> None:
    policies, loans, catalogue, relief, start, gaps = book
    by_code = {p.code: p for p in catalogue}
    ref_policies, ref_loans = policies.to_dicts(), loans.to_dicts()
    for day in _days(start, gaps):
        policies, loans, events = run_day(policies, loans, catalogue, relief, day)
        ref_policies, ref_loans, ref_events = run_day_reference(ref_policies, ref_loans, by_code, relief, day)
        assert policies.to_dicts() == ref_policies
        assert _by_id(loans.to_dicts()) == _by_id(ref_loans)
        assert events.to_dicts() == ref_events


@FAST
@given(books(), st.floats(0, 1))
def test_rerun_is_a_no_op_and_chunks_resume_to_the_same_state(book, cut) -> None:
    policies, loans, catalogue, relief, start, gaps = book
    for day in _days(start, gaps):
        split = int(policies.height * cut)
        first, rest = policies.slice(0, split), policies.slice(split)
        first_loans = loans.filter(pl.col("policy_id").is_in(first.get_column("policy_id").implode()))
        rest_loans = loans.filter(~pl.col("policy_id").is_in(first.get_column("policy_id").implode()))
        # interrupted after the first chunk: the first chunk is done, then the whole book is run
        done, done_loans, early = run_day(first, first_loans, catalogue, relief, day)
        resumed, resumed_loans, late = run_day(
            pl.concat([done, rest]), pl.concat([done_loans, rest_loans]), catalogue, relief, day
        )
        policies, loans, events = run_day(policies, loans, catalogue, relief, day)
        assert resumed.equals(policies)
        assert _by_id(resumed_loans.to_dicts()) == _by_id(loans.to_dicts())
        assert sorted(pl.concat([early, late]).rows()) == sorted(events.rows())
        again, again_loans, none = run_day(policies, loans, catalogue, relief, day)
        assert again.equals(policies) and again_loans.equals(loans) and none.height == 0


@FAST
@given(books())
def test_cash_is_never_created_or_lost_and_debt_stays_within_cash_value(book) -> None:
    policies, loans, catalogue, relief, start, gaps = book
    by_code = {p.code: p for p in catalogue}
    for day in _days(start, gaps):
        before_loans = int(loans.get_column("principal").sum())
        before_premiums = _premiums_bought(policies)
        before = {state.policy_id: state for state in policy_states(policies)}
        policies, loans, events = run_day(policies, loans, catalogue, relief, day)
        _maturities_pay_exactly_the_benefit_or_the_cash_value(before, events, by_code, day)
        money = events.filter(pl.col("debit").is_not_null())
        assert (money.get_column("debit") != money.get_column("credit")).all()
        assert (events.get_column("amount") >= 0).all()
        assert events.filter(pl.col("debit").is_null()).get_column("amount").sum() == 0
        loan_debits = money.filter(pl.col("debit") == "policy_loans").get_column("amount").sum()
        loan_credits = money.filter(pl.col("credit") == "policy_loans").get_column("amount").sum()
        assert int(loans.get_column("principal").sum()) - before_loans == loan_debits - loan_credits
        apl_premiums = money.filter(pl.col("credit") == "premium_income").get_column("amount").sum()
        assert _premiums_bought(policies) - before_premiums == apl_premiums
        deferred = {
            s.policy_id for s in policy_states(policies) if any(c.applies(s.region, day) for c in relief)
        }
        loan_of = {loan.policy_id: loan for loan in loan_states(loans)}
        for state in policy_states(policies):
            loan = loan_of.get(state.policy_id)
            covered = state.status in (PolicyStatus.IN_FORCE, PolicyStatus.GRACE, PolicyStatus.APL_COVER)
            if loan and covered and state.policy_id not in deferred:
                assert loan.debt_on(day) <= cash_value_on(state, by_code[state.product], day)


def _maturities_pay_exactly_the_benefit_or_the_cash_value(before, events, by_code, day) -> None:  # type: ignore[no-untyped-def]
    """A policy maturing today pays out (to its debt, then to the policyholder) exactly the maturity
    benefit when covered, its cash value when suspended; beyond that, only loan losses."""
    matured = events.filter(pl.col("event") == "matured")
    for policy_id in matured.get_column("policy_id").unique().to_list():
        state, rows = before[policy_id], matured.filter(pl.col("policy_id") == policy_id)
        product = by_code[state.product]
        if state.status is PolicyStatus.SUSPENDED:
            account, paid = "cash_value_paid", cash_value_on(state, product, day)
        else:
            account, paid = "maturity_benefits_paid", product.maturity_benefit(state.sum_insured)
        assert rows.filter(pl.col("debit") == account).get_column("amount").sum() == paid
        assert set(rows.get_column("debit").drop_nulls()) <= {account, "policy_loans", "loan_losses"}
        assert day >= add_months(state.issue_date, 12 * product.term_years)


def _premiums_bought(policies: pl.DataFrame) -> int:
    return int(
        policies.select((pl.col("premiums_paid") * pl.col("premium") + pl.col("premium_credit")).sum()).item()
    )


@FAST
@given(books(), st.integers(1, 10**9), st.integers(0, 400))
def test_a_loan_request_is_granted_exactly_up_to_the_permitted_amount(book, amount, after) -> None:
    policies, loans, catalogue, _relief, start, _gaps = book
    by_code = {p.code: p for p in catalogue}
    loan_of = {loan.policy_id: loan for loan in loan_states(loans)}
    day = start + dt.timedelta(days=after)
    for state in policy_states(policies):
        if state.status is not PolicyStatus.IN_FORCE:
            continue
        product, loan = by_code[state.product], loan_of.get(state.policy_id)
        quote, _zh, _en = loan_quote(state, loan, product, day)
        value = cash_value_on(state, product, day)
        debt = loan.debt_on(day) if loan else 0
        assert quote <= max(value - debt, 0) * product.loan.ratio / 10_000
        for asked in {amount % (quote + 2), quote, quote + 1}:
            if 0 < asked <= quote:
                outcome = take_loan(state, loan, product, day, asked)
                assert isinstance(outcome.loan, LoanState)
                assert outcome.loan.debt_on(day) == debt + asked <= value
                assert sum(p.amount for p in outcome.postings if p.credit.value == "cash") == asked
            else:
                with pytest.raises(InvalidInput):
                    take_loan(state, loan, product, day, asked)
