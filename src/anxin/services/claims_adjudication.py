"""Claims runs for group covers (团体意外与健康, 特定疾病): every claim's result, written exactly once.

A run takes the persons with claims under the program (``incremental``: those with a claim that has
no line yet; ``full``: all), recomputes all their claims with the program's batch engine (the
enrolment gives the period of cover, the units, whether it was renewed; the person the birth date
and sex) and writes, per claim, what changed: a ``payout`` line for a claim seen for the first time
(a refusal too, ``rejected`` with the rule's reason code), an ``adjustment`` line where what it is
due now differs from the sum of its lines (a claim that arrived late and used up a limit first, new
parameters). Nothing is ever edited. Each line keeps the version, the parameter hash and the
engine's explanation columns. A claim lacking a document its program requires for its type
(:mod:`.claim_documents`) is not refused: its line goes to review with the reason
``documents_missing``, and the explanation names the documents.

Persons are processed in chunks, each in one transaction; every run compares with the lines already
stored, so a run killed at any point and started again writes the same lines as one that was not.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import InvalidInput
from anxin.domain.group_cover import Reason
from anxin.domain.programs import Program, ProgramKind
from anxin.engine import group_accident, specified_disease
from anxin.services import claim_documents
from anxin.services import claims_data as data
from anxin.services.run_records import RunSummary, finish_run, line_counts, run_in_chunks, start_run
from anxin.store.bulk import bulk_insert
from anxin.store.database import Database
from anxin.store.locks import refresh_statistics
from anxin.store.schema import ClaimResult
from anxin.store.schema.base import utc_now

Progress = Callable[[int, int], None]
#: The run mode recorded for claims runs (``adjudication_runs.mode`` is 12 characters).
MODES = {"incremental": "claims", "full": "claims_full"}
_REJECTING = [r.value for r in Reason if r.rejects]


def adjudicate_claims(
    db: Database,
    program: Program,
    *,
    mode: str = "incremental",
    year: int | None = None,
    actor: str = "system",
    chunk_persons: int = 5_000,
    review_above_fen: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run ``program``'s claims; ``year`` writes lines only for claims in that policy year."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if program.kind not in (ProgramKind.GROUP_ACCIDENT, ProgramKind.SPECIFIED_DISEASE):
        raise InvalidInput(
            f"{program.code} 是{program.kind.label_zh}，理赔理算只用于团体意外与健康、特定疾病",
            f"{program.code} is {program.kind.label_en}; claims runs are for group accident and "
            "specified-disease programs",
            code="wrong_program_kind",
        )
    run_id = start_run(db, program.code, year, MODES[mode], actor)
    with db.engine.connect() as connection:
        persons = data.claimant_ids(connection, program.code, pending_only=mode == "incremental")
    totals = run_in_chunks(
        db,
        persons,
        chunk_persons,
        lambda connection, chunk: _chunk(connection, program, chunk, run_id, year, review_above_fen),
        progress,
    )
    with db.engine.begin() as connection:
        refresh_statistics(connection, ("claim_results",), totals["lines"])
    return finish_run(db, run_id, program.code, mode, len(persons), totals, actor, recomputed=len(persons))


def _chunk(
    connection: Connection,
    program: Program,
    persons: list[int],
    run_id: int,
    year: int | None,
    review_above_fen: int | None,
) -> dict[str, int]:
    claims = data.claims_of(connection, program.code, persons)
    enrolments = data.enrolments_of(connection, program.code, persons)
    rows = data.with_cover(claims, enrolments)
    rows = rows.join(
        claim_documents.received_of(connection, program.code, persons), on="claim_key", how="left"
    )
    if rows.height == 0:
        return {}
    result = evaluate(rows, program)
    if year is not None:
        result = result.filter(pl.col("policy_year") == year)
    recorded = data.recorded_due(connection, program.code, persons)
    lines = changed_lines(result.join(recorded, on="claim_key", how="left"), review_above_fen)
    if lines.height:
        table: sa.Table = ClaimResult.__table__  # type: ignore[assignment]
        bulk_insert(connection, table, _line_frame(lines, program.code, run_id))
    return line_counts(lines)


def evaluate(rows: pl.DataFrame, program: Program) -> pl.DataFrame:
    """The engine's result for claims placed in their periods of cover, with ``explanation`` (JSON)."""
    frame = rows.with_columns(person_id=pl.col("person_key").cast(pl.String))
    if program.kind is ProgramKind.SPECIFIED_DISEASE:
        frame = frame.with_columns(diagnosed_on=pl.col("due_on"))
        result = specified_disease.evaluate(frame.drop("grades"), program)
        explained = specified_disease.RESULT_COLUMNS
    else:
        result = group_accident.evaluate(frame, program)
        explained = group_accident.RESULT_COLUMNS
    shown_documents: list[str] = []
    if "documents" in result.columns:
        result = claim_documents.with_missing(result, program)
        shown_documents = list(claim_documents.MISSING_COLUMNS)
    labels = {r.value: (r.label_zh, r.label_en) for r in Reason}
    result = result.with_columns(
        reason_zh=pl.col("reason").replace_strict({k: v[0] for k, v in labels.items()}, return_dtype=pl.String),
        reason_en=pl.col("reason").replace_strict({k: v[1] for k, v in labels.items()}, return_dtype=pl.String),
    )  # fmt: skip
    shown = ["claim_type", *explained, "reason_zh", "reason_en", "version", "param_hash", *shown_documents]
    return result.with_columns(explanation=pl.struct(shown).struct.json_encode())


def changed_lines(frame: pl.DataFrame, review_above_fen: int | None) -> pl.DataFrame:
    """Claims with no line yet, or whose due differs from the sum of their lines."""
    frame = frame.with_columns(
        kind=pl.when(pl.col("lines").is_null()).then(pl.lit("payout")).otherwise(pl.lit("adjustment")),
        amount_fen=pl.col("payout_fen") - pl.col("recorded_fen").fill_null(0),
    ).filter((pl.col("kind") == "payout") | (pl.col("amount_fen") != 0))
    refused = (pl.col("kind") == "payout") & pl.col("reason").is_in(_REJECTING)
    above = pl.lit(False) if review_above_fen is None else pl.col("amount_fen") > review_above_fen
    lacking = (
        pl.col("documents_missing").fill_null("") != ""
        if "documents_missing" in frame.columns
        else pl.lit(False)
    )
    return frame.with_columns(
        status=pl.when(refused)
        .then(pl.lit("rejected"))
        .when(above | lacking)
        .then(pl.lit("review"))
        .otherwise(pl.lit("approved")),
        review_reason=pl.when(~refused & lacking)
        .then(pl.lit(Reason.DOCUMENTS_MISSING.value))
        .otherwise(pl.col("reason").cast(pl.String)),
    )


def _line_frame(lines: pl.DataFrame, program_code: str, run_id: int) -> pl.DataFrame:
    return lines.select(
        run_id=pl.lit(run_id, pl.Int64),
        claim_id=pl.col("claim_key"),
        person_id=pl.col("person_key"),
        program_code=pl.lit(program_code),
        policy_year=pl.col("policy_year").cast(pl.Int64),
        kind=pl.col("kind"),
        amount_fen=pl.col("amount_fen"),
        due_fen=pl.col("payout_fen"),
        status=pl.col("status"),
        review_reason=pl.col("review_reason"),
        version=pl.col("version").cast(pl.String),
        param_hash=pl.col("param_hash").cast(pl.String),
        explanation=pl.col("explanation"),
        created_at=pl.lit(utc_now()),
    )


def explanation(text: str) -> dict[str, object]:
    """A stored line's explanation columns."""
    return json.loads(text)
