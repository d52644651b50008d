"""The critical-illness batch kernel: an Arrow table of whole persons in, an Arrow table out.

Input columns (the kernel contract; other columns pass through untouched):

============================  ============  ==================================================
``person_id``                 string        the insured person (``psn_no``)
``settlement_id``             string        the settlement (``setl_id``)
``admitted_on``               date          admission (``begndate``)
``discharged_on``             date          discharge (``enddate``)
``settled_at``                datetime      settlement time (``setl_time``): the order of arrival
``base_fen``                  int64         owed eligible cost of this settlement, in fen
``vulnerable_group``          string|null   registered vulnerable group code
``opening_ytd_fen``           int64         optional: the person's year-to-date before this table
============================  ============  ==================================================

A table holds *whole person-years*: every settlement of a person's program year, or the rest of them
together with ``opening_ytd_fen`` (the stored accumulator). Work is split so that many parameter
variants share one ordering: :func:`accumulate` orders and sums once; :func:`evaluate` applies a
program with its explanation columns; :func:`payouts` computes only the payouts (what-if costing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa

from anxin.domain.errors import InvalidInput
from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs import Program, ProgramYear, YearBasis
from anxin.engine.schedules import GROUP_INDEX, GROUPS, ScheduleTable, schedule_table

REQUIRED = {
    "person_id": pl.String,
    "settlement_id": pl.String,
    "admitted_on": pl.Date,
    "discharged_on": pl.Date,
    "settled_at": pl.Datetime,
    "base_fen": pl.Int64,
    "vulnerable_group": pl.String,
}
ORDER = ["person_id", "program_year", "settled_at", "settlement_id"]
_HALF = BASIS_POINTS // 2


@dataclass(frozen=True)
class Accumulated:
    """Settlements in kernel order with their year-to-date amounts, ready for any schedule."""

    frame: pl.DataFrame
    program_year: ProgramYear
    #: Schedule ids by (version start days, group count): shared by variants with the same dates.
    schedule_ids: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict, compare=False, repr=False)


def as_frame(table: pa.Table | pl.DataFrame) -> pl.DataFrame:
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    missing = [name for name in REQUIRED if name not in frame.columns]
    if missing:
        raise InvalidInput(
            f"计算内核缺少列：{', '.join(missing)}", f"kernel input lacks columns: {', '.join(missing)}"
        )
    casts = [pl.col(name).cast(kind) for name, kind in REQUIRED.items() if frame.schema[name] != kind]
    if "opening_ytd_fen" not in frame.columns:
        casts.append(pl.lit(0, pl.Int64).alias("opening_ytd_fen"))
    return frame.with_columns(casts) if casts else frame


def _counts_on(basis: YearBasis) -> pl.Expr:
    if basis is YearBasis.ADMISSION:
        return pl.col("admitted_on")
    if basis is YearBasis.DISCHARGE:
        return pl.col("discharged_on")
    return pl.col("settled_at").dt.date()


def _program_year(program_year: ProgramYear) -> pl.Expr:
    day = pl.col("counts_on")
    month, dom = int(program_year.starts[:2]), int(program_year.starts[3:])
    if (month, dom) == (1, 1):
        return day.dt.year().cast(pl.Int32)
    before_start = (day.dt.month() < month) | ((day.dt.month() == month) & (day.dt.day() < dom))
    return (day.dt.year() - before_start.cast(pl.Int32)).cast(pl.Int32)


def _group_index(frame: pl.DataFrame) -> pl.Series:
    index = frame["vulnerable_group"].replace_strict(GROUP_INDEX, default=None, return_dtype=pl.Int64)
    unknown = index.is_null() & frame["vulnerable_group"].is_not_null()
    if unknown.any():
        bad = frame.filter(unknown)["vulnerable_group"].unique().head(5).to_list()
        raise InvalidInput(f"不认识的困难人员类别：{bad}", f"unknown vulnerable group codes: {bad}")
    return index.fill_null(0).cast(pl.Int8).alias("group_index")


def with_program_year(table: pa.Table | pl.DataFrame, program_year: ProgramYear) -> pl.DataFrame:
    """The input with ``counts_on`` (the date that decides the year) and ``program_year`` added."""
    frame = as_frame(table).with_columns(counts_on=_counts_on(program_year.counts_by))
    return frame.with_columns(_program_year(program_year).alias("program_year"))


def accumulate(table: pa.Table | pl.DataFrame, program_year: ProgramYear) -> Accumulated:
    """Order settlements within each person-year and compute year-to-date before and after each."""
    frame = with_program_year(table, program_year)
    frame = frame.with_columns(_group_index(frame))
    # Sorting rows that already run in this order (as extracts mostly do) costs a fifth of a second
    # per 5 M lines; checking the order first costs more than that, and extracts are rarely exact.
    frame = frame.sort(ORDER)
    starts = (
        (pl.col("person_id") != pl.col("person_id").shift(1))
        | (pl.col("program_year") != pl.col("program_year").shift(1))
    ).fill_null(True)
    running = pl.col("base_fen").cum_sum()
    # Year-to-date after a row = the person-year's opening + its bases so far: the running total
    # minus the running total just before the person-year started, plus its opening accumulator.
    offset = pl.when(starts).then(running - pl.col("base_fen") - pl.col("opening_ytd_fen")).forward_fill()
    frame = frame.with_columns(ytd_after_fen=running - offset, _person_year_starts=starts).with_columns(
        ytd_before_fen=pl.col("ytd_after_fen") - pl.col("base_fen")
    )
    return Accumulated(frame=frame, program_year=program_year)


def _schedule_ids(accumulated: Accumulated, program: Program, table: ScheduleTable) -> np.ndarray:
    frame = accumulated.frame
    key = tuple(int(day) for day in table.effective_days)
    if key not in accumulated.schedule_ids:
        days = frame["counts_on"].cast(pl.Int32).to_numpy()
        accumulated.schedule_ids[key] = table.schedule_ids(days, frame["group_index"].to_numpy())
    ids = accumulated.schedule_ids[key]
    if (ids < 0).any():
        early = frame.filter(pl.Series(ids < 0))["settlement_id"].head(5).to_list()
        first = program.versions[0].effective_from
        raise InvalidInput(
            f"{program.code} 在这些结算计入的日期尚未生效（最早版本 {first}）：{', '.join(early)}",
            f"{program.code} is not in force on the date these settlements count on (from {first}): "
            f"{', '.join(early)}",
        )
    return ids


def _prepared(accumulated: Accumulated, program: Program) -> tuple[pl.DataFrame, ScheduleTable, np.ndarray]:
    """The accumulated rows (re-ordered if ``program`` defines its year otherwise), the program's
    schedules, and each row's schedule id."""
    if program.program_year != accumulated.program_year:
        accumulated = accumulate(accumulated.frame, program.program_year)
    table = schedule_table(program)
    return accumulated.frame, table, _schedule_ids(accumulated, program, table)


def payouts(accumulated: Accumulated, program: Program) -> pl.Series:
    """Only the payouts (fen), in the accumulated order: the fast path for what-if variants."""
    frame, table, ids = _prepared(accumulated, program)
    after = table.benefit(ids, frame["ytd_after_fen"].to_numpy())
    # f(before) of a row is f(after) of the row above, within a person-year under one schedule:
    # only a person-year's first row (with an opening amount) or a change of schedule needs its own.
    starts = frame["_person_year_starts"].to_numpy()
    before = np.zeros_like(after)
    before[1:] = after[:-1]
    before[starts] = 0
    changed = np.ones(len(ids), dtype=bool)
    changed[1:] = ids[1:] != ids[:-1]
    opening = frame["opening_ytd_fen"].to_numpy()
    own = np.flatnonzero((starts & (opening != 0)) | (changed & ~starts))
    before[own] = table.benefit(ids[own], frame["ytd_before_fen"].to_numpy()[own])
    return pl.Series("payout_fen", after - before)


def _labels(index: np.ndarray, labels: tuple[str | None, ...]) -> pl.Series:
    """Row labels as an Enum column: one small integer per row, each distinct text stored once."""
    categories = sorted({label for label in labels if label is not None})
    return pl.Series(labels, dtype=pl.Enum(categories)).gather(index)


def _explained(
    table: ScheduleTable, ids: np.ndarray, before: np.ndarray, after: np.ndarray
) -> dict[str, np.ndarray]:
    """Each explanation column of a payout, band by band, in exact integer arithmetic.

    Written with in-place array operations so that each band's temporaries are released before
    the next band is computed.
    """
    columns: dict[str, np.ndarray] = {}
    gross_before = np.zeros(len(ids), dtype=np.int64)
    gross_after = np.zeros(len(ids), dtype=np.int64)
    for k in range(table.band_count):
        lo, hi, bp = table.lo[k][ids], table.hi[k][ids], table.bp[k][ids]
        in_after = np.minimum(after, hi)
        in_after -= lo
        np.maximum(in_after, 0, out=in_after)
        in_before = np.minimum(before, hi)
        in_before -= lo
        np.maximum(in_before, 0, out=in_before)
        gross_after += bp * in_after
        gross_before += bp * in_before
        in_after -= in_before
        columns[f"band_{k + 1}_fen"] = in_after
        columns[f"band_{k + 1}_bp"] = bp.astype(np.int32)
    deductible = table.deductible[ids]
    columns["deductible_fen"] = deductible
    columns["deductible_applied_fen"] = np.clip(np.minimum(after, deductible), 0, None) - np.clip(
        np.minimum(before, deductible), 0, None
    )
    cap = table.cap[ids]
    rounded_after = (gross_after + _HALF) // BASIS_POINTS
    rounded_before = (gross_before + _HALF) // BASIS_POINTS
    payout = np.minimum(rounded_after, cap) - np.minimum(rounded_before, cap)
    columns["gross_e4"] = gross_after - gross_before
    columns["payout_fen"] = payout
    columns["cap_cut_fen"] = rounded_after - rounded_before - payout
    return columns


def evaluate(accumulated: Accumulated, program: Program) -> pl.DataFrame:
    """Apply ``program``'s schedules to accumulated settlements: payouts and their explanation."""
    frame, table, ids = _prepared(accumulated, program)
    version_of = ids // len(GROUPS)
    explained = _explained(table, ids, frame["ytd_before_fen"].to_numpy(), frame["ytd_after_fen"].to_numpy())
    order = [
        "deductible_fen",
        "cap_fen",
        *(f"band_{k + 1}_bp" for k in range(table.band_count)),
        "deductible_applied_fen",
        *(f"band_{k + 1}_fen" for k in range(table.band_count)),
        "gross_e4",
        "payout_fen",
        "cap_cut_fen",
    ]
    explained["cap_fen"] = table.cap[ids]
    frame = frame.drop("group_index", "_person_year_starts").with_columns(
        version=_labels(version_of, table.versions),
        param_hash=_labels(version_of, table.hashes),
        tilt=_labels(ids, table.tilt),
        **{name: pl.Series(name, explained.pop(name)) for name in order},
    )
    return frame.with_columns(cap_fen=pl.when(pl.Series(table.has_cap[ids])).then(pl.col("cap_fen")))


def compute(table: pa.Table | pl.DataFrame, program: Program) -> pa.Table:
    """The kernel contract in one call: Arrow table of whole persons in, Arrow table out."""
    return evaluate(accumulate(table, program.program_year), program).to_arrow()


def compute_one(
    settlement: dict[str, object], program: Program, *, opening_ytd_fen: int = 0
) -> dict[str, object]:
    """The single-settlement path: a batch of one, carrying the person's stored year-to-date.

    ``settlement`` has the kernel's input columns; the answer is the kernel's output row. Because it
    is the same kernel, one-at-a-time and batch results agree by construction.
    """
    row = {name: [settlement.get(name)] for name in REQUIRED}
    row["opening_ytd_fen"] = [opening_ytd_fen]
    frame = pl.DataFrame(row, schema={**REQUIRED, "opening_ytd_fen": pl.Int64})
    return evaluate(accumulate(frame, program.program_year), program).row(0, named=True)
