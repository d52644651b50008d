"""Look-ups by long key lists give the same rows by every path: on PostgreSQL the copied key
table (large lists) and the JSON key table (short ones), on SQLite the JSON key list — text with
empty strings and nulls, integers, dates and times included."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.store import bulk
from anxin.store.schema import Settlement
from tests.integration.factories import store_persons

SCHEMA = {
    "setl_id": pl.String(),
    "person_id": pl.Int64(),
    "setl_time": pl.Datetime("us"),
    "begndate": pl.Date(),
    "hosp_lv": pl.String(),
    "reverses_setl_id": pl.String(),
    "medfee_fen": pl.Int64(),
    "inscp_fen": pl.Int64(),
}


@pytest.fixture
def stored(database):
    people = pl.DataFrame({"certno": ["370102198501011237"], "psn_no": ["P1"]})
    person_ids = store_persons(database, people, program_code="taian-ci", years=[2023])
    times = [dt.datetime(2023, 1, 5, 10, 0, 0), dt.datetime(2023, 2, 1, 8, 30, 15, 250000)] * 2
    begun = [dt.date(2023, 1, 1), dt.date(2023, 1, 31), dt.date(2023, 3, 1), dt.date(2023, 3, 2)]
    with database.engine.begin() as connection:
        connection.execute(
            sa.insert(Settlement),
            [
                {
                    "setl_id": f"S{i + 1}",
                    "person_id": person_ids["P1"],
                    "psn_no": "P1",
                    "setl_time": times[i],
                    "begndate": begun[i],
                    "enddate": begun[i],
                    "medfee_fen": [100_000, 2_550, 0, -3][i],
                    "base_fen": 0,
                    "inscp_fen": None if i == 1 else 100 * i,
                    "hosp_lv": ["3", "", "2", "1"][i],
                    "reverses_setl_id": "S3" if i == 3 else None,
                }
                for i in range(4)
            ],
        )
    return database


@pytest.mark.parametrize("copy_from", [1, 10**9], ids=["copied keys", "json keys"])
def test_every_path_finds_the_same_rows(stored, monkeypatch, copy_from):
    monkeypatch.setattr(bulk, "COPY_KEYS_FROM", copy_from)
    columns = [Settlement.__table__.c[name] for name in SCHEMA]
    keys = pl.Series(["S4", "S1", "S2", "S3", "missing", None, "S1"])
    with stored.engine.begin() as connection:
        found = bulk.select_by_keys(connection, sa.select(*columns), Settlement.setl_id, keys, SCHEMA)
        by_list = bulk.select_by_keys(
            connection, sa.select(*columns), Settlement.setl_id, keys.to_list(), SCHEMA
        )
        none = bulk.select_by_keys(connection, sa.select(*columns), Settlement.setl_id, ["nothing"], SCHEMA)
    assert found.sort("setl_id").equals(by_list.sort("setl_id"))
    assert none.height == 0 and none.schema == pl.Schema(SCHEMA)
    found = found.sort("setl_id")
    assert found.schema == pl.Schema(SCHEMA)
    assert found["setl_id"].to_list() == ["S1", "S2", "S3", "S4"]
    assert found["setl_time"].to_list()[:2] == [
        dt.datetime(2023, 1, 5, 10, 0, 0),
        dt.datetime(2023, 2, 1, 8, 30, 15, 250000),
    ]
    assert found["begndate"].to_list() == [
        dt.date(2023, 1, 1),
        dt.date(2023, 1, 31),
        dt.date(2023, 3, 1),
        dt.date(2023, 3, 2),
    ]
    assert found["inscp_fen"].to_list() == [0, None, 200, 300]
    assert found["hosp_lv"].to_list() == ["3", "", "2", "1"]
    assert found["reverses_setl_id"].to_list() == [None, None, None, "S3"]
    assert found["medfee_fen"].to_list() == [100_000, 2_550, 0, -3]
