"""Importing the long-term care (长护险) registers and bills: disability assessments, care providers,
and a month's care bills for a program. Enrolment in a long-term care program is the persons import.

Each file is validated whole (:mod:`.care_rows`); persons are found by ``psn_no`` or by the ID
number's keyed hash. Each row has a natural key (assessment number, provider code, bill number):
stored with the same content it is left alone, with different content it is a conflict (these
records are never edited; an assessment is followed by a newer one, a bill is corrected by a new bill
naming it in ``replaces_bill_no``). All or nothing per file; the same file or rows again change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput, InvalidRows
from anxin.domain.programs import ProgramKind
from anxin.services.imports.batches import ImportSummary
from anxin.services.imports.care_rows import (
    ASSESSMENT_COLUMNS,
    BILL_COLUMNS,
    PROVIDER_COLUMNS,
    CareFile,
    read_assessments,
    read_bills,
    read_providers,
)
from anxin.services.imports.problems import Problems
from anxin.services.imports.runner import Progress, run_import
from anxin.services.imports.settlement_plan import resolve_persons
from anxin.store.bulk import bulk_insert, select_by_keys
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import CareAssessment, CareBill, CareProvider
from anxin.store.schema.base import utc_now

CONFLICT_ZH = "与已导入的同一编号记录不一致（已导入的记录不可修改，更正请用新编号）"
CONFLICT_EN = (
    "conflicts with the stored record of this number (stored records are never changed; use a new number)"
)


def care_program(program_code: str) -> dt.date:
    """The first day a shipped long-term care program is in force; refuses any other code."""
    program = shipped_programs().get(program_code)
    if program is None:
        raise InvalidInput(f"没有该代码的项目：{program_code}", f"no program with code {program_code}")
    if program.kind is not ProgramKind.LONG_TERM_CARE:
        raise InvalidInput(
            f"{program_code} 是{program.kind.label_zh}，护理账单只用于长期护理保险",
            f"{program_code} is {program.kind.label_en}; care bills are for long-term care programs",
            code="wrong_program_kind",
        )
    return program.versions[0].effective_from


def _with_persons(
    connection: sa.Connection, checked: CareFile, db: Database, problems: Problems
) -> pl.DataFrame:
    frame = checked.frame.with_columns(person_id=pl.lit(None, pl.Int64))
    for name in ("psn_no", "certno"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    return resolve_persons(connection, frame, checked.headers, db.protector, problems)


def _compare(
    connection: sa.Connection,
    frame: pl.DataFrame,
    table: sa.Table,
    key: str,
    columns: dict[str, pl.DataType],
    header: str,
    problems: Problems,
) -> pl.DataFrame:
    """The rows whose key is not stored yet; a stored key with other content is a conflict."""
    compared = [n for n in columns if n != key]
    schema = {key: columns[key], **{f"s_{n}": columns[n] for n in compared}, "_stored": pl.Int64()}
    stored = select_by_keys(
        connection,
        sa.select(*(table.c[n] for n in [key, *compared]), sa.literal(1)),
        table.c[key],
        frame[key].to_list(),
        schema,
    )
    joined = frame.join(stored, on=key, how="left")
    has = pl.col("_stored").is_not_null()
    differs = pl.any_horizontal(pl.col(n).ne_missing(pl.col(f"s_{n}")) for n in compared)
    problems.add(joined.filter(has & differs), header, CONFLICT_ZH, CONFLICT_EN, value=key)
    return joined.filter(~has).select(key, *compared)


def _run(
    db: Database,
    path: Path,
    kind: str,
    actor: str,
    validate: Callable[[], CareFile],
    plan: Callable[[sa.Connection, CareFile, Problems], pl.DataFrame],
    table: sa.Table,
    *,
    detail: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    def prepare(connection: sa.Connection, checked: CareFile) -> CarePlan | InvalidRows:
        problems = Problems()
        new = plan(connection, checked, problems)
        if error := problems.error(path.name):
            return error
        return CarePlan(new=new, rows=checked.frame.height, table=table)

    detail = detail or {}
    return run_import(
        db,
        kind=kind,
        path=path,
        actor=actor,
        detail=detail,
        validate=validate,
        prepare=prepare,
        context="|".join([kind, *detail.values()]),
        progress=progress,
    )


def import_assessments(
    db: Database, path: str | Path, *, actor: str = "system", progress: Progress | None = None
) -> ImportSummary:
    """Import disability assessments (失能等级评估结论); the persons must be imported first."""
    path = Path(path)
    table: sa.Table = CareAssessment.__table__  # type: ignore[assignment]
    columns = {"person_id": pl.Int64(), **ASSESSMENT_COLUMNS}

    def plan(connection: sa.Connection, checked: CareFile, problems: Problems) -> pl.DataFrame:
        frame = _with_persons(connection, checked, db, problems).filter(pl.col("person_id").is_not_null())
        day = ["person_id", "method", "assessed_on"]
        problems.add(frame.filter(pl.struct(day).is_duplicated()), checked.headers["assessed_on"],
                     "同一人同一天有两份同一方法的评估", "two assessments by one method on one day for one person",
                     value="assessed_on")  # fmt: skip
        new = _compare(
            connection, frame, table, "assessment_no", columns, checked.headers["assessment_no"], problems
        )
        stored = select_by_keys(
            connection,
            sa.select(table.c.person_id, table.c.method, table.c.assessed_on, sa.literal(1)),
            table.c.person_id,
            new["person_id"].unique().to_list(),
            {"person_id": pl.Int64(), "method": pl.String(), "assessed_on": pl.Date(), "_taken": pl.Int64()},
        )
        clash = frame.join(new.select("assessment_no"), on="assessment_no").join(stored, on=day)
        problems.add(clash, checked.headers["assessed_on"], "此人当天已有一份同一方法的评估",
                     "the person already has an assessment by this method on this day", value="assessed_on")  # fmt: skip
        return new

    return _run(db, path, "care_assessments", actor, lambda: read_assessments(path), plan, table,
                progress=progress)  # fmt: skip


def import_providers(
    db: Database, path: str | Path, *, actor: str = "system", progress: Progress | None = None
) -> ImportSummary:
    """Import designated care providers (定点护理服务机构) with the services they may bill."""
    path = Path(path)
    table: sa.Table = CareProvider.__table__  # type: ignore[assignment]

    def plan(connection: sa.Connection, checked: CareFile, problems: Problems) -> pl.DataFrame:
        header = checked.headers["provider_code"]
        return _compare(connection, checked.frame, table, "provider_code", PROVIDER_COLUMNS, header, problems)

    return _run(
        db, path, "care_providers", actor, lambda: read_providers(path), plan, table, progress=progress
    )


def import_care_bills(
    db: Database,
    path: str | Path,
    *,
    program_code: str,
    actor: str = "system",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a file of monthly care bills for a long-term care program. A bill from an unregistered
    provider, or for days without enrolment or assessment, is imported: the monthly run refuses it
    with its reason. A bill naming ``replaces_bill_no`` corrects that bill (same person and month)."""
    path = Path(path)
    in_force = care_program(program_code)
    table: sa.Table = CareBill.__table__  # type: ignore[assignment]
    columns = {"person_id": pl.Int64(), "program_code": pl.String(), **BILL_COLUMNS}

    def plan(connection: sa.Connection, checked: CareFile, problems: Problems) -> pl.DataFrame:
        frame = _with_persons(connection, checked, db, problems).filter(pl.col("person_id").is_not_null())
        frame = frame.with_columns(program_code=pl.lit(program_code))
        early = frame.filter(pl.col("month") < in_force.replace(day=1))
        problems.add(early, checked.headers["month"], f"项目 {in_force} 起生效，此前的月份不能结算",
                     f"the program is in force from {in_force}: no bills before", value="month")  # fmt: skip
        new = _compare(connection, frame, table, "bill_no", columns, checked.headers["bill_no"], problems)
        if "replaces_bill_no" in checked.headers:
            _check_replacements(connection, frame, new, table, checked.headers["replaces_bill_no"], problems)
        return new

    return _run(db, path, "care_bills", actor, lambda: read_bills(path), plan, table,
                detail={"program_code": program_code}, progress=progress)  # fmt: skip


def _check_replacements(
    connection: sa.Connection,
    frame: pl.DataFrame,
    new: pl.DataFrame,
    table: sa.Table,
    header: str,
    problems: Problems,
) -> None:
    """A new bill replaces a bill (stored or earlier in the file) of the same program, person and
    month, which no stored bill has replaced yet."""
    replacing = frame.join(new.select("bill_no"), on="bill_no").filter(
        pl.col("replaces_bill_no").is_not_null()
    )
    if replacing.height == 0:
        return
    schema = {"r_bill_no": pl.String(), "r_person_id": pl.Int64(), "r_program_code": pl.String(),
              "r_month": pl.Date(), "r_replaced_by": pl.String()}  # fmt: skip
    replaced_by = table.alias("replacing")
    statement = sa.select(
        table.c.bill_no, table.c.person_id, table.c.program_code, table.c.month, replaced_by.c.bill_no
    ).outerjoin(replaced_by, replaced_by.c.replaces_bill_no == table.c.bill_no)
    stored = select_by_keys(
        connection, statement, table.c.bill_no, replacing["replaces_bill_no"].to_list(), schema
    )
    in_file = frame.select(r_bill_no="bill_no", r_person_id="person_id", r_program_code="program_code",
                           r_month="month", r_replaced_by=pl.lit(None, pl.String))  # fmt: skip
    targets = pl.concat([stored, in_file.join(stored.select("r_bill_no"), on="r_bill_no", how="anti")])
    joined = replacing.join(targets, left_on="replaces_bill_no", right_on="r_bill_no", how="left")
    problems.add(joined.filter(pl.col("r_person_id").is_null()), header, "被更正的账单不存在",
                 "the bill to replace does not exist", value="replaces_bill_no")  # fmt: skip
    other = (
        (pl.col("r_person_id") != pl.col("person_id"))
        | (pl.col("r_program_code") != pl.col("program_code"))
        | (pl.col("r_month") != pl.col("month"))
    )
    problems.add(joined.filter(other), header, "被更正的账单须是同一项目、同一人、同一月份的账单",
                 "the bill replaced must be of the same program, person and month", value="replaces_bill_no")  # fmt: skip
    problems.add(joined.filter(pl.col("r_replaced_by").is_not_null()), header, "该账单已被另一张账单更正",
                 "that bill was already replaced by another bill", value="replaces_bill_no")  # fmt: skip


@dataclass
class CarePlan:
    new: pl.DataFrame
    rows: int
    table: sa.Table

    def __post_init__(self) -> None:
        self.inserted = self.new.height
        self.unchanged = self.rows - self.inserted
        self.writes = self.inserted

    def write(self, connection: sa.Connection, import_id: int, on_rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
        frame = self.new.with_columns(import_id=pl.lit(import_id, pl.Int64), created_at=pl.lit(utc_now()))
        return {self.table.name: bulk_insert(connection, self.table, frame, on_rows=on_rows)}
