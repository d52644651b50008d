"""A run's watermark never passes a settlement import that is still open: on PostgreSQL the run
waits for it (advisory lock), so a settlement committed late with a lower id is not skipped."""

from __future__ import annotations

import datetime as dt
import threading

import polars as pl
import sqlalchemy as sa

from anxin.services.adjudication import _start_run
from anxin.store.locks import hold_settlement_writes
from anxin.store.schema import AdjudicationRun, Settlement
from tests.integration.factories import store_persons


def test_a_run_waits_for_an_open_settlement_import(database):
    ids = store_persons(
        database,
        pl.DataFrame({"certno": ["11010519491231002X"], "psn_no": ["P1"]}),
        program_code="taian-ci",
        years=[2023],
    )
    started: dict[str, int] = {}
    with database.engine.connect() as importer:
        transaction = importer.begin()
        hold_settlement_writes(importer)
        settlement_id = importer.execute(
            sa.insert(Settlement)
            .values(
                setl_id="LATE-1",
                person_id=ids["P1"],
                setl_time=dt.datetime(2023, 5, 1, 9),
                begndate=dt.date(2023, 4, 20),
                enddate=dt.date(2023, 4, 30),
                base_fen=1_000_000,
            )
            .returning(Settlement.id)
        ).scalar_one()
        run = threading.Thread(
            target=lambda: started.update(run=_start_run(database, "taian-ci", None, "incremental", "t"))
        )
        run.start()
        run.join(timeout=1.0)
        if database.dialect == "postgresql":
            assert run.is_alive(), "the run must wait for the open import"
        transaction.commit()
    run.join(timeout=30)
    assert not run.is_alive()
    with database.engine.connect() as c:
        upto = c.execute(
            sa.select(AdjudicationRun.settlements_upto).where(AdjudicationRun.id == started["run"])
        ).scalar_one()
    assert upto >= settlement_id
