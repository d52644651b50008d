"""Paying out what servicing owes customers, on SQLite and PostgreSQL: a cooling-off refund and a
surrender credited to refunds_payable, listed as owed (the first one overdue after 30 days), paid once
in a recorded run that leaves every policy's refunds_payable at zero; paid again, nothing; the
command line."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.life.requests import RequestKind as K
from anxin.services.life_ledger import trial_balance
from anxin.services.life_refunds import pay_refunds, refunds_owed
from anxin.store.schema import AdjudicationRun, LifePolicy, PolicyEvent

from .test_servicing_requests import ask, policy, store_book

ISSUE = dt.date(2024, 3, 1)


def balances(db) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """(policy, account) → debits less credits over the policy ledger."""
    found: dict[tuple[str, str], int] = {}
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.select(LifePolicy.policy_no, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)
            .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id).where(PolicyEvent.debit.is_not(None))
        ).all()  # fmt: skip
    for no, debit, credit, amount in rows:
        found[(no, debit)] = found.get((no, debit), 0) + amount
        found[(no, credit)] = found.get((no, credit), 0) - amount
    return found


def test_refunds_owed_are_listed_paid_once_and_leave_nothing_payable(database, tmp_path):
    store_book(database, tmp_path, [
        policy("R1", "110101", 100_000, ISSUE, received_on=dt.date(2024, 3, 5)),
        policy("R2", "110101", 100_000, dt.date(2020, 3, 1), premiums_paid=4),
        policy("R3", "110101", 100_000, ISSUE),
    ])  # fmt: skip
    cancelled = ask(database, "R1", K.COOLING_OFF_CANCELLATION, dt.date(2024, 3, 10))
    surrendered = ask(database, "R2", K.SURRENDER, dt.date(2024, 4, 1))
    assert cancelled.amount_fen == 249_000 and surrendered.amount_fen > 0
    # on 2024-04-15 the refund of 2024-03-10 is past its 30 days; the surrender is not
    owed = {o.policy_no: o for o in refunds_owed(database, dt.date(2024, 4, 15))}
    assert set(owed) == {"R1", "R2"}
    assert (owed["R1"].amount_fen, owed["R1"].since, owed["R1"].due_by) == (
        249_000, dt.date(2024, 3, 10), dt.date(2024, 4, 9),
    )  # fmt: skip
    assert owed["R1"].overdue(dt.date(2024, 4, 15)) and not owed["R2"].overdue(dt.date(2024, 4, 15))
    assert owed["R2"].amount_fen == surrendered.amount_fen
    # what was credited after the day is not yet owed on it
    assert [o.policy_no for o in refunds_owed(database, dt.date(2024, 3, 31))] == ["R1"]

    paid = pay_refunds(database, dt.date(2024, 4, 15), actor="finance")
    assert (paid.policies, paid.amount_fen, paid.paid_late) == (2, 249_000 + surrendered.amount_fen, 1)
    after = balances(database)
    assert after[("R1", "refunds_payable")] == 0 and after[("R2", "refunds_payable")] == 0
    assert sum(after.values()) == 0  # every posting has both sides
    assert refunds_owed(database, dt.date(2024, 4, 15)) == []
    again = pay_refunds(database, dt.date(2024, 4, 16), actor="finance")
    assert (again.policies, again.amount_fen) == (0, 0)
    with database.engine.connect() as connection:
        events = connection.execute(
            sa.select(PolicyEvent.event, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.run_id)
            .where(PolicyEvent.event == "refund_paid")
        ).all()  # fmt: skip
        runs = connection.execute(
            sa.select(AdjudicationRun.status).where(AdjudicationRun.program_code == "life_refunds")
        ).scalars().all()  # fmt: skip
    assert [e[:3] for e in events] == [("refund_paid", "refunds_payable", "cash")] * 2
    assert {e[3] for e in events} == {paid.run_id} and runs == ["completed", "completed"]


def test_the_refunds_command_lists_and_pays(database, tmp_path):
    store_book(database, tmp_path, [policy("R1", "110101", 100_000, ISSUE, received_on=dt.date(2024, 3, 5))])
    ask(database, "R1", K.COOLING_OFF_CANCELLATION, dt.date(2024, 3, 10))
    runner = CliRunner()
    listed = runner.invoke(root, ["servicing", "refunds", "--day", "2024-04-15"])
    assert listed.exit_code == 0, listed.output
    assert "R1" in listed.output and "2,490.00" in listed.output and "逾期 overdue" in listed.output
    paid = runner.invoke(root, ["servicing", "refunds", "--day", "2024-04-15", "--pay", "--actor", "finance"])
    assert paid.exit_code == 0 and "已支付 paid" in paid.output and "2,490.00" in paid.output
    assert refunds_owed(database, dt.date(2024, 4, 15)) == []


def test_the_trial_balance_adds_up_to_zero_and_follows_the_money(database, tmp_path):
    store_book(database, tmp_path, [
        policy("R1", "110101", 100_000, ISSUE, received_on=dt.date(2024, 3, 5)),
        policy("R2", "110101", 100_000, dt.date(2020, 3, 1), premiums_paid=4),
    ])  # fmt: skip
    ask(database, "R1", K.COOLING_OFF_CANCELLATION, dt.date(2024, 3, 10))
    ask(database, "R2", K.LOAN, dt.date(2024, 3, 11), amount_fen=400_000)
    pay_refunds(database, dt.date(2024, 3, 12), actor="finance")
    balances = {b.account: b for b in trial_balance(database)}
    assert sum(b.balance_fen for b in balances.values()) == 0
    # the refund went out and the loan was lent: cash is 2,490 + 4,000 yuan down
    assert balances["cash"].balance_fen == -(249_000 + 400_000)
    assert balances["policy_loans"].balance_fen == 400_000 and balances["refunds_payable"].balance_fen == 0
    assert balances["cash"].label_zh == "银行存款"
    # up to a day: the refund not yet paid on the 11th
    earlier = {b.account: b.balance_fen for b in trial_balance(database, upto=dt.date(2024, 3, 11))}
    assert earlier["refunds_payable"] == -249_000 and earlier["cash"] == -400_000
    shown = CliRunner().invoke(root, ["servicing", "ledger", "--to", "2024-03-12"])
    assert shown.exit_code == 0, shown.output
    assert "保全台账试算平衡" in shown.output and "6,490.00" in shown.output and "合计 total" in shown.output
