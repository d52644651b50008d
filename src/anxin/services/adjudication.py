"""Adjudication runs: every settlement's payout under a program, written exactly once.

A run takes the persons with settlements not yet adjudicated (``incremental``) or every person
(``full``), recomputes their program years from the stored settlements with the batch kernel, and
writes, per settlement, what changed: a ``payout`` line for a settlement seen for the first time, an
``adjustment`` line where what it is due now differs from the sum of its earlier lines (a reversal,
a late settlement that moves the deductible, new parameters). Nothing is ever edited.

Persons are processed in chunks, each in one transaction together with its accumulators, so a run
killed at any point and started again produces the same lines as an uninterrupted run.

Critical-illness and supplementary medical (特惠保险) programs run here; a supplementary program's
own inputs (the critical-illness lines, registered groups) come from ``supplementary_adjudication``.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy.engine import Connection

from anxin.domain.programs import Program, ProgramKind, require_kind
from anxin.engine.critical_illness import accumulate, evaluate, with_program_year
from anxin.services import adjudication_data as data
from anxin.services import supplementary_adjudication as supplementary
from anxin.services.run_records import RunSummary, finish_run, line_counts, run_in_chunks, start_run
from anxin.store.bulk import bulk_insert, bulk_upsert
from anxin.store.database import Database
from anxin.store.locks import refresh_statistics, wait_for_settlement_writes
from anxin.store.schema import Accumulator, Adjudication
from anxin.store.schema.base import utc_now

Progress = Callable[[int, int], None]


def adjudicate(
    db: Database,
    program: Program,
    *,
    mode: str = "incremental",
    year: int | None = None,
    actor: str = "system",
    chunk_persons: int = 20_000,
    review_above_fen: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Run adjudication for ``program``; ``year`` limits it to one program year."""
    if mode not in ("incremental", "full"):
        raise ValueError(f"unknown mode {mode!r}")
    if program.kind is not ProgramKind.SUPPLEMENTARY_MEDICAL:
        require_kind(program, ProgramKind.CRITICAL_ILLNESS)
    changed: set[int] = set()  # persons whose critical-illness lines changed since the last run
    if program.kind is ProgramKind.SUPPLEMENTARY_MEDICAL:
        with db.engine.connect() as connection:
            supplementary.require_critical_illness_run(connection, program, year)
            if mode == "incremental":
                changed = set(supplementary.ci_changed_person_ids(connection, program))
    run_id = _start_run(db, program.code, year, mode, actor)
    with db.engine.connect() as connection:
        persons = (
            sorted(set(data.pending_person_ids(connection, program.code)) | changed)
            if mode == "incremental"
            else data.all_person_ids(connection)
        )
        if program.kind is ProgramKind.SUPPLEMENTARY_MEDICAL:
            persons = supplementary.enrolled_only(connection, program, persons)
    totals = run_in_chunks(
        db,
        persons,
        chunk_persons,
        lambda connection, chunk: _adjudicate_chunk(
            connection,
            program,
            chunk,
            run_id,
            year,
            review_above_fen,
            incremental=mode == "incremental",
            every_pending=len(chunk) == len(persons) and not changed,
            changed=changed,
        ),
        progress,
    )
    with db.engine.begin() as connection:
        refresh_statistics(connection, ("adjudications", "accumulators"), totals["lines"])
    return finish_run(
        db, run_id, program.code, mode, len(persons), totals, actor, recomputed=totals.get("recomputed", 0)
    )


def _start_run(db: Database, program_code: str, year: int | None, mode: str, actor: str) -> int:
    def watermark(connection: Connection) -> int:
        wait_for_settlement_writes(connection)  # imports still open commit first
        return data.latest_settlement_id(connection)

    return start_run(db, program_code, year, mode, actor, watermark=watermark)


def _adjudicate_chunk(
    connection: Connection,
    program: Program,
    persons: list[int],
    run_id: int,
    year: int | None,
    review_above_fen: int | None,
    incremental: bool,
    every_pending: bool = False,
    changed: set[int] | None = None,
) -> dict[str, int]:
    covered = data.enrolled(connection, program.code, persons).with_columns(covered=pl.lit(True))
    targets, computed = [], []
    recompute = persons
    if incremental:
        pending = _in_years(
            data.pending_settlements(connection, program.code, persons, every_pending=every_pending),
            program,
            year,
            covered,
        )
        fast, recompute = _continuing(pending, data.accumulators_of(connection, program.code, persons))
        if changed:
            recompute = sorted(set(recompute) | changed.intersection(persons))
            fast = fast.filter(~pl.col("person_key").is_in(recompute))
        if fast.height:
            result, outside = _compute(connection, fast, program)
            targets += [result, outside]
            computed.append(result)
    if recompute:
        rows = _in_years(data.settlements_of(connection, recompute), program, year, covered)
        result, outside = _compute(connection, rows, program)
        recorded = data.recorded_due(connection, program.code, recompute)
        targets += [
            result.join(recorded, on="row_id", how="left"),
            outside.join(recorded, on="row_id", how="left"),
        ]
        computed.append(result)
    nonempty = [t for t in targets if t.height]
    frame = pl.concat(nonempty, how="diagonal_relaxed") if nonempty else pl.DataFrame()
    if frame.height == 0:
        return {"recomputed": len(recompute)}
    if "lines" not in frame.columns:
        frame = frame.with_columns(lines=pl.lit(None, pl.Int64), recorded_fen=pl.lit(None, pl.Int64))
    lines = _changed_lines(frame, review_above_fen)
    if lines.height:
        bulk_insert(connection, Adjudication.__table__, _line_frame(lines, program.code, run_id))
    _store_accumulators(connection, program.code, pl.concat(computed, how="diagonal_relaxed"))
    return {**line_counts(lines), "recomputed": len(recompute)}


def _in_years(
    settlements: pl.DataFrame, program: Program, year: int | None, covered: pl.DataFrame
) -> pl.DataFrame:
    """Settlements with the program year they count in and whether the person is enrolled then."""
    rows = with_program_year(
        settlements.with_columns(person_id=pl.col("person_key").cast(pl.String)), program.program_year
    )
    if year is not None:
        rows = rows.filter(pl.col("program_year") == year)
    return rows.join(covered, on=["person_key", "program_year"], how="left").with_columns(
        pl.col("covered").fill_null(False)
    )


def _continuing(pending: pl.DataFrame, accumulators: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """Split new settlements into those that simply continue their person-year after its stored
    accumulator (computed from the accumulator alone) and the persons whose years must be
    recomputed from all their settlements: a reversal, or a settlement that arrives out of order."""
    keyed = pending.join(accumulators, on=["person_key", "program_year"], how="left")
    after_last = (
        pl.col("last_setl_time").is_null()
        | (pl.col("settled_at") > pl.col("last_setl_time"))
        | (
            (pl.col("settled_at") == pl.col("last_setl_time"))
            & (pl.col("settlement_id") > pl.col("last_setl_id"))
        )
    )
    continuing = pl.col("reverses").is_null() & after_last
    recompute = keyed.filter(~continuing)["person_key"].unique().sort().to_list()
    fast = keyed.filter(~pl.col("person_key").is_in(recompute)).with_columns(
        opening_ytd_fen=pl.col("ytd_fen").fill_null(0),
        prior_due_fen=pl.col("due_fen").fill_null(0),
        prior_settlements=pl.col("settlements").fill_null(0),
    )
    return fast.drop("ytd_fen", "due_fen", "settlements", "last_setl_time", "last_setl_id"), recompute


def _compute(
    connection: Connection, rows: pl.DataFrame, program: Program
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kernel results for enrolled rows; the others, unpaid, marked as not enrolled."""
    if program.kind is ProgramKind.SUPPLEMENTARY_MEDICAL:
        return supplementary.compute(connection, rows, program)
    result = evaluate(accumulate(rows.filter("covered").drop("covered"), program.program_year), program)
    outside = (
        rows.filter(~pl.col("covered"))
        .drop("covered")
        .with_columns(payout_fen=pl.lit(0, pl.Int64), status_reason=pl.lit("not_enrolled"))
    )
    return result.with_columns(status_reason=pl.lit(None, pl.String)), outside


def _changed_lines(frame: pl.DataFrame, review_above_fen: int | None) -> pl.DataFrame:
    """Settlements whose due differs from what their lines already say, or that have no line yet."""
    frame = frame.with_columns(
        kind=pl.when(pl.col("lines").is_null()).then(pl.lit("payout")).otherwise(pl.lit("adjustment")),
        amount_fen=pl.col("payout_fen") - pl.col("recorded_fen").fill_null(0),
    ).filter((pl.col("kind") == "payout") | (pl.col("amount_fen") != 0))
    differs = pl.col("hifmi_fen").is_not_null() & (pl.col("hifmi_fen") != pl.col("payout_fen"))
    above = pl.lit(False) if review_above_fen is None else pl.col("amount_fen") > review_above_fen
    return frame.with_columns(
        status=pl.when(pl.col("status_reason").is_not_null())
        .then(pl.lit("rejected"))
        .when(differs | above)
        .then(pl.lit("review"))
        .otherwise(pl.lit("approved")),
        review_reason=pl.when(pl.col("status_reason").is_not_null())
        .then(pl.col("status_reason"))
        .when(differs)
        .then(pl.lit("bureau_differs"))
        .when(above)
        .then(pl.lit("above_threshold"))
        .otherwise(pl.lit("")),
    )


def _line_frame(lines: pl.DataFrame, program_code: str, run_id: int) -> pl.DataFrame:
    """Result lines as rows of ``adjudications``, built column-wise for a bulk write."""
    lines = lines.with_columns(
        pl.col(name).cast(pl.String) for name in ("version", "param_hash", "tilt") if name in lines.columns
    )
    bands = sorted(
        int(c.split("_")[1]) for c in lines.columns if c.startswith("band_") and c.endswith("_fen")
    )
    computed = pl.col("version").is_not_null() if "version" in lines.columns else pl.lit(False)
    pairs = [pl.format("[{},{}]", pl.col(f"band_{k}_fen"), pl.col(f"band_{k}_bp")) for k in bands]
    explained = pl.concat_str(pairs, separator=",") if pairs else pl.lit("")

    def known(name: str, default: object = 0) -> pl.Expr:
        column = pl.col(name) if name in lines.columns else pl.lit(None)
        return pl.when(computed).then(column).otherwise(pl.lit(default))

    return lines.select(
        run_id=pl.lit(run_id, pl.Int64),
        settlement_id=pl.col("row_id"),
        person_id=pl.col("person_key"),
        program_code=pl.lit(program_code),
        program_year=pl.col("program_year"),
        kind=pl.col("kind"),
        version=known("version", "").cast(pl.String),
        param_hash=known("param_hash", "").cast(pl.String),
        tilt=known("tilt", None).cast(pl.String),
        base_fen=pl.col("base_fen"),
        ytd_before_fen=known("ytd_before_fen"),
        ytd_after_fen=known("ytd_after_fen"),
        deductible_fen=known("deductible_fen"),
        deductible_applied_fen=known("deductible_applied_fen"),
        bands=pl.when(computed).then(pl.format("[{}]", explained)).otherwise(pl.lit("[]")),
        gross_e4=known("gross_e4"),
        cap_fen=known("cap_fen", None).cast(pl.Int64),
        cap_cut_fen=known("cap_cut_fen"),
        due_fen=pl.col("payout_fen"),
        amount_fen=pl.col("amount_fen"),
        status=pl.col("status"),
        review_reason=pl.col("review_reason"),
        created_at=pl.lit(utc_now()),
    )


def _store_accumulators(connection: Connection, program_code: str, computed: pl.DataFrame) -> None:
    if computed.height == 0:
        return
    if "prior_due_fen" not in computed.columns:
        computed = computed.with_columns(
            prior_due_fen=pl.lit(0, pl.Int64), prior_settlements=pl.lit(0, pl.Int64)
        )
    computed = computed.with_columns(pl.col("prior_due_fen", "prior_settlements").fill_null(0))
    latest = computed.group_by(["person_key", "program_year"]).agg(
        ytd_fen=pl.col("ytd_after_fen").last(),
        due_fen=pl.col("prior_due_fen").first() + pl.col("payout_fen").sum(),
        settlements=(pl.col("prior_settlements").first() + pl.len()).cast(pl.Int64),
        last_setl_time=pl.col("settled_at").last(),
        last_setl_id=pl.col("settlement_id").last(),
    )
    frame = latest.rename({"person_key": "person_id"}).with_columns(program_code=pl.lit(program_code))
    bulk_upsert(connection, Accumulator.__table__, frame, keys=("program_code", "person_id", "program_year"))
