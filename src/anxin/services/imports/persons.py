"""Importing insured persons and their enrolment in a program year from a file.

Each person's ID number is stored only as ``id_hash`` (keyed look-up hash), ``id_cipher``
(AES-GCM) and ``id_masked``; sex and birth date come from the number. The one loop per row in
Python is the hashing and encryption; everything else is vectorized or done in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput, InvalidRows
from anxin.domain.money import parse_yuan
from anxin.services.imports.batches import ImportSummary
from anxin.services.imports.enrolment_checks import check_enrolment
from anxin.services.imports.person_fields import funder_code
from anxin.services.imports.person_plan import Enrolment, PersonComparison, compare
from anxin.services.imports.person_rows import PersonFile, read_persons
from anxin.services.imports.runner import Progress, run_import
from anxin.store.bulk import CHUNK_ROWS, bulk_insert, fetch_frame, select_by_keys
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.protection import IdProtector
from anxin.store.schema import Enrollment, GroupMember, Household, Person, VulnerableStatus
from anxin.store.schema import Group as GroupRow

_TABLES = ("households", "groups", "persons", "enrollments", "vulnerable_statuses", "group_members")


def import_persons(
    db: Database,
    path: str | Path,
    *,
    program_code: str,
    year: int,
    funder: str = "government",
    premium: str | int | Decimal = 0,
    actor: str = "system",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a persons file and enrol everyone in it in ``program_code`` for ``year``.

    ``funder`` and ``premium`` (yuan) apply to rows whose file gives none. A shipped program's
    enrolment rules (ages, sex, units, the group rule) are checked first
    (:mod:`~anxin.services.imports.enrolment_checks`). All or nothing: any problem records a
    rejected batch with its problems and raises :class:`InvalidRows`.
    """
    path = Path(path)
    enrolment = enrolment_for(program_code, year, funder, premium)
    program = shipped_programs().get(enrolment.program_code)
    context = f"persons|{enrolment.program_code}|{year}|{enrolment.funder}|{enrolment.premium_fen}"
    detail = {
        "program_code": enrolment.program_code,
        "year": year,
        "funder": enrolment.funder,
        "premium_fen": enrolment.premium_fen,
    }

    def prepare(connection: sa.Connection, checked: PersonFile) -> PersonPlan | InvalidRows:
        frame = checked.frame.with_columns(
            id_hash=pl.Series(lookup_hashes(db.protector, checked.frame["certno"]), dtype=pl.String)
        )
        comparison = compare(connection, frame, checked.headers, enrolment)
        check_enrolment(connection, comparison, checked.headers, enrolment, program)
        if error := comparison.problems.error(checked.source.name):
            return error
        return PersonPlan(comparison, enrolment, db.protector)

    return run_import(
        db,
        kind="persons",
        path=path,
        actor=actor,
        detail=detail,
        validate=lambda: read_persons(path),
        prepare=prepare,
        context=context,
        progress=progress,
    )


def enrolment_for(program_code: str, year: int, funder: str, premium: str | int | Decimal) -> Enrolment:
    """The import's enrolment, checked: coverage is the program year (calendar year if not shipped)."""
    code = program_code.strip()
    if not code or len(code) > 64:
        raise InvalidInput("项目代码不能为空，且不超过 64 个字符", "program code must be 1–64 characters")
    if not 1900 <= year <= 2100:
        raise InvalidInput(f"年度无效：{year}", f"invalid year: {year}")
    premium_fen = parse_yuan(premium)
    if premium_fen < 0:
        raise InvalidInput("缴费金额不能为负数", "a premium cannot be negative")
    program = shipped_programs().get(code)
    if program is not None:
        start = program.program_year.first_day(year)
        end = program.program_year.first_day(year + 1) - dt.timedelta(days=1)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Enrolment(code, year, funder_code(funder), premium_fen, start, end)


def lookup_hashes(protector: IdProtector, numbers: pl.Series) -> list[str]:
    lookup = protector.lookup_hash
    return [lookup(number) for number in numbers.to_list()]


def masked_ids(numbers: pl.Expr) -> pl.Expr:
    """The masked form of 18-character numbers (as :func:`anxin.domain.identity.mask`), vectorized."""
    return pl.concat_str(numbers.str.slice(0, 4), pl.lit("*" * 10), numbers.str.slice(14, 4))


@dataclass
class PersonPlan:
    comparison: PersonComparison
    enrolment: Enrolment
    protector: IdProtector

    def __post_init__(self) -> None:
        c = self.comparison
        self.new_persons = c.rows.filter(pl.col("person_id").is_null())
        self.rows = c.rows.height
        self.unchanged = c.unchanged
        self.inserted = self.rows - self.unchanged
        self.writes = sum(
            f.height for f in (c.households, c.groups, self.new_persons, c.enrollments, c.statuses, c.members)
        )

    def write(self, connection: sa.Connection, import_id: int, on_rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
        c = self.comparison
        counts = dict.fromkeys(_TABLES, 0)
        counts["households"] = bulk_insert(connection, _table(Household), c.households, on_rows=on_rows)
        counts["groups"] = bulk_insert(connection, _table(GroupRow), c.groups, on_rows=on_rows)
        households = _code_ids(connection, Household, c.households["code"].to_list())
        persons = self.new_persons.with_columns(
            household_id=pl.when(pl.col("household_id") == -1)
            .then(pl.col("household").replace_strict(households, default=None, return_dtype=pl.Int64))
            .otherwise(pl.col("household_id"))
        )
        last = connection.execute(sa.select(sa.func.coalesce(sa.func.max(Person.id), 0))).scalar_one()
        counts["persons"] = self._write_persons(connection, persons, on_rows)
        known = c.rows.filter(pl.col("person_id").is_not_null()).select("id_hash", "person_id")
        ids = _new_person_ids(connection, last, self.new_persons["id_hash"]) | dict(known.iter_rows())
        named = pl.concat([c.enrollments["enrol_group"].drop_nulls(), c.members["code"]]).unique()
        groups = _code_ids(connection, GroupRow, named.to_list())
        person = pl.col("id_hash").replace_strict(ids, return_dtype=pl.Int64)
        enrol = self.enrolment
        enrollments = c.enrollments.select(
            person_id=person,
            program_code=pl.lit(enrol.program_code),
            year=pl.lit(enrol.year, pl.Int64),
            funder=pl.col("funder"),
            premium_fen=pl.col("premium_fen").cast(pl.Int64),
            covered_from=pl.lit(enrol.covered_from, pl.Date),
            covered_to=pl.lit(enrol.covered_to, pl.Date),
            group_id=pl.col("enrol_group").replace_strict(groups, default=None, return_dtype=pl.Int64),
            units=pl.col("units"),
        )
        counts["enrollments"] = bulk_insert(connection, _table(Enrollment), enrollments, on_rows=on_rows)
        statuses = c.statuses.select(
            person_id=person,
            group_code="group_code",
            valid_from="valid_from",
            valid_to="valid_to",
            source=pl.lit(f"import #{import_id}"),
        )
        counts["vulnerable_statuses"] = bulk_insert(
            connection, _table(VulnerableStatus), statuses, on_rows=on_rows
        )
        members = c.members.select(
            group_id=pl.col("code").replace_strict(groups, return_dtype=pl.Int64), person_id=person
        ).unique()
        counts["group_members"] = bulk_insert(connection, _table(GroupMember), members, on_rows=on_rows)
        return counts

    def _write_persons(self, connection: sa.Connection, persons: pl.DataFrame, on_rows) -> int:  # type: ignore[no-untyped-def]
        """Encrypt and insert a chunk at a time, so the one Python loop is spread over the progress bar."""
        columns = [c for c in ("psn_no", "name", "phone", "address") if c in persons.columns]
        now = dt.datetime.now(dt.UTC)
        encrypt = self.protector.encrypt
        for offset in range(0, persons.height, CHUNK_ROWS):
            chunk = persons.slice(offset, CHUNK_ROWS)
            ciphers = [encrypt(number) for number in chunk["certno"].to_list()]
            rows = chunk.select(
                "id_hash",
                *columns,
                id_cipher=pl.Series(ciphers, dtype=pl.Binary),
                id_masked=masked_ids(pl.col("certno")),
                sex="sex",
                birth_date="birth_date",
                region_code="region_code",
                household_id="household_id",
                created_at=pl.lit(now, pl.Datetime("us", "UTC")),
            )
            bulk_insert(connection, _table(Person), rows, on_rows=on_rows)
        return persons.height


def _new_person_ids(connection: sa.Connection, last: int, hashes: pl.Series) -> dict[str, int]:
    """The ids just given to ``hashes``: read as the rows above the previous highest id (ids only
    grow), with a look-up by key for any not found that way."""
    schema = {"id_hash": pl.String, "person_id": pl.Int64}
    above = fetch_frame(connection, sa.select(Person.id_hash, Person.id).where(Person.id > last), schema)
    found = pl.DataFrame({"id_hash": hashes}).join(above, on="id_hash")
    missing = hashes.filter(~hashes.is_in(found["id_hash"].implode()))
    if missing.len():
        statement = sa.select(Person.id_hash, Person.id)
        found = pl.concat(
            [found, select_by_keys(connection, statement, Person.id_hash, missing.to_list(), schema)]
        )
    return dict(found.iter_rows())


def _table(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _code_ids(connection: sa.Connection, model: type, codes: list[str]) -> dict[str, int]:
    found = select_by_keys(
        connection,
        sa.select(model.code, model.id),  # type: ignore[attr-defined]
        model.code,  # type: ignore[attr-defined]
        codes,
        {"code": pl.String, "id": pl.Int64},
    )
    return dict(found.iter_rows())
