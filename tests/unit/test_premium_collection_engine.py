"""Premium collection over a whole book (``anxin.engine.premium_collection``) against the domain rule
``pay_premium`` applied one policy and one payment at a time, on random synthetic books run through
the daily run first (so policies are in force, in grace — some owing two premiums — in APL cover with a
credit, suspended or terminated): every column of every policy equal, the events equal; the payments
refused are refused for the reason planted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.domain.errors import Conflict, InvalidInput
from anxin.domain.life.policy import PolicyStatus, paid_to
from anxin.domain.life.products import parse_product
from anxin.domain.life.servicing import pay_premium
from anxin.engine.premium_collection import PAYMENT_SCHEMA, collect, review
from anxin.engine.servicing import run_day
from anxin.engine.servicing_frames import policies_frame, policy_states
from anxin.engine.servicing_terms import EVENT_SCHEMA
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.synth.life import life_book

SHIPPED = list(shipped_products().values())
MONTHLY = parse_product(
    {
        "code": "test-monthly",
        "name_zh": "月交测试产品",
        "name_en": "monthly test product",
        "kind": "traditional",
        "on_debt_reaching_cash_value": "suspend",
        "automatic_premium_loan": True,
        "source": {"title": "unit test", "confirmed": False},
        "premium": {"mode": "monthly", "payment_years": "3 年", "per_thousand": "2.35 元"},
        "cash_value": {"per_thousand": ["1 元", "15 元", "40 元", "60 元"]},
        "loan": {"ratio": "80%", "annual_rate": "5%", "term_days": "180 天"},
        "grace": {"days": "60 天"},
        "reinstatement": {"window_days": "730 天", "annual_rate": "5%"},
        "cooling_off": {"days": "15 天", "fee": "10 元"},
    },
    source_name="test",
)
CATALOGUE = [*SHIPPED, MONTHLY]
BY_CODE = {p.code: p for p in CATALOGUE}
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _book(seed: int, start: dt.date, gaps: list[int]) -> tuple[pl.DataFrame, dt.date]:
    policies, loans = life_book(120, seed=seed, as_of=start, products=CATALOGUE)
    loans = loans.with_columns(principal=pl.col("principal") * 2)  # some partial APLs (a credit)
    day = start
    for gap in [0, *gaps]:
        day += dt.timedelta(days=gap)
        policies, loans, _ = run_day(policies, loans, CATALOGUE, list(shipped_campaigns().values()), day)
    return policies, day


def _payments(
    policies: pl.DataFrame, day: dt.date, rng: random.Random
) -> tuple[list[dict], list[str | None]]:
    """Good payments (up to three consecutive premiums of a paying policy) and planted bad ones, with
    the problem expected of each row."""
    rows: list[dict] = []
    for state in policy_states(policies):
        product = BY_CODE[state.product]
        count = rng.choice([0, 1, 1, 1, 2, 3])
        if state.status not in (PolicyStatus.IN_FORCE, PolicyStatus.GRACE, PolicyStatus.APL_COVER):
            if count:
                rows.append(_row(state.policy_id, paid_to(state, product), state.premium, day, "not_payable"))
            continue
        left = product.premium_count - state.premiums_paid
        for n in range(count):
            due = _due(state, product, n)
            amount = state.premium - (state.premium_credit if n == 0 else 0)
            if n >= left:
                rows.append(_row(state.policy_id, due, amount, day, "premiums_complete"))
                break
            rows.append(_row(state.policy_id, due, amount, day - dt.timedelta(days=rng.randint(0, 5))))
    rng.shuffle(rows)
    for problem, change in (
        ("unknown_policy", {"policy_id": "NO-SUCH"}),
        ("wrong_amount", {}),
        ("paid_in_future", {"paid_on": day + dt.timedelta(days=1)}),
    ):
        candidates = [i for i in range(len(rows)) if rows[i]["_expect"] is None and _first(rows, i)]
        if candidates:
            i = rng.choice(candidates)
            change = {"amount": rows[i]["amount"] + 1} if problem == "wrong_amount" else change
            rows[i] = rows[i] | change | {"_expect": problem}
    return rows, [r["_expect"] for r in rows]


def _first(rows: list[dict], i: int) -> bool:
    """The payment is its policy's only one in the file (so no later one is refused with it)."""
    return sum(r["policy_id"] == rows[i]["policy_id"] for r in rows) == 1


def _due(state, product, n: int) -> dt.date:  # type: ignore[no-untyped-def]
    return paid_to(dataclasses.replace(state, premiums_paid=state.premiums_paid + n), product)


def _row(policy_id: str, due: dt.date, amount: int, paid_on: dt.date, expect: str | None = None) -> dict:
    return {"policy_id": policy_id, "due": due, "amount": amount, "paid_on": paid_on, "_expect": expect}


def _reference(
    policies: pl.DataFrame, payments: pl.DataFrame, day: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """pay_premium one payment at a time, each policy's payments in order of due date."""
    events = []
    states = []
    for state in policy_states(policies):
        mine = payments.filter(pl.col("policy_id") == state.policy_id).sort("due")
        for _ in range(mine.height):
            outcome = pay_premium(state, BY_CODE[state.product], day)
            after = outcome.state
            for posting in outcome.postings:
                events.append(
                    {"policy_id": state.policy_id, "day": day, "event": outcome.event.value,
                     "status_from": state.status.value,
                     "status_to": after.status.value if after.status is not state.status else None,
                     "debit": posting.debit.value, "credit": posting.credit.value, "amount": posting.amount}
                )  # fmt: skip
            state = after
        states.append(state)
    return policies_frame(states), pl.DataFrame(events, schema=EVENT_SCHEMA)


@FAST
@given(
    st.integers(0, 10_000),
    st.dates(dt.date(2016, 1, 1), dt.date(2027, 12, 31)),
    st.lists(st.integers(1, 120), min_size=0, max_size=4),
    st.integers(0, 90),
)
def test_collection_equals_pay_premium_one_policy_at_a_time(seed, start, gaps, late) -> None:
    policies, last = _book(seed, start, gaps)
    day = last + dt.timedelta(days=late)
    rng = random.Random(seed)
    rows, expected = _payments(policies, day, rng)
    payments = pl.DataFrame(rows, schema=PAYMENT_SCHEMA)
    reviewed = review(policies, payments, CATALOGUE, day)
    assert reviewed["problem"].to_list() == expected
    good = payments.filter(reviewed["problem"].is_null())
    after, events = collect(policies, good, CATALOGUE, day)
    expected_policies, expected_events = _reference(policies, good, day)
    assert after.to_dicts() == expected_policies.to_dicts()
    by_policy = pl.col("policy_id")
    assert (
        events.sort(by_policy, maintain_order=True).to_dicts()
        == expected_events.sort(by_policy, maintain_order=True).to_dicts()
    )
    assert int(events["amount"].sum() or 0) == int(good["amount"].sum() or 0)
    untouched = ~policies["policy_id"].is_in(good["policy_id"].implode())
    assert after.filter(untouched).equals(policies.filter(untouched))


def _grace_policy(**changes) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    policies, _ = life_book(1, seed=3, as_of=dt.date(2026, 1, 1), products=[MONTHLY])
    values = {
        "issue_date": dt.date(2025, 1, 31), "received_on": dt.date(2025, 2, 3), "premiums_paid": 11,
        "status": "grace", "status_since": dt.date(2025, 12, 31), "due_on": dt.date(2025, 12, 31),
    } | changes  # fmt: skip
    return policies.with_columns(**{n: pl.lit(v, policies.schema[n]) for n, v in values.items()})


def test_a_payment_while_the_following_premium_is_due_leaves_the_policy_in_grace() -> None:
    policy = _grace_policy()
    premium = policy["premium"][0]
    day = dt.date(2026, 2, 10)
    one = pl.DataFrame([_row("L000000000", dt.date(2025, 12, 31), premium, day)], schema=PAYMENT_SCHEMA)
    after, events = collect(policy, one, [MONTHLY], day)
    row = after.row(0, named=True)
    assert (row["status"], row["status_since"], row["premiums_paid"], row["due_on"]) == (
        "grace",
        day,
        12,
        dt.date(2026, 1, 31),
    )
    assert events.select("event", "status_to", "debit", "credit", "amount").rows() == [
        ("premium_paid", None, "cash", "premium_income", premium)
    ]
    two = pl.concat([one, one.with_columns(due=pl.lit(dt.date(2026, 1, 31)))])
    after, events = collect(policy, two, [MONTHLY], day)
    row = after.row(0, named=True)
    assert (row["status"], row["premiums_paid"], row["due_on"]) == ("in_force", 13, None)
    assert events["status_to"].to_list() == [None, "in_force"] and events["amount"].sum() == 2 * premium


def test_the_apl_credit_is_deducted_and_refusals_are_named() -> None:
    policy = _grace_policy(status="apl_cover", premium_credit=700, cover_to=dt.date(2026, 1, 20))
    premium = policy["premium"][0]
    day = dt.date(2026, 1, 15)
    rows = [
        _row("L000000000", dt.date(2025, 12, 31), premium, day),  # the credit not deducted
        _row("L000000000", dt.date(2025, 11, 30), premium, day),  # already paid
        _row("L000000000", dt.date(2026, 1, 31), premium, day),  # after a refused one
    ]
    reviewed = review(policy, pl.DataFrame(rows, schema=PAYMENT_SCHEMA), [MONTHLY], day)
    assert reviewed["problem"].to_list() == ["wrong_amount", "already_paid", "earlier_refused"]
    assert reviewed["expected_amount"].to_list()[0] == premium - 700
    with pytest.raises(InvalidInput):
        collect(policy, pl.DataFrame(rows, schema=PAYMENT_SCHEMA), [MONTHLY], day)
    good = pl.DataFrame(
        [_row("L000000000", dt.date(2025, 12, 31), premium - 700, day)], schema=PAYMENT_SCHEMA
    )
    after, events = collect(policy, good, [MONTHLY], day)
    row = after.row(0, named=True)
    assert (row["status"], row["premium_credit"], row["cover_to"], row["status_since"]) == (
        "in_force",
        0,
        None,
        day,
    )
    assert events.rows() == [
        ("L000000000", day, "premium_paid", "apl_cover", "in_force", "cash", "premium_income", premium - 700)
    ]
    with pytest.raises(Conflict):
        pay_premium(policy_states(policy.with_columns(status=pl.lit("suspended")))[0], MONTHLY, day)
