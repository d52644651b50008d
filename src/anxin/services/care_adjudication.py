"""Monthly long-term care runs (长护险按月结算): every care bill's result, written exactly once.

A run takes a program's bills of one month, for the persons with a bill that has no line yet
(``incremental``) or for everyone billed that month (``full``), and judges all those persons' bills of
the month together with the kernel (:mod:`anxin.engine.long_term_care`) against the stored registers:
assessments, enrolments in the program, care providers. Per bill it writes what changed: a ``payout``
line for a bill seen for the first time (a refusal too, ``rejected`` with the rule's reason), an
``adjustment`` line where what it is due now differs from the sum of its lines. A bill replaced by a
correcting bill (``replaces_bill_no``) is due nothing from then on, so its payout is taken back by an
adjustment while the correcting bill is judged in its place (and the month's day limit with it).

Nothing is ever edited; each line keeps the version, the parameter hash and the kernel's explanation
columns (JSON). Persons are processed in chunks, one transaction each; every run compares with the
lines already stored, so running again — or after a run was killed — writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import InvalidInput, NotFound
from anxin.domain.long_term_care import CareReason
from anxin.domain.long_term_care_explanation import explain_bill
from anxin.domain.programs import Program, ProgramKind
from anxin.domain.programs.long_term_care import LongTermCareProgram
from anxin.engine import long_term_care
from anxin.services import care_data as data
from anxin.services.run_records import RunSummary, finish_run, line_counts, run_in_chunks, start_run
from anxin.store.bulk import bulk_insert
from anxin.store.database import Database
from anxin.store.locks import refresh_statistics
from anxin.store.program_files import resolve_program
from anxin.store.schema import CareBillResult
from anxin.store.schema.base import utc_now

Progress = Callable[[int, int], None]
#: The run mode recorded for care runs (``adjudication_runs.mode`` is 12 characters).
MODES = {"incremental": "care", "full": "care_full"}
#: The reason a replaced bill is due nothing (not a rule's reason: the bill was corrected).
BILL_REPLACED = "bill_replaced"
REPLACED_LABELS = ("账单已被更正账单取代", "replaced by a correcting bill")
_DATES = ("month", "period_from", "period_to", "assessed_on", "valid_until", "reassess_on")


def care_program(program: Program) -> LongTermCareProgram:
    if program.kind is not ProgramKind.LONG_TERM_CARE or not isinstance(program, LongTermCareProgram):
        raise InvalidInput(
            f"{program.code} 是{program.kind.label_zh}，护理账单结算只用于长期护理保险",
            f"{program.code} is {program.kind.label_en}; care bill runs are for long-term care programs",
            code="wrong_program_kind",
        )
    return program


def adjudicate_care(
    db: Database,
    program: Program,
    month: dt.date,
    *,
    mode: str = "incremental",
    actor: str = "system",
    chunk_persons: int = 5_000,
    review_above_fen: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run ``program``'s care bills of ``month`` (any day of it)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    ltc = care_program(program)
    month = month.replace(day=1)
    run_id = start_run(db, program.code, month.year, MODES[mode], actor)
    with db.engine.connect() as connection:
        persons = data.billed_persons(connection, program.code, month, pending_only=mode == "incremental")
    totals = run_in_chunks(
        db,
        persons,
        chunk_persons,
        lambda connection, chunk: _chunk(connection, ltc, month, chunk, run_id, review_above_fen),
        progress,
    )
    with db.engine.begin() as connection:
        refresh_statistics(connection, ("care_bill_results",), totals["lines"])
    return finish_run(db, run_id, program.code, mode, len(persons), totals, actor, recomputed=len(persons))


def _chunk(
    connection: Connection,
    program: LongTermCareProgram,
    month: dt.date,
    persons: list[int],
    run_id: int,
    review_above_fen: int | None,
) -> dict[str, int]:
    bills = data.bills_of(connection, program.code, month, persons)
    if bills.height == 0:
        return {}
    judged = evaluate(
        bills.filter(pl.col("replaced_by").is_null()),
        data.registers_of(connection, program.code, persons),
        program,
    )
    replaced = _replaced(bills.filter(pl.col("replaced_by").is_not_null()), program, month)
    result = pl.concat([judged, replaced], how="diagonal_relaxed")
    recorded = data.recorded_due(connection, program.code, persons)
    lines = changed_lines(result.join(recorded, on="bill_key", how="left"), review_above_fen)
    if lines.height:
        table: sa.Table = CareBillResult.__table__  # type: ignore[assignment]
        bulk_insert(connection, table, _line_frame(lines, program.code, run_id))
    return line_counts(lines)


def evaluate(
    bills: pl.DataFrame, reg: long_term_care.Registers, program: LongTermCareProgram
) -> pl.DataFrame:
    """The kernel's result for stored bills, with ``explanation`` (JSON of the kernel's columns)."""
    frame = bills.drop("replaced_by").with_columns(person_id=pl.col("person_key").cast(pl.String))
    result = long_term_care.evaluate(frame, reg, program).with_columns(pl.col("reason").cast(pl.String))
    labels = {r.value: (r.label_zh, r.label_en) for r in CareReason}
    result = result.with_columns(
        reason_zh=pl.col("reason").replace_strict({k: v[0] for k, v in labels.items()}, default=None, return_dtype=pl.String),
        reason_en=pl.col("reason").replace_strict({k: v[1] for k, v in labels.items()}, default=None, return_dtype=pl.String),
    )  # fmt: skip
    shown = [c for c in result.columns if c not in ("bill_key", "person_key", "service_from", "service_to")]
    return result.with_columns(explanation=pl.struct(shown).struct.json_encode())


def _replaced(bills: pl.DataFrame, program: LongTermCareProgram, month: dt.date) -> pl.DataFrame:
    """Replaced bills: due nothing, with the version in force in the month."""
    in_force = [v for v in program.versions if v.effective_from <= month] or [program.versions[0]]
    version = in_force[-1]
    return bills.select(
        "bill_key",
        "person_key",
        "month",
        payout_fen=pl.lit(0, pl.Int64),
        paid_days=pl.lit(0, pl.Int32),
        reason=pl.lit(BILL_REPLACED),
        version=pl.lit(version.version),
        param_hash=pl.lit(program.parameter_hash(version)),
        explanation=pl.struct(
            "bill_id",
            "replaced_by",
            reason_zh=pl.lit(REPLACED_LABELS[0]),
            reason_en=pl.lit(REPLACED_LABELS[1]),
        ).struct.json_encode(),
    )


def changed_lines(frame: pl.DataFrame, review_above_fen: int | None) -> pl.DataFrame:
    """Bills with no line yet, or whose due differs from the sum of their lines."""
    frame = frame.with_columns(
        kind=pl.when(pl.col("lines").is_null()).then(pl.lit("payout")).otherwise(pl.lit("adjustment")),
        amount_fen=pl.col("payout_fen") - pl.col("recorded_fen").fill_null(0),
    ).filter((pl.col("kind") == "payout") | (pl.col("amount_fen") != 0))
    refused = (pl.col("kind") == "payout") & (pl.col("payout_fen") == 0) & pl.col("reason").is_not_null()
    above = pl.lit(False) if review_above_fen is None else pl.col("amount_fen") > review_above_fen
    return frame.with_columns(
        status=pl.when(refused)
        .then(pl.lit("rejected"))
        .when(above)
        .then(pl.lit("review"))
        .otherwise(pl.lit("approved"))
    )


def _line_frame(lines: pl.DataFrame, program_code: str, run_id: int) -> pl.DataFrame:
    return lines.select(
        run_id=pl.lit(run_id, pl.Int64),
        bill_id=pl.col("bill_key"),
        person_id=pl.col("person_key"),
        program_code=pl.lit(program_code),
        month=pl.col("month"),
        kind=pl.col("kind"),
        amount_fen=pl.col("amount_fen"),
        due_fen=pl.col("payout_fen"),
        paid_days=pl.col("paid_days").cast(pl.Int64),
        status=pl.col("status"),
        reason=pl.col("reason").fill_null(""),
        version=pl.col("version").cast(pl.String),
        param_hash=pl.col("param_hash").cast(pl.String),
        explanation=pl.col("explanation"),
        created_at=pl.lit(utc_now()),
    )


def explained_line(
    db: Database, result_id: int, program: Program | None = None
) -> tuple[list[str], list[str]]:
    """A stored care bill line explained line by line, in Chinese and in English (``program``: the
    line's own shipped program unless given)."""
    with db.engine.connect() as connection:
        stored = connection.execute(
            sa.select(CareBillResult.explanation, CareBillResult.program_code).where(
                CareBillResult.id == result_id
            )
        ).first()
    if stored is not None and program is None:
        program = resolve_program(stored.program_code)
    if stored is None or program is None or stored.program_code != program.code:
        raise NotFound(f"没有编号为 {result_id} 的护理账单结果", f"no care bill result with id {result_id}")
    row = stored_row(stored.explanation)
    if row.get("replaced_by"):
        zh = f"账单 {row['bill_id']} 已被账单 {row['replaced_by']} 更正，本账单不再支付：0.00 元"
        en = f"Bill {row['bill_id']} was replaced by bill {row['replaced_by']}; it is due nothing: 0.00 yuan"
        return [zh], [en]
    explanation = explain_bill(row, program)
    return explanation.lines("zh"), explanation.lines("en")


def stored_row(text: str) -> dict[str, Any]:
    """A stored line's explanation columns, dates as dates again."""
    row: dict[str, Any] = json.loads(text)
    for name in _DATES:
        if isinstance(row.get(name), str):
            row[name] = dt.date.fromisoformat(row[name])
    return row
