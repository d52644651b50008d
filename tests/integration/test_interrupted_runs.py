"""A run killed (SIGKILL) at random points and started again gives the uninterrupted result:
every settlement adjudicated exactly once, totals equal to the batch kernel's."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.engine.critical_illness import compute
from anxin.services.adjudication import adjudicate
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, AdjudicationRun, Settlement
from anxin.synth import as_kernel_input, generate_province
from tests.conftest import TEST_KEY
from tests.integration.factories import store_persons, store_settlements

PROGRAM = resolve_program("taian-ci")


def _province(database):
    province = generate_province(persons=1500, seed=5, year=2023)
    ids = store_persons(database, province.persons, program_code=PROGRAM.code, years=[2022, 2023, 2024])
    store_settlements(database, province.settlements, ids)
    return province


def _expected(province) -> dict[str, int]:
    s = province.settlements
    table = as_kernel_input(s)
    out = pl.from_arrow(compute(table.to_arrow(), PROGRAM))
    return dict(zip(out["settlement_id"], out["payout_fen"], strict=True))


def _lines(database) -> int:
    with database.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(Adjudication)).scalar_one()


def start_cli(database, *args: str) -> subprocess.Popen:
    """``anxin *args`` in a separate process, against ``database``."""
    env = {**os.environ, "ANXIN_DATABASE_URL": database.settings.database_url, "ANXIN_SECRET_KEY": TEST_KEY}
    command = [sys.executable, "-c", "from anxin.cli import app; app()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_while_writing(process: subprocess.Popen, written: Callable[[], int], rng: random.Random) -> bool:
    """Wait until ``process`` writes (``written()`` grows), SIGKILL it a random moment later; whether
    it was still running to be killed."""
    before, deadline = written(), time.monotonic() + 60
    while process.poll() is None and written() == before and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.3))
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait()
    return killed


def _start(database) -> subprocess.Popen:
    return start_cli(database, "adjudicate", "-p", PROGRAM.code, "--chunk", "20")


@pytest.mark.slow
def test_killed_adjudication_resumes_to_the_same_result(database):
    province = _province(database)
    rng = random.Random(2023)
    kills = 0
    for _ in range(3):
        kills += kill_while_writing(_start(database), lambda: _lines(database), rng)
    adjudicate(database, PROGRAM)  # finish whatever is left
    with database.engine.connect() as c:
        lines = c.execute(
            sa.select(Settlement.setl_id, Adjudication.kind, Adjudication.amount_fen).join(
                Adjudication, Adjudication.settlement_id == Settlement.id
            )
        ).all()
        interrupted = c.execute(
            sa.select(sa.func.count()).where(AdjudicationRun.status == "interrupted")
        ).scalar_one()
    expected = _expected(province)
    assert kills >= 1 and interrupted >= 1  # it really was cut off mid-run
    assert len(lines) == len(expected)  # one line per settlement: nothing counted twice
    assert {kind for _, kind, _ in lines} == {"payout"}
    assert {setl: amount for setl, _, amount in lines} == expected
    assert adjudicate(database, PROGRAM, mode="full").lines == 0


@pytest.mark.slow
def test_killed_payment_runs_pay_each_line_once_and_keep_the_ledger_balanced(database):
    from anxin.services.ledger import assert_balanced, trial_balance
    from anxin.services.payments import pay
    from anxin.store.schema import Payment

    _province(database)
    adjudicate(database, PROGRAM)
    env = {**os.environ, "ANXIN_DATABASE_URL": database.settings.database_url, "ANXIN_SECRET_KEY": TEST_KEY}
    rng = random.Random(7)
    for attempt in range(4):
        command = [
            sys.executable,
            "-c",
            "from anxin.cli import app; app()",
            "pay",
            "batch",
            "-p",
            PROGRAM.code,
            "--limit",
            "500",
            "--actor",
            f"attempt-{attempt}",
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 2.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
    pay(database, PROGRAM.code, actor="finance")  # whatever is left
    with database.engine.connect() as c:
        payable = c.execute(
            sa.select(sa.func.count(), sa.func.sum(Adjudication.amount_fen)).where(
                Adjudication.status == "approved", Adjudication.amount_fen != 0
            )
        ).one()
        paid = c.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(Payment.adjudication_id)),
                sa.func.sum(Payment.amount_fen),
            )
        ).one()
    assert paid[0] == paid[1] == payable[0]  # every approved line paid, none twice
    assert paid[2] == payable[1]
    assert_balanced(database)
    assert trial_balance(database)[f"claims_expense:{PROGRAM.code}"] == payable[1]
