"""What the life-policy servicing scenarios share, in memory and on the database: the scenario files,
the shipped products and campaigns, a scenario's policy as a :class:`PolicyState`, and :func:`play`,
which walks the steps of a scenario through a book and checks every expectation of a step.

A book (in memory or stored) answers ``run_to(day)`` with the run's events of the days up to ``day``
(a frame of ``policy_id, day, event, debit, amount``), ``request(step)`` with the request's result
(or raises its refusal), and ``day``, the last day run. See ``test_life_scenarios.py`` for what a
scenario file holds.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from anxin.domain.errors import AnxinError
from anxin.domain.life.policy import LoanState, PolicyState, PolicyStatus
from anxin.domain.money import parse_yuan
from anxin.store.life_files import shipped_campaigns, shipped_products

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("*.toml"))
PRODUCTS = shipped_products()
CAMPAIGNS = shipped_campaigns()

#: A policy's state and loan as the book holds them now.
StateOf = Callable[[str], tuple[PolicyState, LoanState | None]]


def load_scenario(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def policy_state(row: dict, start: dt.date) -> PolicyState:
    """A scenario's policy as of the day before the scenario starts."""
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


def play(
    scenario: dict[str, Any],
    book: Any,
    state_of: StateOf,
    *,
    amount_of: Callable[[Any], int],
    after_refusal: Callable[[dict, AnxinError], None] | None = None,
    after_request: Callable[[dict, Any], None] | None = None,
) -> None:
    """Every step in order: the daily runs up to the step's day first, then its request (refused with
    the expected code, or its amount and explanation lines as expected), the events expected and not
    expected among the run's events, and each policy's expected state. ``amount_of`` reads the fen of
    a request's result; ``after_refusal`` and ``after_request`` check more of a refusal or a result."""
    for step in scenario["steps"]:
        events = book.run_to(step["run_to"] if "run_to" in step else step["day"])
        if "run_to" in step:
            pass
        elif "refused" in step:
            with pytest.raises(AnxinError) as refused:
                book.request(step)
            assert refused.value.code == step["refused"], refused.value
            if after_refusal is not None:
                after_refusal(step, refused.value)
        else:
            result = book.request(step)
            _check_result(step, result, amount_of(result))
            if after_request is not None:
                after_request(step, result)
        check_events(step.get("events", []), events)
        _check_no_events(step.get("no_events", []), events)
        day = book.day if "run_to" in step else step["day"]
        for want in step.get("expect", []):
            _check_policy(want, *state_of(want["policy"]), day)


def _check_result(step: dict, result: Any, amount_fen: int) -> None:
    if "amount" in step:
        assert amount_fen == parse_yuan(step["amount"]), result.lines_zh
    text = "\n".join(result.lines_zh)
    for line in step.get("explains", []):
        assert line in text, text
    assert result.lines_en and len(result.lines_en) == len(result.lines_zh)


def check_events(expected: list[dict], events: pl.DataFrame) -> None:
    """Each expected ``{policy, event, day?, amount?, debit?}`` is among ``events``."""
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


def _check_no_events(unwanted: list[dict], events: pl.DataFrame) -> None:
    for want in unwanted:
        hit = (
            events.height
            and events.filter(
                (pl.col("policy_id") == want["policy"]) & (pl.col("event") == want["event"])
            ).height
        )
        assert not hit, f"unexpected {want}"


def _check_policy(want: dict, state: PolicyState, loan: LoanState | None, day: dt.date) -> None:
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
