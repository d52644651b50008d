"""Daily incremental adjudication against a province-sized database.

Builds (or reuses) a database holding a synthetic province whose settlements are all adjudicated
except one day's worth, then times, in the same run:

* ``incremental``  ``anxin adjudicate`` on the new settlements (``--new`` of them, default 50,000):
                   fetch, continue each person-year from its accumulator, write result lines;
* ``kernel``       the batch kernel alone on the same new settlements, already in memory (the floor:
                   what the computation costs without the database);
* ``recompute``    the same persons recomputed from all their stored settlements (``--full`` for
                   just those persons), the path a run takes for reversals and late arrivals.

Usage::

    .venv/bin/python benchmarks/bench_daily_adjudication.py --persons 200000 --new 50000
    ANXIN_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_daily_adjudication.py --persons 200000 --new 50000

Each run ends with a check that the incremental lines equal the kernel's payouts to the fen.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.engine.critical_illness import compute
from anxin.services import adjudication_data as data
from anxin.services.adjudication import _adjudicate_chunk, _start_run, adjudicate
from anxin.services.imports import import_persons, import_settlements
from anxin.store.config import load_settings
from anxin.store.database import make_engine, open_database
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, Settlement
from anxin.synth import as_kernel_input, write_province_chunked

KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


def _database(folder: Path, postgres: str | None):
    if postgres:
        admin = make_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
        name = f"anxin_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    else:
        url, admin, name = f"sqlite:///{folder / 'bench.db'}", None, None
    env = {"ANXIN_DATABASE_URL": url, "ANXIN_DATA_DIR": str(folder), "ANXIN_SECRET_KEY": KEY}
    return open_database(load_settings(env)), admin, name


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    program = resolve_program("taian-ci")
    postgres = os.environ.get("ANXIN_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_province_chunked(folder / "province", persons=args.persons, seed=args.seed, year=2023)
        settlements = pl.read_parquet(paths["settlements"]).sort("setl_time", "setl_id")
        old, new = settlements.head(settlements.height - args.new), settlements.tail(args.new)
        old.write_parquet(folder / "old.parquet")
        new.write_parquet(folder / "new.parquet")
        db, admin, name = _database(folder, postgres)
        print(
            f"database: {db.dialect}; {args.persons:,} persons, {settlements.height:,} settlements, "
            f"{args.new:,} new"
        )
        started = time.perf_counter()
        import_persons(db, paths["persons"], program_code=program.code, year=2023)
        for year in (2022, 2024):  # enrolled around the year too, so year-crossing stays are covered
            import_persons(db, paths["persons"], program_code=program.code, year=year)
        import_settlements(db, folder / "old.parquet")
        adjudicate(db, program)
        print(
            f"setup (imports and the first full adjudication, not timed): {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        import_settlements(db, folder / "new.parquet")
        print(f"importing the day's settlements: {time.perf_counter() - started:.2f} s")

        with db.engine.connect() as c:
            touched = sorted(
                set(
                    c.execute(
                        sa.select(Settlement.person_id).where(
                            Settlement.setl_id.in_(new["setl_id"].to_list())
                        )
                    ).scalars()
                )
            )
        kernel_input = as_kernel_input(new).to_arrow()

        run_id = _start_run(db, program.code, None, "incremental", "bench")

        def rolled_back(incremental: bool) -> float:
            """One chunk of the run's real work (fetch, compute, write), then rolled back."""
            start = time.perf_counter()
            with db.engine.connect() as c, c.begin() as transaction:
                persons = data.pending_person_ids(c, program.code) if incremental else touched
                _adjudicate_chunk(
                    c,
                    program,
                    persons,
                    run_id,
                    None,
                    None,
                    incremental=incremental,
                    every_pending=incremental,
                )
                transaction.rollback()
            return time.perf_counter() - start

        timings: dict[str, list[float]] = {"incremental": [], "kernel": [], "recompute": []}
        for _ in range(args.repeat):
            timings["incremental"].append(rolled_back(True))
            start = time.perf_counter()
            compute(kernel_input, program)
            timings["kernel"].append(time.perf_counter() - start)
            timings["recompute"].append(rolled_back(False))
        start = time.perf_counter()
        summary = adjudicate(db, program, chunk_persons=1_000_000)
        whole = time.perf_counter() - start
        print(
            f"the real run: {summary.payout_lines:,} lines for {summary.persons:,} persons "
            f"({summary.recomputed_persons:,} recomputed) in {whole:.2f} s"
        )
        best = {k: min(v) for k, v in timings.items()}
        for key, values in timings.items():
            print(f"  {key:12s} best {best[key]:.3f} s   median {statistics.median(values):.3f} s")
        print(f"ratio incremental / kernel alone: {best['incremental'] / best['kernel']:.1f}×")
        print(f"ratio recompute those persons / incremental: {best['recompute'] / best['incremental']:.1f}×")
        print(f"target: incremental ≤ 5 s → {'met' if max(best['incremental'], whole) <= 5 else 'MISSED'}")

        everything = pl.from_arrow(
            compute(
                as_kernel_input(settlements).to_arrow(),
                program,
            )
        )
        expected = everything.filter(pl.col("settlement_id").is_in(new["setl_id"].implode()))
        with db.engine.connect() as c:
            stored = dict(
                c.execute(
                    sa.select(Settlement.setl_id, sa.func.sum(Adjudication.amount_fen))
                    .join(Adjudication, Adjudication.settlement_id == Settlement.id)
                    .where(Settlement.setl_id.in_(new["setl_id"].to_list()))
                    .group_by(Settlement.setl_id)
                ).all()
            )
        mismatched = sum(
            stored.get(k) != v
            for k, v in zip(expected["settlement_id"], expected["payout_fen"], strict=False)
        )
        print(
            f"check against one batch computation of everything: {mismatched} mismatched of {expected.height:,}"
        )
        db.dispose()
        if admin is not None:
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
