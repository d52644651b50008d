"""A validated persons file compared with what is stored: new rows, unchanged rows, conflicts.

Natural keys: a person is their ID number's look-up hash; an enrolment is (person, program, year); a
vulnerable status is (person, group, valid from) — or already covered by an open registration of the
same group; a household or group is its code. A key already stored with different content is a
conflict: the whole file is rejected (corrections are made explicitly, never by overwriting).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from anxin.services.imports.person_fields import GROUP_COLUMNS
from anxin.services.imports.problems import Problems, Sanitizer, hidden, masked, name_hint, yuan_text
from anxin.store.bulk import select_by_keys
from anxin.store.schema import Enrollment, GroupMember, Household, Person, VulnerableStatus
from anxin.store.schema import Group as GroupRow

CONFLICT_ZH = "与已导入记录不一致"
CONFLICT_EN = "conflicts with the stored record"
_PERSON_COLUMNS = {"psn_no": None, "name": name_hint, "phone": masked, "address": hidden, "region_code": None}


@dataclass(frozen=True)
class Enrolment:
    """The enrolment a persons file is imported into, and its defaults for every row."""

    program_code: str
    year: int
    funder: str
    premium_fen: int
    covered_from: dt.date
    covered_to: dt.date


def group_code(kind: str, name: str, region: str) -> str:
    """A stable code for a group named in a file: villages are told apart by region, others by name."""
    key = f"{kind}|{region if kind == 'village' else ''}|{name}"
    return f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:20]}"


def memberships(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per (file row, group named in it): ``source_row, id_hash, kind, name, region, code``."""
    parts = [
        frame.select(
            "source_row",
            "id_hash",
            kind=pl.lit(kind),
            name=pl.col(column),
            region=pl.col("region_code") if kind == "village" else pl.lit(""),
        ).filter(pl.col("name") != "")
        for column, kind in GROUP_COLUMNS.items()
        if column in frame.columns
    ]
    schema = {
        "source_row": pl.Int64,
        "id_hash": pl.String,
        "kind": pl.String,
        "name": pl.String,
        "region": pl.String,
    }
    found = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    unique = found.select("kind", "name", "region").unique()
    codes = [group_code(k, n, r) for k, n, r in unique.iter_rows()]
    return found.join(
        unique.with_columns(code=pl.Series(codes, dtype=pl.String)), on=["kind", "name", "region"]
    )


def _ids(
    connection: sa.Connection, column: sa.ColumnElement, key: sa.ColumnElement, keys: list
) -> pl.DataFrame:
    statement = sa.select(key.label("key"), column.label("id"))
    return select_by_keys(connection, statement, key, keys, {"key": pl.String, "id": pl.Int64})


@dataclass
class PersonComparison:
    """Everything :class:`~anxin.services.imports.persons.PersonPlan` needs, with the problems found."""

    rows: pl.DataFrame  # the file's rows, with id_hash, person_id (stored persons), household_id
    households: pl.DataFrame  # codes to create: code, region_code
    groups: pl.DataFrame  # groups to create: code, kind, name, region_code
    members: pl.DataFrame  # memberships to create: id_hash, code
    enrollments: pl.DataFrame  # source rows whose enrolment is to be created
    statuses: pl.DataFrame  # statuses to create: id_hash, group_code, valid_from, valid_to
    unchanged: int
    problems: Problems


def compare(
    connection: sa.Connection, frame: pl.DataFrame, headers: dict[str, str], enrolment: Enrolment
) -> PersonComparison:
    problems = Problems()
    hashes = frame["id_hash"].to_list()
    person_schema = {
        "id_hash": pl.String,
        "person_id": pl.Int64,
        "s_psn_no": pl.String,
        "s_name": pl.String,
        "s_phone": pl.String,
        "s_address": pl.String,
        "s_region_code": pl.String,
        "s_household_id": pl.Int64,
    }
    statement = sa.select(
        Person.id_hash,
        Person.id,
        Person.psn_no,
        Person.name,
        Person.phone,
        Person.address,
        Person.region_code,
        Person.household_id,
    )
    stored = select_by_keys(connection, statement, Person.id_hash, hashes, person_schema)
    rows = frame.join(stored, on="id_hash", how="left")
    known = pl.col("person_id").is_not_null()

    if "household" in headers:
        codes = rows.filter(pl.col("household") != "")["household"].unique().to_list()
        existing = _ids(connection, Household.id, Household.code, codes).rename(
            {"key": "household", "id": "household_id"}
        )
        rows = rows.join(existing, on="household", how="left").with_columns(
            household_id=pl.when(pl.col("household") != "").then(pl.col("household_id").fill_null(-1))
        )
        households = (
            rows.filter(
                (pl.col("household") != "")
                & pl.col("household").is_in(existing["household"].implode()).not_()
            )
            .group_by("household", maintain_order=True)
            .agg(pl.col("region_code").first())
            .rename({"household": "code"})
        )
        _conflicts(problems, rows, known, "household_id", "s_household_id", headers["household"])
    else:
        rows = rows.with_columns(household_id=pl.lit(None, pl.Int64), household=pl.lit(""))
        households = pl.DataFrame(schema={"code": pl.String, "region_code": pl.String})

    for name, sanitize in _PERSON_COLUMNS.items():
        if name in headers:
            _conflicts(problems, rows, known, name, f"s_{name}", headers[name], sanitize)
    if "psn_no" in headers:
        numbers = rows["psn_no"].drop_nulls().to_list()
        owners = select_by_keys(
            connection,
            sa.select(Person.psn_no, Person.id_hash),
            Person.psn_no,
            numbers,
            {"psn_no": pl.String, "owner": pl.String},
        )
        taken = rows.join(owners, on="psn_no").filter(pl.col("owner") != pl.col("id_hash"))
        problems.add(
            taken,
            headers["psn_no"],
            "人员编号已属于另一参保人",
            "personnel number belongs to another person",
            value="psn_no",
        )

    groups_named = memberships(rows)
    existing_groups = _ids(connection, GroupRow.id, GroupRow.code, groups_named["code"].unique().to_list())
    new_groups = (
        groups_named.filter(pl.col("code").is_in(existing_groups["key"].implode()).not_())
        .unique("code", keep="first", maintain_order=True)
        .select("code", "kind", "name", region_code=pl.col("region"))
    )
    group_ids = dict(existing_groups.iter_rows())
    enrol_group = groups_named.group_by("source_row").agg(
        pl.col("code")
        .sort_by(pl.col("kind").replace_strict(list(GROUP_COLUMNS.values()), [0, 1, 2]))
        .first()
        .alias("enrol_group")
    )
    rows = rows.join(enrol_group, on="source_row", how="left").with_columns(
        enrol_group_id=pl.when(pl.col("enrol_group").is_not_null()).then(
            pl.col("enrol_group").replace_strict(group_ids, default=-1, return_dtype=pl.Int64)
        )
    )
    rows = rows.with_columns(
        funder=pl.col("funder").fill_null(enrolment.funder)
        if "funder" in headers
        else pl.lit(enrolment.funder),
        premium_fen=pl.col("premium_fen").fill_null(enrolment.premium_fen)
        if "premium" in headers
        else pl.lit(enrolment.premium_fen, pl.Int64),
    )
    person_ids = rows.filter(known)["person_id"].to_list()
    enrollments = _compare_enrollments(connection, rows, person_ids, headers, enrolment, problems)
    statuses = _compare_statuses(connection, rows, person_ids, headers, enrolment, problems)
    stored_members = select_by_keys(
        connection,
        sa.select(GroupMember.person_id, GroupMember.group_id),
        GroupMember.person_id,
        person_ids,
        {"person_id": pl.Int64, "group_id": pl.Int64},
    )
    members = (
        groups_named.join(rows.select("source_row", "person_id"), on="source_row")
        .with_columns(group_id=pl.col("code").replace_strict(group_ids, default=-1, return_dtype=pl.Int64))
        .join(stored_members, on=["person_id", "group_id"], how="anti", nulls_equal=False)
    )
    changed = pl.concat(
        [
            rows.filter(~known)["source_row"],
            enrollments["source_row"],
            statuses["source_row"],
            members["source_row"],
        ]
    ).n_unique()
    return PersonComparison(
        rows=rows,
        households=households,
        groups=new_groups,
        members=members.select("id_hash", "code"),
        enrollments=enrollments,
        statuses=statuses.select("id_hash", "group_code", "valid_from", "valid_to"),
        unchanged=rows.height - changed,
        problems=problems,
    )


def _conflicts(
    problems: Problems,
    rows: pl.DataFrame,
    known: pl.Expr,
    column: str,
    stored: str,
    header: str,
    sanitize: Sanitizer | None = None,
    shown: str | None = None,
) -> None:
    bad = rows.filter(known & pl.col(column).ne_missing(pl.col(stored)))
    problems.add(bad, header, CONFLICT_ZH, CONFLICT_EN, value=shown or column, sanitize=sanitize)


def _compare_enrollments(
    connection: sa.Connection,
    rows: pl.DataFrame,
    person_ids: list[int],
    headers: dict[str, str],
    enrolment: Enrolment,
    problems: Problems,
) -> pl.DataFrame:
    """Rows whose enrolment is new; conflicts where the stored one differs."""
    statement = sa.select(
        Enrollment.person_id, Enrollment.funder, Enrollment.premium_fen, Enrollment.group_id, Enrollment.units
    ).where(Enrollment.program_code == enrolment.program_code, Enrollment.year == enrolment.year)
    schema = {
        "person_id": pl.Int64,
        "s_funder": pl.String,
        "s_premium_fen": pl.Int64,
        "s_group_id": pl.Int64,
        "s_units": pl.Int64,
    }
    stored = select_by_keys(connection, statement, Enrollment.person_id, person_ids, schema)
    joined = rows.join(stored, on="person_id", how="left")
    has = pl.col("s_funder").is_not_null()
    _conflicts(problems, joined, has, "funder", "s_funder", headers.get("funder", "缴费来源 funder"))
    premium = joined.with_columns(premium_yuan=yuan_text(pl.col("premium_fen")))
    header = headers.get("premium", "缴费金额 premium")
    _conflicts(problems, premium, has, "premium_fen", "s_premium_fen", header, shown="premium_yuan")
    group_headers = [headers[c] for c in GROUP_COLUMNS if c in headers]
    if group_headers:
        _conflicts(problems, joined, has, "enrol_group_id", "s_group_id", group_headers[0])
    if "units" in headers:
        _conflicts(
            problems,
            joined.with_columns(pl.col("units").cast(pl.Int64)),
            has & pl.col("units").is_not_null(),  # a blank cell says nothing
            "units",
            "s_units",
            headers["units"],
        )
    units = pl.col("units") if "units" in headers else pl.lit(None, pl.Int64)
    return joined.filter(~has).select(
        "source_row", "id_hash", "funder", "premium_fen", "enrol_group", units.cast(pl.Int64).alias("units")
    )


def _compare_statuses(
    connection: sa.Connection,
    rows: pl.DataFrame,
    person_ids: list[int],
    headers: dict[str, str],
    enrolment: Enrolment,
    problems: Problems,
) -> pl.DataFrame:
    """Registrations to create; one already stored, or covered by an open one, is left alone."""
    empty = {
        "source_row": pl.Int64,
        "id_hash": pl.String,
        "group_code": pl.String,
        "valid_from": pl.Date,
        "valid_to": pl.Date,
    }
    if "vulnerable_group" not in headers:
        return pl.DataFrame(schema=empty)
    start = pl.lit(enrolment.covered_from, pl.Date)
    wanted = rows.filter(pl.col("vulnerable_group").is_not_null()).select(
        "source_row",
        "id_hash",
        "person_id",
        group_code=pl.col("vulnerable_group"),
        valid_from=pl.col("vulnerable_from").fill_null(start) if "vulnerable_from" in headers else start,
        valid_to=pl.col("vulnerable_to") if "vulnerable_to" in headers else pl.lit(None, pl.Date),
    )
    statement = sa.select(
        VulnerableStatus.person_id,
        VulnerableStatus.group_code,
        VulnerableStatus.valid_from,
        VulnerableStatus.valid_to,
    )
    schema = {"person_id": pl.Int64, "group_code": pl.String, "s_from": pl.Date, "s_to": pl.Date}
    stored = select_by_keys(connection, statement, VulnerableStatus.person_id, person_ids, schema)
    pairs = wanted.join(stored, on=["person_id", "group_code"]).with_columns(
        exact=pl.col("s_from") == pl.col("valid_from"),
        same_to=pl.col("s_to").eq_missing(pl.col("valid_to")),
        covers=(pl.col("s_from") <= pl.col("valid_from"))
        & (pl.col("s_to").is_null() | (pl.col("s_to") >= pl.col("valid_from")))
        & pl.col("valid_to").is_null(),
    )
    verdict = pairs.group_by("source_row").agg(
        conflict=(pl.col("exact") & ~pl.col("same_to")).any(),
        stored=(pl.col("exact") & pl.col("same_to")).any() | pl.col("covers").any(),
    )
    conflicting = wanted.join(verdict.filter(pl.col("conflict")), on="source_row").with_columns(
        pl.col("valid_to").cast(pl.String)
    )
    header = headers.get("vulnerable_to", headers["vulnerable_group"])
    problems.add(conflicting, header, CONFLICT_ZH, CONFLICT_EN, value="valid_to")
    return wanted.join(verdict.filter(pl.col("stored") | pl.col("conflict")), on="source_row", how="anti")
