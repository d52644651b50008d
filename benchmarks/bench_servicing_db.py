"""Benchmark of the daily servicing run (保全日批) on the database, beside the in-memory engine.

Run from the repository root::

    .venv/bin/python benchmarks/bench_servicing_db.py --policies 1000000 --days 3 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres [--json out.json]

Without ``--postgres`` it runs on a scratch SQLite file. Setup (timed separately, not part of the
comparison): a scratch database (created, then dropped); a synthetic province's residents
(:func:`anxin.synth.write_province_chunked`, no settlements) imported with the real importer
(:func:`anxin.services.imports.import_persons`); a book of ``--policies`` policies
(:func:`anxin.synth.life.life_book` as of the first day: the two shipped products, loans on about 8 %)
written as the office's policies file, its policyholders drawn from the residents, and imported with
the real importer (:func:`anxin.services.imports.import_policies`), loans included. The stored book is
then read once into the engine's frames (:func:`anxin.services.policy_book.read_book`, untimed).

Timed, in one process, for ``--days`` consecutive days:

* ``db``      :func:`anxin.services.servicing_run.run_servicing_day` on the stored book: the whole
              run (chunks read and locked, the engine, policy and loan writes, events and status
              changes, callback tasks, the run record);
* ``engine``  :func:`anxin.engine.servicing.run_day` alone on the frames read before the DB run
              (each day's output is the next day's input).

It prints per day the seconds, policies per second, event rows, status changes and the ratio
DB ÷ engine, then checks that the stored policies, loans and events after the days equal the
engine's (compared as frames, and the per-day counts) and exits with status 1 if not. It reports
where the DB run's wall time went by SQL statement (the rest is Python and ``COPY``), the policies per
second of each side (DB: the policies the day had to run; engine: the whole book), the peak resident
memory of the setup and of the timed days, and optionally writes JSON.
"""

from __future__ import annotations

# isort: off
import anxin  # noqa: F401  (first: it sets Polars' allocator up before Polars loads)
# isort: on

import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.engine.servicing import run_day
from anxin.services.imports import import_persons, import_policies
from anxin.services.policy_book import read_book
from anxin.services.servicing_run import run_servicing_day
from anxin.store.config import load_settings
from anxin.store.database import Database, make_engine, open_database
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.store.schema import LifePolicy, PolicyEvent
from anxin.synth import write_province_chunked
from anxin.synth.life import life_book, write_policies_file

KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
EVENT_COLUMNS = ("policy_id", "day", "event", "status_from", "status_to", "debit", "credit", "amount")


class Scratch:
    """A fresh database (PostgreSQL given an admin URL, else a SQLite file), dropped afterwards."""

    def __init__(self, folder: Path, postgres: str | None) -> None:
        self.admin = (
            make_engine(postgres).execution_options(isolation_level="AUTOCOMMIT") if postgres else None
        )
        self.folder = folder
        self.name = f"anxin_bench_{uuid.uuid4().hex[:8]}"
        self.created = False

    def open(self) -> Database:
        if self.admin is None:
            url = f"sqlite:///{self.folder / 'anxin.db'}"
        else:
            with self.admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
            self.created = True
            url = self.admin.url.set(database=self.name).render_as_string(hide_password=False)
        env = {"ANXIN_DATABASE_URL": url, "ANXIN_DATA_DIR": str(self.folder), "ANXIN_SECRET_KEY": KEY}
        return open_database(load_settings(env))

    def drop(self) -> None:
        if self.admin is not None:
            if self.created:
                with self.admin.connect() as c:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


class Statements:
    """Wall seconds spent in each kind of SQL statement (its first words) while attached: where the
    DB run's time goes besides Python. ``COPY`` bulk loads bypass the cursor hooks and are not seen."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.seconds, self.count = engine, dict[str, float](), dict[str, int]()

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, many) -> None:  # type: ignore[no-untyped-def]
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, many) -> None:  # type: ignore[no-untyped-def]
        key = re.sub(
            r"\s+", " ", re.sub(r"%\(\w+\)s(::TIMESTAMP WITH TIME ZONE|::\w+(\[\])?)?|\?", "?", statement)
        ).strip()[:60]
        self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - conn.info["bench_started"]
        self.count[key] = self.count.get(key, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, help="residents (default: a fifth of the policies, ≥ 1,000)")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument(
        "--day", type=dt.date.fromisoformat, default=dt.date(2021, 8, 1), help="the first day"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=20_000, help="policies per chunk of the DB run")
    parser.add_argument("--file-format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server; default: SQLite")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    persons = args.persons or max(args.policies // 5, 1_000)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Scratch(Path(tmp), args.postgres)
        try:
            db = scratch.open()
            try:
                figures = _bench(db, Path(tmp), args, persons)
            finally:
                db.engine.dispose()
        finally:
            scratch.drop()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    if not figures["agrees"]:
        sys.exit(1)


def _bench(db: Database, folder: Path, args: argparse.Namespace, persons: int) -> dict:  # type: ignore[type-arg]
    products = shipped_products()
    campaigns = list(shipped_campaigns().values())
    kind = db.engine.dialect.name
    setup: dict[str, float] = {}

    started = time.perf_counter()
    paths = write_province_chunked(
        folder / "province", persons=persons, seed=args.seed, settlements_per_person=0
    )
    residents = pl.read_parquet(paths["persons"], columns=["psn_no"])["psn_no"].to_list()
    setup["persons_synth"] = time.perf_counter() - started
    started = time.perf_counter()
    people = import_persons(db, paths["persons"], program_code="taian-ci", year=2023)
    setup["persons_import"] = time.perf_counter() - started
    print(f"{kind}: {people.rows:,} residents imported in {setup['persons_import']:.1f} s")

    started = time.perf_counter()
    book, loans = life_book(args.policies, seed=args.seed, as_of=args.day, products=list(products.values()))
    path = write_policies_file(
        book, loans, residents, folder / f"policies.{args.file_format}", seed=args.seed
    )
    setup["book_synth"] = time.perf_counter() - started
    del book, loans
    started = time.perf_counter()
    imported = import_policies(db, path)
    setup["policies_import"] = time.perf_counter() - started
    print(
        f"book: {imported.inserted:,} policies, {imported.counts.get('policy_loans', 0):,} loans, "
        f"imported in {setup['policies_import']:.1f} s (synthesized and written in {setup['book_synth']:.1f} s)"
    )
    started = time.perf_counter()
    with db.engine.connect() as connection:
        policies, loans = read_book(connection, sa.true())
    policies = policies.drop("_id")
    setup["read_book"] = time.perf_counter() - started
    setup_peak = _peak_kib() / 1024
    reset = _reset_peak()

    days: list[dict] = []  # type: ignore[type-arg]
    engine_events: list[pl.DataFrame] = []
    statements = Statements(db.engine)
    day = args.day
    for _ in range(args.days):
        started, cpu = time.perf_counter(), time.process_time()
        with statements:
            summary = run_servicing_day(
                db, day, products=products.values(), campaigns=campaigns, chunk_policies=args.chunk
            )
        db_seconds, db_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        policies, loans, events = run_day(policies, loans, products.values(), campaigns, day)
        engine_seconds, engine_cpu = time.perf_counter() - started, time.process_time() - cpu
        engine_events.append(events)
        moves = _status_changes(events)
        days.append(
            {
                "day": day,
                "policies_run": summary.policies,
                "db_seconds": db_seconds,
                "db_cpu_seconds": db_cpu,
                "db_policies_per_second": summary.policies / db_seconds,
                "engine_seconds": engine_seconds,
                "engine_cpu_seconds": engine_cpu,
                "engine_policies_per_second": policies.height / engine_seconds,
                "ratio": db_seconds / engine_seconds,
                "policies_changed": summary.changed,
                "db_events": summary.events,
                "engine_events": events.height,
                "db_status_changes": summary.status_changes,
                "engine_status_changes": moves,
                "amount_fen": summary.amount_fen,
                "engine_amount_fen": int(events["amount"].sum() or 0),
            }
        )
        print(
            f"{day}: DB {db_seconds:7.2f} s ({summary.policies / db_seconds:>9,.0f} policies/s, CPU {db_cpu:.2f} s) "
            f"| engine {engine_seconds:6.2f} s ({policies.height / engine_seconds:>11,.0f} policies/s) "
            f"| DB ÷ engine {db_seconds / engine_seconds:6.1f}× | {summary.events:,} events, "
            f"{summary.status_changes:,} status changes, {summary.changed:,} policies changed"
        )
        day += dt.timedelta(days=1)
    run_peak = _peak_kib() / 1024

    sql = sorted(statements.seconds.items(), key=lambda kv: -kv[1])
    print(
        f"SQL statements of the DB run: {sum(statements.seconds.values()):.2f} s of "
        f"{sum(d['db_seconds'] for d in days):.2f} s (COPY not counted); the longest:"
    )
    for text, seconds in sql[:6]:
        print(f"  {seconds:6.2f} s in {statements.count[text]:5,} × {text}")
    problems = _check(db, policies, loans, pl.concat(engine_events), days)
    for problem in problems:
        print(f"不一致 MISMATCH: {problem}")
    db_total = sum(d["db_seconds"] for d in days)
    engine_total = sum(d["engine_seconds"] for d in days)
    with db.engine.connect() as connection:
        server = (
            connection.execute(sa.text("SHOW server_version")).scalar_one()
            if kind == "postgresql"
            else sa.__version__
        )
    figures = {
        "database": kind,
        "server_version": server,
        "policies": policies.height,
        "loans_at_start": imported.counts.get("policy_loans", 0),
        "residents": people.rows,
        "days": days,
        "chunk_policies": args.chunk,
        "db_seconds": db_total,
        "engine_seconds": engine_total,
        "ratio": db_total / engine_total,
        "setup_seconds": setup,
        "sql_seconds": {text: [seconds, statements.count[text]] for text, seconds in sql},
        "peak_rss_mb_setup": round(setup_peak),
        "peak_rss_mb_days": round(run_peak),
        "peak_reset_before_days": reset,
        "agrees": not problems,
        "problems": problems,
        "load_average": os.getloadavg(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, polars {pl.__version__}, threads {pl.thread_pool_size()}",
    }
    print(
        f"{args.days} days: DB {db_total:.2f} s, engine {engine_total:.2f} s, DB ÷ engine {db_total / engine_total:.1f}×; "
        f"{'stored state equals the engine' if not problems else 'STORED STATE DIFFERS'}; peak RSS setup "
        f"{setup_peak:,.0f} MB, days {run_peak:,.0f} MB{'' if reset else ' (not reset after setup)'}; "
        f"load average {os.getloadavg()[0]:.1f}; {figures['machine']}; {kind} {server}"
    )
    return figures


def _status_changes(events: pl.DataFrame) -> int:
    """The status changes the engine's events make, counted as the DB run stores them."""
    moved = pl.col("status_to").is_not_null() & pl.col("status_to").ne_missing(pl.col("status_from"))
    return events.filter(moved).unique(["policy_id", "event", "status_from", "status_to"]).height


def _check(
    db: Database,
    policies: pl.DataFrame,
    loans: pl.DataFrame,
    events: pl.DataFrame,
    days: list[dict],  # type: ignore[type-arg]
) -> list[str]:
    """What differs between the stored book after the days and the engine's frames (none: [])."""
    with db.engine.connect() as connection:
        stored, stored_loans = read_book(connection, sa.true())
        rows = connection.execute(
            sa.select(LifePolicy.policy_no, PolicyEvent.day, PolicyEvent.event, PolicyEvent.status_from,
                      PolicyEvent.status_to, PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)
            .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id).where(PolicyEvent.run_id.is_not(None))
        ).all()  # fmt: skip
    stored_events = pl.DataFrame(
        rows, schema=dict(zip(EVENT_COLUMNS, events.schema.values(), strict=True)), orient="row"
    )
    problems = []
    # The database keeps each day's progress in servicing_days and writes only the policies a day
    # changes (their last_run_day) and the loan accounts it lends, capitalises or settles (accruing
    # interest follows from principal, start and rate): those two columns are not compared.
    for name, mine, theirs in (
        ("policies", stored.drop("_id", "last_run_day"), policies.drop("last_run_day")),
        ("loans", stored_loans.drop("interest"), loans.drop("interest")),
        ("events", stored_events, events.select(EVENT_COLUMNS)),
    ):
        if mine.schema != theirs.schema:
            problems.append(f"{name}: stored columns {mine.schema}, engine {theirs.schema}")
        elif not _same(mine, theirs):
            only = mine.join(theirs, on=mine.columns, how="anti", nulls_equal=True).height
            problems.append(
                f"{name}: stored {mine.height:,} rows, engine {theirs.height:,}; {only:,} stored rows not in the "
                f"engine's, {theirs.join(mine, on=mine.columns, how='anti', nulls_equal=True).height:,} the other way"
            )
    for d in days:
        for what in ("events", "status_changes"):
            if d[f"db_{what}"] != d[f"engine_{what}"]:
                problems.append(f"{d['day']} {what}: DB {d[f'db_{what}']:,}, engine {d[f'engine_{what}']:,}")
        if d["amount_fen"] != d["engine_amount_fen"]:
            problems.append(f"{d['day']} fen: DB {d['amount_fen']:,}, engine {d['engine_amount_fen']:,}")
    return problems


def _same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    if a.height != b.height:
        return False
    return a.sort(a.columns, nulls_last=True).equals(b.sort(b.columns, nulls_last=True))


def _peak_kib() -> int:
    """This process's peak resident set in KiB (``VmHWM`` on Linux, else ``ru_maxrss``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    """Reset ``VmHWM`` to the current resident set (Linux), so the days' peak is their own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main()
