"""Claims runs for group covers on SQLite and PostgreSQL: payout lines with reasons, versions and
explanations; adjustments only where the due changed; a second run and a killed run change nothing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from anxin.services import claims_adjudication
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.imports import import_claims
from anxin.store.program_files import shipped_programs
from anxin.store.schema import ClaimResult

from .group_claims_support import GA, SD, WOMEN, YEAR, ga_claims, load_group_programs, sd_claims


def lines(db, program_code: str = GA) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(
                    ClaimResult.claim_id, ClaimResult.kind, ClaimResult.amount_fen, ClaimResult.due_fen,
                    ClaimResult.status, ClaimResult.review_reason, ClaimResult.policy_year,
                )
                .where(ClaimResult.program_code == program_code)
                .order_by(ClaimResult.id)
            ).all()
        ]  # fmt: skip


def test_group_accident_claims_are_paid_once_with_reasons_and_explanations(database, tmp_path):
    load_group_programs(database, tmp_path)
    program = shipped_programs()[GA]
    first = adjudicate_claims(database, program)
    assert (first.payout_lines, first.rejected_lines, first.amount_fen) == (4, 1, 100000 + 30000 + 200000)
    assert lines(database) == [
        (1, "payout", 100000, 100000, "approved", "paid", YEAR),
        (2, "payout", 30000, 30000, "approved", "paid", YEAR),
        (3, "payout", 200000, 200000, "approved", "paid", YEAR),
        (4, "payout", 0, 0, "rejected", "outside_cover", YEAR),
    ]
    with database.engine.connect() as connection:
        stored = connection.execute(sa.select(ClaimResult).where(ClaimResult.claim_id == 3)).mappings().one()
    explained = json.loads(stored["explanation"])
    assert (explained["paid_grade"], explained["ratio_bp"], explained["reason_zh"]) == (10, 1000, "赔付")
    assert stored["version"] == "2018" and stored["param_hash"] == program.parameter_hash(program.versions[0])
    again = adjudicate_claims(database, program, mode="full")
    assert again.lines == 0 and len(lines(database)) == 4


def test_a_late_claim_that_uses_the_limit_first_adjusts_the_later_one(database, tmp_path):
    load_group_programs(database, tmp_path)
    program = shipped_programs()[GA]
    adjudicate_claims(database, program)
    # An earlier medical bill of Q1 arrives late: 4,600 after the deductible, so GA-1 (due later)
    # now gets only 400 of the 5,000 yearly limit.
    late = [("GA-0", "Q1", "意外医疗", "2024-01-08", "2024-01-02", None, None, None, "4700.00")]
    import_claims(database, ga_claims(tmp_path, late, "late.csv"), program_code=GA)
    incremental = adjudicate_claims(database, program)
    assert (incremental.payout_lines, incremental.adjustment_lines) == (1, 1)
    new = lines(database)[4:]
    assert sorted(new) == [
        (1, "adjustment", -60000, 40000, "approved", "paid", YEAR),
        (5, "payout", 460000, 460000, "approved", "paid", YEAR),
    ]
    assert sum(r[2] for r in lines(database) if r[0] in (1, 5)) == 500000


def test_specified_disease_pays_units_once_and_ends_cover(database, tmp_path):
    load_group_programs(database, tmp_path)
    rows = [
        ("S-1", WOMEN[0], "2024-06-01", "breast_cancer"),  # 2 units × 10,000 × 2
        ("S-2", WOMEN[0], "2024-08-01", "ovarian_cancer"),  # cover ended
        ("S-3", WOMEN[1], "2024-02-01", "ovarian_cancer"),  # within 90 days of 2024-01-01
    ]
    import_claims(database, sd_claims(tmp_path, rows), program_code=SD)
    summary = adjudicate_claims(database, shipped_programs()[SD], year=2024)
    assert summary.amount_fen == 4_000_000
    assert [(r[1], r[2], r[4], r[5]) for r in lines(database, SD)] == [
        ("payout", 4_000_000, "approved", "paid"),
        ("payout", 0, "rejected", "cover_ended"),
        ("payout", 0, "rejected", "waiting_period"),
    ]


def test_a_killed_run_restarted_writes_the_same_lines(database, tmp_path, monkeypatch):
    load_group_programs(database, tmp_path)
    program = shipped_programs()[GA]
    real = claims_adjudication._chunk
    calls = {"n": 0}

    def dies_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(claims_adjudication, "_chunk", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        adjudicate_claims(database, program, chunk_persons=1)
    assert len(lines(database)) == 2  # Q1's chunk committed, Q2's rolled back
    monkeypatch.setattr(claims_adjudication, "_chunk", real)
    adjudicate_claims(database, program, chunk_persons=1)
    restarted = sorted((r[0], r[2], r[4]) for r in lines(database))
    assert restarted == [
        (1, 100000, "approved"),
        (2, 30000, "approved"),
        (3, 200000, "approved"),
        (4, 0, "rejected"),
    ]
    assert adjudicate_claims(database, program, mode="full").lines == 0


def test_claims_runs_refuse_other_program_kinds(database):
    from anxin.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        adjudicate_claims(database, shipped_programs()["taian-ci"])


def test_approved_claim_results_are_paid_once_to_the_person_with_balanced_ledger(database, tmp_path):
    from anxin.services.ledger import assert_balanced, trial_balance
    from anxin.services.payments import pay
    from anxin.store.schema import Payment

    load_group_programs(database, tmp_path)
    program = shipped_programs()[GA]
    adjudicate_claims(database, program)
    first = pay(database, GA, actor="clerk")
    assert (first.payee, first.payouts, first.payouts_fen) == ("person", 3, 330000)
    assert pay(database, GA, actor="clerk").batch_id is None  # nothing twice
    late = [("GA-0", "Q1", "意外医疗", "2024-01-08", "2024-01-02", None, None, None, "4700.00")]
    import_claims(database, ga_claims(tmp_path, late, "late.csv"), program_code=GA)
    adjudicate_claims(database, program)
    second = pay(database, GA, actor="clerk")
    assert (second.payouts_fen, second.recoveries_fen) == (460000, 60000)
    with database.engine.connect() as connection:
        paid = connection.execute(
            sa.select(Payment.claim_result_id, Payment.adjudication_id, Payment.amount_fen).order_by(
                Payment.id
            )
        ).all()
    assert all(r[0] is not None and r[1] is None for r in paid) and len(paid) == 5
    assert sum(r[2] for r in paid) == 730000
    assert_balanced(database)
    assert any(amount for amount in trial_balance(database).values())
    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
        batch = connection.execute(sa.text("SELECT batch_id FROM payments LIMIT 1")).scalar_one()
        connection.execute(
            sa.insert(Payment).values(batch_id=batch, claim_result_id=paid[0][0], person_id=1, amount_fen=1)
        )
