"""Adjudication runs on the database: incremental, full, corrections, exactly once."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from anxin.services.adjudication import adjudicate
from anxin.store.program_files import resolve_program
from anxin.store.schema import Accumulator, Adjudication
from tests.integration.factories import store_persons, store_settlements

SHANDONG = resolve_program("shandong-ci")
ID_A = "11010519491231002X"
ID_B = "370102198001015555"


def _persons():
    from anxin.domain.identity import check_character

    b = ID_B[:17] + check_character(ID_B[:17])
    return pl.DataFrame({"psn_no": ["A", "B"], "certno": [ID_A, b]})


def _stay(setl_id, psn_no, day, owed_yuan, **extra):
    at = dt.datetime.fromisoformat(day)
    return {
        "setl_id": setl_id,
        "psn_no": psn_no,
        "setl_time": at,
        "begndate": at.date() - dt.timedelta(days=5),
        "enddate": at.date(),
        "base_fen": owed_yuan * 100,
        **extra,
    }


def _due(db) -> dict[str, int]:
    from anxin.store.schema import Settlement

    with db.engine.connect() as c:
        rows = c.execute(
            sa.select(Settlement.setl_id, sa.func.sum(Adjudication.amount_fen))
            .join(Adjudication, Adjudication.settlement_id == Settlement.id)
            .group_by(Settlement.setl_id)
        ).all()
    return {k: int(v) for k, v in rows}


def test_incremental_runs_pay_each_settlement_once(database):
    ids = store_persons(database, _persons(), program_code="shandong-ci", years=[2023])
    store_settlements(database, pl.DataFrame([_stay("S1", "A", "2023-03-01", 70_000)]), ids)
    first = adjudicate(database, SHANDONG)
    assert (first.payout_lines, first.amount_fen) == (1, 3_000_000)
    again = adjudicate(database, SHANDONG)
    assert again.lines == 0
    store_settlements(database, pl.DataFrame([_stay("S2", "A", "2023-08-01", 100_000)]), ids)
    second = adjudicate(database, SHANDONG)
    assert (second.payout_lines, second.adjustment_lines, second.amount_fen) == (1, 0, 5_700_000)
    assert sum(_due(database).values()) == 8_700_000  # the worked example, over two stays
    with database.engine.connect() as c:
        acc = c.execute(sa.select(Accumulator.ytd_fen, Accumulator.due_fen, Accumulator.settlements)).one()
    assert tuple(acc) == (17_000_000, 8_700_000, 2)


def test_reversal_and_late_settlement_adjust_earlier_lines(database):
    ids = store_persons(database, _persons(), program_code="shandong-ci", years=[2023])
    store_settlements(
        database,
        pl.DataFrame([_stay("S1", "A", "2023-03-01", 70_000), _stay("S2", "A", "2023-08-01", 100_000)]),
        ids,
    )
    adjudicate(database, SHANDONG)
    # S1 is reversed (冲销) and re-submitted at 60,000; a stay settled in January arrives late.
    store_settlements(
        database,
        pl.DataFrame(
            [
                _stay("S1-R", "A", "2023-09-01", 0, reverses_setl_id="S1"),
                _stay("S1-B", "A", "2023-09-02", 60_000),
                _stay("S0", "A", "2023-01-15", 5_000),
            ]
        ),
        ids,
    )
    run = adjudicate(database, SHANDONG)
    due = _due(database)
    # Year total is now 5,000 + 100,000 + 60,000 = 165,000 → f = 45,000 + 65,000 × 60% = 84,000.
    assert sum(due.values()) == 8_400_000
    assert due["S0"] == 0 and run.adjustment_lines >= 1
    # every settlement's lines add up to what a fresh full computation says it is due now
    full = adjudicate(database, SHANDONG, mode="full")
    assert full.lines == 0


def test_not_enrolled_settlements_are_rejected_not_paid(database):
    ids = store_persons(database, _persons(), program_code="shandong-ci", years=[2022])
    store_settlements(database, pl.DataFrame([_stay("S1", "B", "2023-03-01", 170_000)]), ids)
    run = adjudicate(database, SHANDONG)
    assert (run.rejected_lines, run.amount_fen) == (1, 0)
    with database.engine.connect() as c:
        status, reason = c.execute(sa.select(Adjudication.status, Adjudication.review_reason)).one()
    assert (status, reason) == ("rejected", "not_enrolled")


def test_bureau_difference_goes_to_review(database):
    ids = store_persons(database, _persons(), program_code="shandong-ci", years=[2023])
    store_settlements(
        database,
        pl.DataFrame(
            [
                _stay("S1", "A", "2023-03-01", 170_000, hifmi_pay=87_000.00),
                _stay("S2", "B", "2023-03-01", 170_000, hifmi_pay=86_999.99),
            ]
        ),
        ids,
    )
    adjudicate(database, SHANDONG)
    with database.engine.connect() as c:
        statuses = dict(c.execute(sa.select(Adjudication.settlement_id, Adjudication.status)).all())
    assert sorted(statuses.values()) == ["approved", "review"]


def test_daily_runs_in_any_arrival_order_equal_one_computation(database):
    """Settlements arrive in four daily files in random order (late ones included) with reversals;
    after each day's incremental run, every settlement's lines sum to what one batch computation
    of everything so far says it is due."""
    import random

    from anxin.engine.critical_illness import compute
    from anxin.synth import generate_province

    program = resolve_program("taian-ci")
    province = generate_province(persons=300, seed=11, year=2023)
    ids = store_persons(database, province.persons, program_code=program.code, years=[2022, 2023, 2024])
    settlements = province.settlements.with_columns(
        base_fen=((pl.col("inscp_scp_amt") - pl.col("hifp_pay")) * 100).cast(pl.Int64)
    )
    rng = random.Random(3)
    days = [rng.randrange(4) for _ in range(settlements.height)]
    settlements = settlements.with_columns(day=pl.Series(days))
    big = settlements.filter(pl.col("day") < 2).sort("base_fen", descending=True).head(5)
    reversals = big.with_columns(
        reverses_setl_id=pl.col("setl_id"),
        setl_id=pl.col("setl_id") + "-R",
        setl_time=pl.col("setl_time") + pl.duration(days=400),
        base_fen=-pl.col("base_fen"),
        day=pl.lit(3, pl.Int64),
    )
    everything = pl.concat([settlements.with_columns(reverses_setl_id=pl.lit(None, pl.String)), reversals])
    recomputed = []
    for day in range(4):
        arriving = everything.filter(pl.col("day") == day)
        store_settlements(database, arriving.drop("day", "medfee_sumamt", "inscp_scp_amt", "hifp_pay"), ids)
        recomputed.append(adjudicate(database, program).recomputed_persons)
        so_far = everything.filter(pl.col("day") <= day)
        dates = so_far.join(
            so_far.select(
                pl.col("setl_id").alias("reverses_setl_id"),
                pl.col("begndate").alias("b0"),
                pl.col("enddate").alias("e0"),
            ),
            on="reverses_setl_id",
            how="left",
        )
        table = dates.select(
            person_id=pl.col("psn_no"),
            settlement_id=pl.col("setl_id"),
            admitted_on=pl.coalesce("b0", "begndate"),
            discharged_on=pl.coalesce("e0", "enddate"),
            settled_at=pl.col("setl_time"),
            base_fen=pl.col("base_fen"),
            vulnerable_group=pl.col("psn_idet_type"),
        )
        expected = pl.from_arrow(compute(table.to_arrow(), program))
        assert _due(database) == dict(zip(expected["settlement_id"], expected["payout_fen"], strict=True))
    assert recomputed[0] == 0  # the first day continues from nothing: no person needs a recompute
    assert 0 < recomputed[-1] < len(ids)  # out-of-order arrivals and reversals recompute just those persons
