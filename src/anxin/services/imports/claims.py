"""Importing group-cover claims (团体意外与健康, 特定疾病) from a file (CSV, Excel, Parquet).

The file is validated by :func:`.claim_rows.read_claims`; each row's person is found by ``psn_no``
or by the ID number's keyed hash (the number itself is never stored with a claim) and must be
enrolled in the program. A claim's natural key is ``claim_no``: stored with the same content it is
left alone, with different content it is a conflict (claims are never edited). All or nothing per
file; the same file or the same rows again change nothing. Claims from a file are recorded with the
channel ``file`` and the importing actor; an optional ``documents`` column lists what was received.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput, InvalidRows
from anxin.domain.programs import ProgramKind
from anxin.services.imports.batches import ImportSummary
from anxin.services.imports.claim_rows import STORED, ClaimFile, read_claims
from anxin.services.imports.problems import Problems, masked_if_id
from anxin.services.imports.runner import Progress, run_import
from anxin.services.imports.settlement_plan import resolve_persons
from anxin.store.bulk import bulk_insert, select_by_keys
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import Claim, Enrollment
from anxin.store.schema.base import utc_now

#: Program kinds whose claims this import takes.
CLAIM_KINDS = (ProgramKind.GROUP_ACCIDENT, ProgramKind.SPECIFIED_DISEASE)
CONFLICT_ZH = "与已导入的同一赔案号记录不一致（理赔记录不可修改）"
CONFLICT_EN = "conflicts with the stored claim of this number (claims are never changed)"


def claims_program_kind(program_code: str) -> ProgramKind:
    """The kind of a shipped program whose claims can be imported and adjudicated, or an error."""
    program = shipped_programs().get(program_code)
    if program is None:
        raise InvalidInput(f"没有该代码的项目：{program_code}", f"no program with code {program_code}")
    if program.kind not in CLAIM_KINDS:
        raise InvalidInput(
            f"{program_code} 是{program.kind.label_zh}，理赔导入只用于团体意外与健康、特定疾病",
            f"{program_code} is {program.kind.label_en}; claims are for group accident and "
            "specified-disease programs",
            code="wrong_program_kind",
        )
    return program.kind


def import_claims(
    db: Database,
    path: str | Path,
    *,
    program_code: str,
    actor: str = "system",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a claims file for ``program_code``. Any problem records a rejected batch with its
    problems and raises :class:`InvalidRows`."""
    path = Path(path)
    kind = claims_program_kind(program_code)

    def prepare(connection: sa.Connection, checked: ClaimFile) -> ClaimPlan | InvalidRows:
        problems = Problems()
        headers = checked.headers
        frame = checked.frame.with_columns(person_id=pl.lit(None, pl.Int64))
        if "certno" not in frame.columns:
            frame = frame.with_columns(certno=pl.lit(None, pl.String))
        if "psn_no" not in frame.columns:
            frame = frame.with_columns(psn_no=pl.lit(None, pl.String))
        frame = resolve_persons(connection, frame, headers, db.protector, problems)
        _not_enrolled(connection, frame, program_code, headers, problems)
        new = _compare(connection, frame, program_code, headers, problems)
        if error := problems.error(path.name):
            return error
        return ClaimPlan(new=new, rows=frame.height, program_code=program_code, actor=actor)

    return run_import(
        db,
        kind="claims",
        path=path,
        actor=actor,
        detail={"program_code": program_code},
        validate=lambda: read_claims(path, kind.value),
        prepare=prepare,
        context=f"claims|{program_code}",
        progress=progress,
    )


def _who(headers: dict[str, str]) -> str:
    return "psn_no" if "psn_no" in headers else "certno"


def _not_enrolled(
    connection: sa.Connection,
    frame: pl.DataFrame,
    program_code: str,
    headers: dict[str, str],
    problems: Problems,
) -> None:
    found = frame.filter(pl.col("person_id").is_not_null())
    enrolled = select_by_keys(
        connection,
        sa.select(Enrollment.person_id).where(Enrollment.program_code == program_code).distinct(),
        Enrollment.person_id,
        found["person_id"].unique().to_list(),
        {"person_id": pl.Int64},
    )
    bad = found.join(enrolled, on="person_id", how="anti")
    who = _who(headers)
    problems.add(
        bad,
        headers[who],
        "参保人未参加本项目，请先导入参保名单",
        "the person is not enrolled in this program: import the roster first",
        value=who,
        sanitize=masked_if_id,
    )


def _compare(
    connection: sa.Connection,
    frame: pl.DataFrame,
    program_code: str,
    headers: dict[str, str],
    problems: Problems,
) -> pl.DataFrame:
    """The rows not stored yet; a stored claim number with other content is a conflict."""
    columns = ["person_id", "program_code", *(n for n in STORED if n != "claim_no")]
    rows = frame.filter(pl.col("person_id").is_not_null()).with_columns(program_code=pl.lit(program_code))
    table: sa.Table = Claim.__table__  # type: ignore[assignment]
    schema = {
        "claim_no": pl.String(),
        **{f"s_{n}": t for n, t in _stored_schema().items() if n != "claim_no"},
    }
    stored = select_by_keys(
        connection,
        sa.select(*(table.c[n] for n in _stored_schema())),
        Claim.claim_no,
        rows["claim_no"].to_list(),
        schema,
    )
    joined = rows.join(stored, on="claim_no", how="left")
    has = pl.col("s_person_id").is_not_null()
    differs = pl.any_horizontal(pl.col(n).ne_missing(pl.col(f"s_{n}")) for n in columns)
    conflict = joined.filter(has & differs)
    problems.add(conflict, headers["claim_no"], CONFLICT_ZH, CONFLICT_EN, value="claim_no")
    return joined.filter(~has).select(["claim_no", *columns])


def _stored_schema() -> dict[str, pl.DataType]:
    return {"claim_no": pl.String(), "person_id": pl.Int64(), "program_code": pl.String(), **STORED}


@dataclass
class ClaimPlan:
    new: pl.DataFrame
    rows: int
    program_code: str
    actor: str = "system"

    def __post_init__(self) -> None:
        self.inserted = self.new.height
        self.unchanged = self.rows - self.inserted
        self.writes = self.inserted

    def write(self, connection: sa.Connection, import_id: int, on_rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
        frame = self.new.with_columns(
            import_id=pl.lit(import_id, pl.Int64),
            created_at=pl.lit(utc_now()),
            channel=pl.lit("file"),
            entered_by=pl.lit(self.actor[:64]),
        )
        table: sa.Table = Claim.__table__  # type: ignore[assignment]
        return {"claims": bulk_insert(connection, table, frame, on_rows=on_rows)}
