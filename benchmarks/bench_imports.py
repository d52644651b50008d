"""Anxin's imports beside a raw bulk load of the same rows, in one run.

``anxin import persons`` and ``anxin import settlements`` validate every cell, derive sex and birth
date, encrypt and hash each ID number, look up existing keys and write in bulk. The baseline loads
exactly the rows Anxin stored (read back from the database) into a fresh database with the same
bulk path (``COPY`` on PostgreSQL, one-transaction ``executemany`` on SQLite) and nothing else.
Target: Anxin at ≥ 50 % of the raw rate.

Usage::

    .venv/bin/python benchmarks/bench_imports.py --persons 200000                  # SQLite
    .venv/bin/python benchmarks/bench_imports.py --persons 10000000 --settlements-per-person 0.5
    .venv/bin/python benchmarks/bench_imports.py --persons 200000 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres                    # PostgreSQL
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.services.imports import import_persons, import_settlements
from anxin.store.bulk import bulk_insert
from anxin.store.config import load_settings
from anxin.store.database import make_engine, open_database
from anxin.store.schema import Enrollment, Person, Settlement, VulnerableStatus
from anxin.synth import write_province_chunked

KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


class Scratch:
    """A fresh database of the chosen kind, dropped afterwards."""

    def __init__(self, folder: Path, postgres: str | None) -> None:
        self.admin = (
            make_engine(postgres).execution_options(isolation_level="AUTOCOMMIT") if postgres else None
        )
        self.folder = folder
        self.names: list[str] = []

    def open(self):  # type: ignore[no-untyped-def]
        name = f"anxin_bench_{uuid.uuid4().hex[:8]}"
        if self.admin is None:
            url = f"sqlite:///{self.folder / name / 'anxin.db'}"
        else:
            with self.admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = self.admin.url.set(database=name).render_as_string(hide_password=False)
            self.names.append(name)
        env = {"ANXIN_DATABASE_URL": url, "ANXIN_DATA_DIR": str(self.folder), "ANXIN_SECRET_KEY": KEY}
        return open_database(load_settings(env))

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as c:
                for name in self.names:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _stored(db, model, leave_out: tuple[str, ...]) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    columns = [c for c in model.__table__.c if c.name not in leave_out]
    with db.engine.connect() as c:
        return pl.read_database(sa.select(*columns), c, infer_schema_length=None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--settlements-per-person", type=float, default=5.0, help="0.5 gives 5 M settlements for 10 M persons"
    )
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server; default: SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_province_chunked(
            folder / "province",
            persons=args.persons,
            seed=args.seed,
            year=2023,
            settlements_per_person=args.settlements_per_person,
        )
        scratch = Scratch(folder, args.postgres)
        try:
            db = scratch.open()
            start = time.perf_counter()
            persons = import_persons(db, paths["persons"], program_code="taian-ci", year=2023)
            anxin_persons = time.perf_counter() - start
            start = time.perf_counter()
            settlements = import_settlements(db, paths["settlements"])
            anxin_settlements = time.perf_counter() - start
            start = time.perf_counter()
            import_settlements(db, paths["settlements"])
            again = time.perf_counter() - start
            people = _stored(db, Person, ("id",))
            enrolments = _stored(db, Enrollment, ("id", "person_id"))
            statuses = _stored(db, VulnerableStatus, ("id", "person_id"))
            claims = _stored(db, Settlement, ("id", "person_id", "import_id"))
            db.dispose()

            raw = scratch.open()
            enrolments = enrolments.with_columns(
                person_id=pl.int_range(1, enrolments.height + 1, dtype=pl.Int64)
            )
            statuses = statuses.with_columns(person_id=pl.int_range(1, statuses.height + 1, dtype=pl.Int64))
            claims = claims.with_columns(
                person_id=pl.int_range(0, claims.height, dtype=pl.Int64) % people.height + 1
            )
            with raw.engine.connect() as c:
                start = time.perf_counter()
                with c.begin():
                    for model, frame in (
                        (Person, people),
                        (Enrollment, enrolments),
                        (VulnerableStatus, statuses),
                    ):
                        bulk_insert(c, model.__table__, frame)
                raw_persons = time.perf_counter() - start
                start = time.perf_counter()
                with c.begin():
                    bulk_insert(c, Settlement.__table__, claims)
                raw_settlements = time.perf_counter() - start
            raw.dispose()
        finally:
            scratch.drop()
    kind = "postgresql" if args.postgres else "sqlite"
    print(
        f"{kind}: {persons.rows:,} persons ({sum(persons.counts.values()):,} rows written), "
        f"{settlements.rows:,} settlements"
    )
    for label, rows, anxin, baseline in (
        ("persons + enrolment", persons.rows, anxin_persons, raw_persons),
        ("settlements", settlements.rows, anxin_settlements, raw_settlements),
    ):
        print(
            f"  {label:20s} anxin {anxin:6.2f} s {rows / anxin:>9,.0f} rows/s | raw {baseline:6.2f} s "
            f"{rows / baseline:>9,.0f} rows/s | anxin at {baseline / anxin:4.0%} of raw (target ≥ 50 %)"
        )
    print(f"  the same settlements file again: {again:.2f} s (nothing written)")


if __name__ == "__main__":
    main()
