"""Life-policy servicing (保全) on SQLite and PostgreSQL: a synthetic book imported from its policies
file and run day by day on the database ends in exactly the state, loans and events of the engine run
in memory on the same book; a day run again writes nothing; a run killed between chunks and resumed
equals one uninterrupted; the postings balance and move ``policy_loans`` exactly as the loans'
principals; the import is idempotent and all or nothing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import Conflict, InvalidRows
from anxin.domain.life.requests import Channel, RequestKind
from anxin.engine.servicing import run_day
from anxin.services import servicing_run
from anxin.services.imports import import_beneficiaries, import_persons, import_policies
from anxin.services.servicing_requests import submit_request
from anxin.services.servicing_run import read_book, run_servicing_day, run_servicing_days
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.store.schema import (
    LifePolicy,
    PolicyBeneficiary,
    PolicyEvent,
    PolicyLoan,
    PolicyStatusChange,
    ServicingDay,
)
from anxin.synth.life import life_book, write_policies_file

from .care_support import RESIDENT, YEAR, certno
from .group_claims_support import write

PRODUCTS = list(shipped_products().values())
CAMPAIGNS = list(shipped_campaigns().values())
AS_OF = dt.date(2026, 1, 1)
#: Consecutive days, then jumps far enough for grace, APL cover, suspension and loan terms to end.
DAYS = [AS_OF + dt.timedelta(days=n) for n in (0, 1, 2, 45, 75, 200, 400, 800)]
PEOPLE = [f"LP{i:04d}" for i in range(40)]


def book(n: int = 400) -> tuple[pl.DataFrame, pl.DataFrame]:
    return life_book(n, seed=11, as_of=AS_OF, products=PRODUCTS)


def load(db, tmp_path, n: int = 400, suffix: str = ".csv"):  # type: ignore[no-untyped-def]
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(PEOPLE))], "人员编号": PEOPLE})
    import_persons(db, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    policies, loans = book(n)
    return import_policies(db, write_policies_file(policies, loans, PEOPLE, tmp_path / f"policies{suffix}"))


def in_memory(days: list[dt.date], n: int = 400) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    policies, loans = book(n)
    events = []
    for day in days:
        policies, loans, day_events = run_day(policies, loans, PRODUCTS, CAMPAIGNS, day)
        events.append(day_events)
    return policies, loans, pl.concat(events)


def stored(db) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        policies, loans = read_book(connection, sa.true())
        rows = connection.execute(
            sa.select(LifePolicy.policy_no, PolicyEvent.day, PolicyEvent.event, PolicyEvent.status_from,
                      PolicyEvent.status_to, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)
            .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id).order_by(PolicyEvent.id)
        ).all()  # fmt: skip
    schema = dict(zip(["policy_id", "day", "event", "status_from", "status_to", "debit", "credit", "amount"],
                      [pl.String, pl.Date, *[pl.String] * 5, pl.Int64], strict=True))  # fmt: skip
    return policies.drop("_id"), loans, pl.DataFrame(rows, schema=schema, orient="row")


def same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    # The stored last_run_day is the last day the run changed a policy (how far each day got is in
    # servicing_days), and a loan's interest is stored when the account changes; the engine in memory
    # stamps every policy it ran and brings every loan's interest to the day.
    a, b = (f.drop("last_run_day", "interest", strict=False) for f in (a, b))
    return a.sort(a.columns, nulls_last=True).equals(b.sort(b.columns, nulls_last=True))


def counts(db) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return tuple(
            connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (LifePolicy, PolicyLoan, PolicyEvent, PolicyStatusChange)
        )


def test_stored_run_equals_the_engine_in_memory(database, tmp_path):
    summary = load(database, tmp_path)
    assert (summary.inserted, summary.counts["policy_status_changes"]) == (400, 400)
    assert summary.counts["policy_loans"] > 10
    runs = [run_servicing_day(database, day, chunk_policies=97) for day in DAYS]
    policies, loans, events = stored(database)
    expected = in_memory(DAYS)
    assert same(policies, expected[0]) and same(loans, expected[1]) and same(events, expected[2])
    assert sum(r.events for r in runs) == events.height > 50
    statuses = set(policies["status"].to_list())
    assert {"grace", "suspended", "terminated"} <= statuses, statuses
    with database.engine.connect() as connection:
        history = connection.execute(
            sa.select(PolicyStatusChange.event, PolicyStatusChange.status_to).where(PolicyStatusChange.run_id.is_not(None))
        ).all()  # fmt: skip
    changes = events.filter(
        pl.col("status_to").ne_missing(pl.col("status_from")) & pl.col("status_to").is_not_null()
    )
    assert (
        len(history) == changes.unique(["policy_id", "day"]).height == sum(r.status_changes for r in runs) > 0
    )
    # a day run again writes nothing
    before = counts(database)
    again = run_servicing_day(database, DAYS[-1])
    assert (again.policies, again.changed, again.events) == (0, 0, 0) and counts(database) == before
    assert same(stored(database)[0], policies)
    # only the policies a day changed were written: the others keep the day they were imported as of
    changed = set(events["policy_id"].to_list())
    untouched = policies.filter(~pl.col("policy_id").is_in(changed))
    assert untouched.height > 0 and set(untouched["last_run_day"].to_list()) == {AS_OF - dt.timedelta(days=1)}
    with database.engine.connect() as connection:
        progress = connection.execute(
            sa.select(ServicingDay.day, ServicingDay.finished).order_by(ServicingDay.day)
        ).all()  # fmt: skip
    assert progress == [(day, True) for day in DAYS]


def test_days_run_in_order(database, tmp_path, monkeypatch):
    load(database, tmp_path, n=50)
    real = servicing_run._chunk

    def dies(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(servicing_run, "_chunk", dies)
    with pytest.raises(KeyboardInterrupt):
        run_servicing_day(database, DAYS[0])
    monkeypatch.setattr(servicing_run, "_chunk", real)
    with pytest.raises(Conflict) as refused:
        run_servicing_day(database, DAYS[1])
    assert refused.value.code == "earlier_day_unfinished" and str(DAYS[0]) in refused.value.zh
    run_servicing_day(database, DAYS[0])
    run_servicing_day(database, DAYS[1])
    # an earlier day, run again once a later one has run, has nothing left to do
    assert run_servicing_day(database, DAYS[0]).policies == 0


def test_postings_balance_and_move_policy_loans_as_the_principals(database, tmp_path):
    load(database, tmp_path)
    _, loans_before, _ = stored(database)
    run_servicing_days(database, AS_OF, AS_OF + dt.timedelta(days=2))
    for day in DAYS[3:]:
        run_servicing_day(database, day)
    _, loans_after, events = stored(database)
    postings = events.filter(pl.col("debit").is_not_null())
    assert postings["credit"].is_not_null().all() and (postings["amount"] > 0).all()
    debits = postings.group_by(account="debit").agg(pl.col("amount").sum())
    credits = postings.group_by(account="credit").agg(-pl.col("amount").sum())
    balance = pl.concat([debits, credits]).group_by("account").agg(pl.col("amount").sum())
    assert balance["amount"].sum() == 0
    loans_moved = balance.filter(pl.col("account") == "policy_loans")["amount"].sum()
    assert loans_moved == loans_after["principal"].sum() - loans_before["principal"].sum() != 0


def test_a_run_killed_between_chunks_resumes_to_the_same_state(database, tmp_path, monkeypatch):
    load(database, tmp_path)
    run_servicing_day(database, DAYS[0])
    real, calls = servicing_run._chunk, []

    def dies_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(servicing_run, "_chunk", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        run_servicing_day(database, DAYS[5], chunk_policies=60)
    monkeypatch.setattr(servicing_run, "_chunk", real)
    resumed = run_servicing_day(database, DAYS[5], chunk_policies=60)
    assert 0 < resumed.policies < 400
    for day in DAYS[6:]:
        run_servicing_day(database, day)
    policies, loans, events = stored(database)
    expected = in_memory([DAYS[0], *DAYS[5:]])
    assert same(policies, expected[0]) and same(loans, expected[1]) and same(events, expected[2])
    with database.engine.connect() as connection:
        runs = connection.execute(sa.text("SELECT status FROM adjudication_runs ORDER BY id")).scalars().all()
    assert runs[:3] == ["completed", "interrupted", "completed"]


def test_the_import_is_idempotent_and_all_or_nothing(database, tmp_path):
    first = load(database, tmp_path, n=50)
    assert first.inserted == 50
    policies, loans = book(50)
    again = import_policies(
        database, write_policies_file(policies, loans, PEOPLE, tmp_path / "again.parquet")
    )
    assert (again.inserted, again.unchanged) == (0, 50)
    run_servicing_day(database, DAYS[4])  # the state moves on; the same contracts are still unchanged
    xlsx = import_policies(database, write_policies_file(policies, loans, PEOPLE, tmp_path / "again.xlsx"))
    assert (xlsx.inserted, xlsx.unchanged) == (0, 50)
    before = counts(database)
    changed = policies.with_columns(
        policy_id=pl.when(pl.int_range(pl.len()) < 3).then(pl.col("policy_id")).otherwise(pl.col("policy_id") + "N"),
        sum_insured=pl.when(pl.int_range(pl.len()) == 1).then(pl.col("sum_insured") + 100).otherwise(pl.col("sum_insured")),
        product=pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("no-such-product")).otherwise(pl.col("product")),
    )  # fmt: skip
    bad = write_policies_file(changed, loans, [*PEOPLE[:-1], "NOBODY"], tmp_path / "bad.csv")
    with pytest.raises(InvalidRows) as error:
        import_policies(database, bad)
    found = {(p.row, p.column, p.value) for p in error.value.problems}
    assert {(3, "保单号", "L000000001"), (9, "产品代码", "no-such-product")} <= found, found
    assert error.value.total == 4  # and the policies of the unknown person (masked if an ID number)
    assert counts(database) == before


def test_cli_imports_and_runs(database, tmp_path):
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(PEOPLE))], "人员编号": PEOPLE})
    import_persons(database, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    policies, loans = book(80)
    path = write_policies_file(policies, loans, PEOPLE, tmp_path / "policies.csv")
    runner = CliRunner()
    imported = runner.invoke(root, ["import", "policies", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "80" in imported.output
    ran = runner.invoke(root, ["servicing", "run", "--day", "2026-01-01", "--to", "2026-01-03"])
    assert ran.exit_code == 0, ran.output
    assert "2026-01-03" in ran.output and "保全日批" in ran.output
    bad = runner.invoke(root, ["servicing", "run", "--day", "2026-13-01"])
    assert bad.exit_code != 0 and "日期" in bad.output


def test_an_unknown_policyholder_is_named_by_a_masked_id_number(database, tmp_path):
    load(database, tmp_path, n=5)
    unknown = certno(99)
    frame = pl.DataFrame({"保单号": ["X1"], "产品代码": [PRODUCTS[0].code], "投保人证件号码": [unknown],
                          "行政区划": ["410102"], "基本保险金额": ["100000.00"], "生效日期": ["2025-03-01"]})  # fmt: skip
    with pytest.raises(InvalidRows) as error:
        import_policies(database, write(frame, tmp_path / "unknown.csv"))
    (problem,) = error.value.problems
    assert problem.column == "投保人证件号码" and problem.value != unknown and unknown not in str(error.value)
    assert problem.value[:4] == unknown[:4]
    ok = frame.with_columns(投保人证件号码=pl.lit(certno(1)))
    assert import_policies(database, write(ok, tmp_path / "known.csv")).inserted == 1
    with database.engine.connect() as connection:
        row = connection.execute(
            sa.select(LifePolicy.status, LifePolicy.premiums_paid, LifePolicy.premium_fen, LifePolicy.insured_id,
                      LifePolicy.policyholder_id).where(LifePolicy.policy_no == "X1")
        ).one()  # fmt: skip
    assert row[:3] == ("in_force", 1, PRODUCTS[0].modal_premium(10_000_000)) and row[3] == row[4]


def test_the_events_and_the_status_history_are_append_only(database, tmp_path):
    load(database, tmp_path, n=60)
    run_servicing_day(database, DAYS[5])
    for table in ("policy_events", "policy_status_changes"):
        for statement in (f"UPDATE {table} SET day = day", f"DELETE FROM {table}"):
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                database.engine.begin() as connection,
            ):
                connection.execute(sa.text(statement))


def test_beneficiaries_are_imported_whole_per_policy(database, tmp_path):
    load(database, tmp_path, n=5)
    rows = {"保单号": ["L000000000", "L000000000", "L000000001", "L000000001"], "受益顺序": ["1", "1", "1", "2"],
            "受益人编号": ["LP0001", None, None, "LP0002"], "受益人证件号码": [None, certno(3), None, None],
            "受益人姓名": [None, None, "王小明", None], "受益比例": ["60%", "40", "100%", "100"]}  # fmt: skip
    frame = pl.DataFrame(rows)
    summary = import_beneficiaries(database, write(frame, tmp_path / "b.csv"))
    assert (summary.inserted, summary.unchanged) == (4, 0)
    assert import_beneficiaries(database, write(frame, tmp_path / "b.parquet")).inserted == 0
    with database.engine.connect() as connection:
        stored = connection.execute(
            sa.select(PolicyBeneficiary.order_no, PolicyBeneficiary.name, PolicyBeneficiary.share_bp)
            .order_by(PolicyBeneficiary.id)
        ).all()  # fmt: skip
    assert [tuple(r) for r in stored] == [(1, "", 6000), (1, "", 4000), (1, "王小明", 10000), (2, "", 10000)]
    other = frame.with_columns(受益比例=pl.Series(["50%", "50%", "100%", "100%"]))
    bad = pl.concat([other, pl.DataFrame({"保单号": ["L000000002", "NO-SUCH"], "受益顺序": ["1", "1"],
                    "受益人编号": ["LP0003", "LP0003"], "受益人证件号码": [None, None], "受益人姓名": [None, None],
                    "受益比例": ["90%", "100%"]})])  # fmt: skip
    with pytest.raises(InvalidRows) as error:
        import_beneficiaries(database, write(bad, tmp_path / "bad.csv"))
    found = {(p.row, p.column, p.value) for p in error.value.problems}
    assert {(2, "保单号", "L000000000"), (6, "受益比例", "90.00%"), (7, "保单号", "NO-SUCH")} <= found, found
    with database.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(PolicyBeneficiary)).scalar_one() == 4


def test_a_request_committed_while_the_day_runs_is_never_overwritten(database, tmp_path, monkeypatch):
    """The run reads a chunk without locks; a premium paid meanwhile on a policy the day changes is
    kept, and the day is run again on the paid policy (as if the payment came first)."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing can commit between the run's phases")
    load(database, tmp_path)
    real, paid = servicing_run._touched, {}

    def a_premium_arrives(connection, where, products, campaigns, day):  # type: ignore[no-untyped-def]
        touched = real(connection, where, products, campaigns, day)
        with database.engine.connect() as other:
            in_grace = other.execute(
                sa.select(LifePolicy.policy_no).where(LifePolicy.id.in_(touched), LifePolicy.status == "grace")
                .order_by(LifePolicy.id)
            ).scalars().all()  # fmt: skip
        for policy_no in in_grace[: 0 if paid else 1]:
            submit_request(database, policy_no, RequestKind.PREMIUM_PAYMENT, channel=Channel.COUNTER, day=day,
                           actor="cashier")  # fmt: skip
            with database.engine.connect() as other:
                after_payment, loans = read_book(other, LifePolicy.policy_no == policy_no)
            paid[policy_no] = run_day(after_payment.drop("_id"), loans, PRODUCTS, CAMPAIGNS, day)[0]
        return touched

    monkeypatch.setattr(servicing_run, "_touched", a_premium_arrives)
    for day in DAYS:
        run_servicing_day(database, day, chunk_policies=97)
        if paid:
            break
    assert paid, "no policy in grace was changed by the days run"
    [(policy_no, expected)] = paid.items()
    policies, _, events = stored(database)
    mine = policies.filter(pl.col("policy_id") == policy_no)
    assert same(mine, expected)  # the payment's state, then the day's rules on it
    assert events.filter((pl.col("policy_id") == policy_no) & (pl.col("event") == "premium_paid")).height == 1
