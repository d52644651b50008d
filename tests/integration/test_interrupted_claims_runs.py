"""Group-cover claims runs (`anxin claims adjudicate`) and payments of claim results (`anxin pay
batch`) killed (SIGKILL) at random points in a separate process, on SQLite and PostgreSQL: started
again, a run writes exactly the lines an uninterrupted run writes, and every approved claim result
is paid exactly once with the ledger balanced."""

from __future__ import annotations

import datetime as dt
import random
import signal
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.imports import import_claims, import_persons
from anxin.store.config import load_settings
from anxin.store.database import Database, open_database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import AdjudicationRun, Claim, ClaimResult
from tests.conftest import database_settings
from tests.integration.group_claims_support import GA, GA_HEADER, YEAR, resident_id, write
from tests.integration.test_interrupted_runs import kill_while_writing, start_cli

PERSONS = 300
PROGRAM = shipped_programs()[GA]
#: Every document a group-accident claim may need: the claims are judged, not held for papers.
DOCUMENTS = "claim_form,id_proof,bank_account,accident_report,medical_invoices,settlement_statement"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """A roster of elderly Qingdao residents and their accident medical bills: two or three each,
    some before the cover starts; several people reach the 5,000 yearly limit, so the order of
    their bills decides what each pays."""
    rng = random.Random(11)
    born = [dt.date(1930, 1, 1) + dt.timedelta(days=17 * i) for i in range(PERSONS)]
    numbers = [resident_id(b.strftime("%Y%m%d"), f"{100 + i % 900:03d}") for i, b in enumerate(born)]
    roster = pl.DataFrame(
        {
            "证件号码": numbers,
            "人员编号": [f"P{i:05d}" for i in range(PERSONS)],
            "村": [f"第{i % 7 + 1}村" for i in range(PERSONS)],
            "缴费金额": ["24.00"] * PERSONS,
        }
    )
    rows = []
    for i in range(PERSONS):
        for k in range(rng.choice((2, 3))):
            accident = dt.date(2023, 11, 20) + dt.timedelta(days=rng.randrange(0, 330))
            due = accident + dt.timedelta(days=rng.randrange(0, 20))
            expense = f"{rng.randrange(50, 4000)}.{rng.randrange(100):02d}"
            rows.append(
                (f"C{i:05d}-{k}", f"P{i:05d}", "意外医疗", str(due), str(accident), None, None, None, expense)
            )
    claims = pl.DataFrame(rows, schema=GA_HEADER, orient="row").with_columns(理赔材料=pl.lit(DOCUMENTS))
    return write(roster, tmp_path / "roster.csv"), write(claims, tmp_path / "claims.csv")


def _load(db: Database, tmp_path: Path) -> None:
    roster, claims = _files(tmp_path)
    import_persons(db, roster, program_code=GA, year=YEAR)
    import_claims(db, claims, program_code=GA)


def _results(db: Database) -> dict[str, tuple]:
    """Every claim's lines by claim number: (kind, amount, due, status, reason) each."""
    with db.engine.connect() as c:
        rows = c.execute(
            sa.select(
                Claim.claim_no, ClaimResult.kind, ClaimResult.amount_fen, ClaimResult.due_fen,
                ClaimResult.status, ClaimResult.review_reason,
            ).join(ClaimResult, ClaimResult.claim_id == Claim.id).order_by(ClaimResult.id)
        ).all()  # fmt: skip
    found: dict[str, list[tuple]] = {}
    for claim_no, *line in rows:
        found.setdefault(claim_no, []).append(tuple(line))
    return {claim_no: tuple(lines) for claim_no, lines in found.items()}


def _count(db: Database, model: type) -> int:
    with db.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _uninterrupted(tmp_path: Path) -> dict[str, tuple]:
    """The same files run once without interruption, in a database of their own."""
    folder = tmp_path / "uninterrupted"
    folder.mkdir()
    reference = open_database(load_settings(database_settings(f"sqlite:///{folder / 'anxin.db'}", folder)))
    try:
        _load(reference, tmp_path)
        adjudicate_claims(reference, PROGRAM)
        return _results(reference)
    finally:
        reference.dispose()


@pytest.mark.slow
def test_a_killed_claims_run_resumes_to_the_uninterrupted_result(database, tmp_path):
    _load(database, tmp_path)
    rng = random.Random(2024)
    kills = 0
    for _ in range(3):
        process = start_cli(database, "claims", "adjudicate", "-p", GA, "--chunk", "10")
        kills += kill_while_writing(process, lambda: _count(database, ClaimResult), rng)
    adjudicate_claims(database, PROGRAM)  # finish whatever is left
    with database.engine.connect() as c:
        interrupted = c.execute(
            sa.select(sa.func.count()).where(AdjudicationRun.status == "interrupted")
        ).scalar_one()
    assert kills >= 1 and interrupted >= 1  # it really was cut off mid-run
    results, expected = _results(database), _uninterrupted(tmp_path)
    assert len(results) == _count(database, Claim) > 2 * PERSONS  # every claim has its line …
    assert all(len(lines) == 1 and lines[0][0] == "payout" for lines in results.values())  # … once
    assert results == expected
    statuses = {lines[0][3] for lines in results.values()}
    assert {"approved", "rejected"} <= statuses  # paid bills and bills before the cover both there
    assert adjudicate_claims(database, PROGRAM, mode="full").lines == 0


@pytest.mark.slow
def test_killed_payment_runs_pay_each_claim_result_once_and_keep_the_ledger_balanced(database, tmp_path):
    from anxin.services.ledger import assert_balanced, trial_balance
    from anxin.services.payments import pay
    from anxin.store.schema import Payment

    _load(database, tmp_path)
    adjudicate_claims(database, PROGRAM)
    rng = random.Random(8)

    def batch(attempt: int) -> subprocess.Popen:
        return start_cli(
            database, "pay", "batch", "-p", GA, "--limit", "150", "--actor", f"attempt-{attempt}"
        )

    started = time.monotonic()
    assert batch(0).wait() == 0  # one batch uncut, to learn how long a batch takes on this machine
    whole, kills = time.monotonic() - started, 0
    for attempt in range(1, 4):
        process = batch(attempt)
        time.sleep(rng.uniform(0.5, 1.0) * whole)  # most of it is starting up: cut late in it
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    pay(database, GA, actor="finance")  # whatever is left
    with database.engine.connect() as c:
        payable = c.execute(
            sa.select(sa.func.count(), sa.func.sum(ClaimResult.amount_fen)).where(
                ClaimResult.status == "approved", ClaimResult.amount_fen != 0
            )
        ).one()
        paid = c.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(Payment.claim_result_id)),
                sa.func.sum(Payment.amount_fen),
            ).where(Payment.claim_result_id.is_not(None))
        ).one()
    assert kills >= 1
    assert payable[0] > PERSONS  # most bills are payable: the batches had real work
    assert paid[0] == paid[1] == payable[0]  # every approved result paid, none twice
    assert paid[2] == payable[1]
    assert_balanced(database)
    assert trial_balance(database)[f"claims_expense:{GA}"] == payable[1]
