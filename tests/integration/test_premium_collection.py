"""Premium collection files (收费) on SQLite and PostgreSQL: a stored book run into grace by the daily
run and a collection file applied puts the payers back in force with exact postings and status history,
exactly as the engine does in memory; the same file again changes nothing; bad rows are refused with
their row and column, the good ones applied; collected every day, payers stay in force and non-payers
are suspended after grace; the CLI collects and writes a synthetic file for the stored book."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import InvalidInput
from anxin.engine.premium_collection import PAYMENT_SCHEMA, collect
from anxin.services import premium_collection
from anxin.services.imports import import_persons, import_policies
from anxin.services.imports.batches import import_problems
from anxin.services.premium_collection import collect_premiums, write_stored_collection_file
from anxin.services.servicing_run import read_book, run_servicing_day, run_servicing_days
from anxin.store.life_files import shipped_products
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyStatusChange
from anxin.store.tabular import read_table
from anxin.synth.life import life_book, write_policies_file

from .care_support import RESIDENT, YEAR, certno
from .group_claims_support import write

PRODUCTS = list(shipped_products().values())
AS_OF = dt.date(2026, 1, 1)
PEOPLE = [f"LP{i:04d}" for i in range(40)]


def load(db, tmp_path, n: int = 400) -> None:  # type: ignore[no-untyped-def]
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(PEOPLE))], "人员编号": PEOPLE})
    import_persons(db, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    policies, loans = life_book(n, seed=11, as_of=AS_OF, products=PRODUCTS)
    import_policies(db, write_policies_file(policies, loans, PEOPLE, tmp_path / "policies.csv"))


def book(db) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return read_book(connection, sa.true())[0].drop("_id")


def events(db, run_id: int | None = None) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    where = PolicyEvent.run_id == run_id if run_id is not None else sa.true()
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.select(LifePolicy.policy_no, PolicyEvent.day, PolicyEvent.event, PolicyEvent.status_from,
                      PolicyEvent.status_to, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)
            .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id).where(where).order_by(PolicyEvent.id)
        ).all()  # fmt: skip
    names = ["policy_id", "day", "event", "status_from", "status_to", "debit", "credit", "amount"]
    return pl.DataFrame(rows, schema=dict(zip(names, [pl.String, pl.Date, *[pl.String] * 5, pl.Int64], strict=True)),
                        orient="row")  # fmt: skip


def count(db, table) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def payments_of(path) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    frame = read_table(path)
    return frame.select(
        policy_id=pl.col("保单号"), due=pl.col("应交日").cast(pl.String).str.to_date(),
        amount=(pl.col("交费金额").str.replace(r"\.", "").cast(pl.Int64)), paid_on=pl.col("交费日期").cast(pl.String).str.to_date(),
    ).cast(PAYMENT_SCHEMA)  # type: ignore[arg-type]  # fmt: skip


def test_a_collection_puts_the_payers_back_in_force_once(database, tmp_path):
    load(database, tmp_path)
    last = AS_OF + dt.timedelta(days=20)
    run_servicing_days(database, AS_OF, last)
    path, rows = write_stored_collection_file(
        database, tmp_path / "collected.csv", AS_OF, last, unpaid_share=0
    )
    before = book(database)
    paying = before.filter(pl.col("policy_id").is_in(read_table(path)["保单号"].implode()))
    assert rows == paying.height > 5 and set(paying["status"]) == {"grace"}
    events_before = count(database, PolicyEvent)
    summary = collect_premiums(database, path, day=last)
    assert (summary.rows, summary.applied, summary.refused, summary.status_changes) == (rows, rows, 0, rows)
    assert summary.amount_fen == int(paying["premium"].sum()) and summary.run_id is not None
    after = book(database)
    expected, expected_events = collect(before, payments_of(path), PRODUCTS, last)
    assert after.sort("policy_id").equals(expected.sort("policy_id"))
    paid = after.filter(pl.col("policy_id").is_in(paying["policy_id"].implode())).sort("policy_id")
    assert set(paid["status"]) == {"in_force"} and paid["due_on"].null_count() == rows
    assert (paid["premiums_paid"] == paying.sort("policy_id")["premiums_paid"] + 1).all()
    assert set(paid["status_since"]) == {last}
    stored = events(database, summary.run_id)
    assert stored.sort("policy_id").equals(expected_events.sort("policy_id"))
    assert stored.select("event", "status_from", "status_to", "debit", "credit").unique().rows() == [
        ("premium_paid", "grace", "in_force", "cash", "premium_income")
    ]
    assert dict(zip(stored["policy_id"], stored["amount"], strict=True)) == dict(
        zip(paying["policy_id"], paying["premium"], strict=True)
    )
    with database.engine.connect() as connection:
        history = connection.execute(
            sa.select(PolicyStatusChange.status_from, PolicyStatusChange.status_to, PolicyStatusChange.event,
                      PolicyStatusChange.day).where(PolicyStatusChange.run_id == summary.run_id)
        ).all()  # fmt: skip
    assert sorted(set(history)) == [("grace", "in_force", "premium_paid", last)] and len(history) == rows
    # the same file again changes nothing; the same payments in another file are already paid
    state = (count(database, PolicyEvent), count(database, PolicyStatusChange))
    again = collect_premiums(database, path, day=last)
    assert again.already_imported and again.import_id == summary.import_id and again.applied == 0
    other = write(read_table(path), tmp_path / "collected.parquet")
    moved = collect_premiums(database, other, day=last)
    assert (moved.applied, moved.refused) == (0, rows)
    assert {p.reason_en for p in moved.problems} == {"this premium is already paid"}
    assert (count(database, PolicyEvent), count(database, PolicyStatusChange)) == state
    assert state[0] == events_before + rows and book(database).equals(after)


def test_bad_rows_are_reported_by_row_and_column_and_good_rows_applied(database, tmp_path):
    load(database, tmp_path, n=200)
    day = AS_OF + dt.timedelta(days=30)
    run_servicing_days(database, AS_OF, day)
    policies = book(database)
    grace = (
        policies.filter(pl.col("status") == "grace", pl.col("due_on") >= AS_OF)
        .sort("policy_id")
        .rows(named=True)
    )
    suspended = policies.filter(pl.col("status") == "suspended").row(0, named=True)
    assert len(grace) >= 5

    def row(p, due=None, amount=None, paid_on=None):  # type: ignore[no-untyped-def]
        fen = p["premium"] if amount is None else amount
        return {"保单号": p["policy_id"], "应交日": str(due or p["due_on"]), "交费金额": f"{fen // 100}.{fen % 100:02d}",
                "交费日期": str(paid_on or day), "渠道": "银行代扣"}  # fmt: skip

    rows = [
        row(grace[0]),  # row 2: good
        row(grace[1]) | {"保单号": "NO-SUCH"},  # 3
        row(grace[1], amount=grace[1]["premium"] + 1),  # 4
        row(grace[2], due=grace[2]["due_on"] + dt.timedelta(days=1)),  # 5
        row(grace[3], paid_on=day + dt.timedelta(days=1)),  # 6
        row(suspended),  # 7
        row(grace[4]) | {"应交日": "2026-13-01"},  # 8
        row(grace[4]) | {"交费金额": "12.345"},  # 9
        row(grace[0]),  # 10: the same premium twice
        row(grace[4]),  # 11: good
    ]
    path = write(pl.DataFrame(rows), tmp_path / "bank.csv")
    summary = collect_premiums(database, path, day=day)
    assert (summary.rows, summary.applied, summary.refused) == (10, 2, 8)
    assert summary.amount_fen == grace[0]["premium"] + grace[4]["premium"]
    found = {(p.row, p.column, p.value) for p in summary.problems}
    wrong = grace[1]["premium"] + 1
    assert found == {
        (3, "保单号", "NO-SUCH"),
        (4, "交费金额", f"{wrong // 100}.{wrong % 100:02d}（应为 {grace[1]['premium'] // 100}.{grace[1]['premium'] % 100:02d}）"),
        (5, "应交日", f"{grace[2]['due_on'] + dt.timedelta(days=1)}（应为 {grace[2]['due_on']}）"),
        (6, "交费日期", str(day + dt.timedelta(days=1))),
        (7, "保单号", suspended["policy_id"]),
        (8, "应交日", "2026-13-01"),
        (9, "交费金额", "12.345"),
        (10, "应交日", str(grace[0]["due_on"])),
    }, found  # fmt: skip
    reasons = {p.row: (p.reason_zh, p.reason_en) for p in summary.problems}
    assert (
        reasons[7][1].startswith("the policy cannot pay")
        and reasons[10][0] == "同一保单同一期保费在文件中重复"
    )
    assert [(p.row, p.column) for p in import_problems(database, summary.import_id)] == sorted(
        (r, c) for r, c, _ in found
    )
    after = book(database).filter(pl.col("policy_id").is_in([grace[i]["policy_id"] for i in range(5)]))
    status = dict(zip(after["policy_id"], after["status"], strict=True))
    assert [status[grace[i]["policy_id"]] for i in range(5)] == [
        "in_force",
        "grace",
        "grace",
        "grace",
        "in_force",
    ]
    assert summary.error() is not None and summary.error().total == 8
    # a file without a required column is refused whole
    with pytest.raises(InvalidInput, match="交费金额") as error:
        collect_premiums(
            database, write(pl.DataFrame(rows).drop("交费金额"), tmp_path / "short.csv"), day=day
        )
    assert import_problems(database, error.value.import_id)[0].reason_en.endswith(
        "required columns missing: amount"
    )
    assert (
        book(database)
        .filter(pl.col("policy_id").is_in(after["policy_id"].implode()))
        .sort("policy_id")
        .equals(after.sort("policy_id"))
    )


def test_collected_every_day_payers_stay_in_force_and_non_payers_are_suspended(database, tmp_path):
    load(database, tmp_path)
    start = book(database)
    days = [AS_OF + dt.timedelta(days=n) for n in range(0, 96, 5)]
    previous = AS_OF - dt.timedelta(days=1)
    payers: set[str] = set()
    for day in days:
        run_servicing_day(database, day)
        path, _ = write_stored_collection_file(
            database, tmp_path / f"bank-{day}.csv", previous + dt.timedelta(days=1), day, unpaid_share=0.25, seed=5
        )  # fmt: skip
        payers |= set(read_table(path)["保单号"].to_list())
        summary = collect_premiums(database, path, day=day)
        assert summary.refused == 0, summary.problems
        previous = day
    end = book(database)
    assert len(payers) > 10
    assert set(end.filter(pl.col("policy_id").is_in(list(payers)))["status"]) == {"in_force"}
    # the non-payers: premiums falling due in the first 25 days, no automatic premium loan, not paid
    due_early = start.filter(
        pl.col("status") == "in_force", ~pl.col("apl"), ~pl.col("policy_id").is_in(list(payers))
    ).join(end.filter(pl.col("due_on").is_between(AS_OF, AS_OF + dt.timedelta(days=25))), on="policy_id")
    assert due_early.height > 0
    assert set(due_early["status_right"]) == {"suspended"}


def test_cli_writes_a_file_for_the_stored_book_and_collects_it(database, tmp_path):
    load(database, tmp_path, n=120)
    runner = CliRunner()
    assert (
        runner.invoke(root, ["servicing", "run", "--day", "2026-01-01", "--to", "2026-01-31"]).exit_code == 0
    )
    out = tmp_path / "bank.xlsx"
    made = runner.invoke(root, ["premiums", "synth", "--out", str(out), "--from", "2026-01-01", "--to", "2026-01-31",
                                "--unpaid-share", "0", "--seed", "3"])  # fmt: skip
    assert made.exit_code == 0, made.output
    rows = read_table(out).height
    assert rows > 0 and str(rows) in made.output
    done = runner.invoke(root, ["premiums", "collect", str(out), "--day", "2026-01-31"])
    assert done.exit_code == 0, done.output
    assert "收费入账" in done.output and f"{rows}" in done.output
    bad = runner.invoke(root, ["premiums", "collect", str(out), "--day", "2026-02-30"])
    assert bad.exit_code != 0 and "日期" in bad.output


def test_a_collection_killed_between_chunks_run_again_applies_the_rest(database, tmp_path, monkeypatch):
    load(database, tmp_path)
    last = AS_OF + dt.timedelta(days=40)
    run_servicing_days(database, AS_OF, last)
    path, rows = write_stored_collection_file(
        database, tmp_path / "collected.csv", AS_OF, last, unpaid_share=0
    )
    before = book(database)
    real, calls = premium_collection._chunk, []

    def dies_on_the_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(premium_collection, "_chunk", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        collect_premiums(database, path, day=last, chunk_policies=7)
    monkeypatch.setattr(premium_collection, "_chunk", real)
    resumed = collect_premiums(database, path, day=last, chunk_policies=7)
    assert not resumed.already_imported and resumed.refused == 7 and resumed.applied == rows - 7
    assert {p.reason_en for p in resumed.problems} == {"this premium is already paid"}
    expected, expected_events = collect(before, payments_of(path), PRODUCTS, last)
    assert book(database).sort("policy_id").equals(expected.sort("policy_id"))
    stored = events(database).filter(pl.col("event") == "premium_paid")
    assert stored.sort("policy_id").equals(expected_events.sort("policy_id"))
    with database.engine.connect() as connection:
        runs = connection.execute(
            sa.text("SELECT status FROM adjudication_runs WHERE mode = 'collection' ORDER BY id")
        ).scalars().all()  # fmt: skip
    assert runs == ["interrupted", "completed"]
