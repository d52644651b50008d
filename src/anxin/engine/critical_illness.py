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
together with ``opening_ytd_fen`` (the stored accumulator). Work is split in two so that many
parameter variants share one ordering: :func:`accumulate` orders and sums once, :func:`evaluate`
applies a program's schedules with element-wise arithmetic only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from anxin.domain.critical_illness import UNBOUNDED_FEN, BenefitSchedule, resolve_schedule
from anxin.domain.errors import InvalidInput
from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs import Program, ProgramYear, YearBasis
from anxin.domain.vulnerability import VulnerableGroup

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
#: Group index 0 is "no registered group"; then every group in declaration order.
GROUPS: tuple[VulnerableGroup | None, ...] = (None, *VulnerableGroup)
_HALF = BASIS_POINTS // 2
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Accumulated:
    """Settlements in kernel order with their year-to-date amounts, ready for any schedule."""

    frame: pl.DataFrame
    program_year: ProgramYear


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


def _in_kernel_order(frame: pl.DataFrame) -> bool:
    """Whether rows already run in (person, program year, settlement time, id) order: O(n), no sort."""
    later = pl.lit(False)
    same = pl.lit(True)
    for key in ORDER:
        previous = pl.col(key).shift(1)
        later = later | (same & (pl.col(key) > previous))
        same = same & (pl.col(key) == previous)
    return bool(frame.select((later | same).fill_null(True).all()).item())


def accumulate(table: pa.Table | pl.DataFrame, program_year: ProgramYear) -> Accumulated:
    """Order settlements within each person-year and compute year-to-date before and after each."""
    frame = as_frame(table).with_columns(counts_on=_counts_on(program_year.counts_by))
    frame = frame.with_columns(program_year=_program_year(program_year))
    if frame.height > 1 and not _in_kernel_order(frame):
        frame = frame.sort(ORDER)
    starts = (
        (pl.col("person_id") != pl.col("person_id").shift(1))
        | (pl.col("program_year") != pl.col("program_year").shift(1))
    ).fill_null(True)
    running = pl.col("base_fen").cum_sum()
    # Year-to-date after a row = the person-year's opening + its bases so far: the running total
    # minus the running total just before the person-year started, plus its opening accumulator.
    offset = pl.when(starts).then(running - pl.col("base_fen") - pl.col("opening_ytd_fen")).forward_fill()
    frame = frame.with_columns(ytd_after_fen=running - offset).with_columns(
        ytd_before_fen=pl.col("ytd_after_fen") - pl.col("base_fen")
    )
    return Accumulated(frame=frame, program_year=program_year)


@dataclass(frozen=True)
class ScheduleTable:
    """Every (version, group) schedule of a program as parallel arrays, indexed by schedule id."""

    versions: tuple[str, ...]
    hashes: tuple[str, ...]
    effective_days: np.ndarray
    deductible: np.ndarray
    cap: np.ndarray
    has_cap: np.ndarray
    lo: np.ndarray  # [band, schedule]
    hi: np.ndarray
    bp: np.ndarray
    tilt: tuple[str | None, ...]

    @property
    def band_count(self) -> int:
        return int(self.lo.shape[0])


def schedule_table(program: Program) -> ScheduleTable:
    schedules: list[BenefitSchedule] = []
    for version in program.versions:
        schedules.extend(resolve_schedule(version.parameters, group) for group in GROUPS)
    width = max(len(s.bands) for s in schedules)
    lo = np.zeros((width, len(schedules)), dtype=np.int64)
    hi = np.zeros_like(lo)
    bp = np.zeros_like(lo)
    for index, schedule in enumerate(schedules):
        for k, band in enumerate(schedule.bands):
            lo[k, index], hi[k, index], bp[k, index] = band.lo, band.hi, band.ratio_bp
    return ScheduleTable(
        versions=tuple(v.version for v in program.versions),
        hashes=tuple(program.parameter_hash(v) for v in program.versions),
        effective_days=np.array([(v.effective_from - _EPOCH).days for v in program.versions]),
        deductible=np.array([s.deductible for s in schedules], dtype=np.int64),
        cap=np.array([s.cap for s in schedules], dtype=np.int64),
        has_cap=np.array([s.cap < UNBOUNDED_FEN for s in schedules], dtype=bool),
        lo=lo,
        hi=hi,
        bp=bp,
        tilt=tuple(s.tilt.value if s.tilt else None for s in schedules),
    )


def _schedule_ids(frame: pl.DataFrame, program: Program, table: ScheduleTable) -> np.ndarray:
    days = frame["counts_on"].cast(pl.Int32).to_numpy()
    version_index = np.searchsorted(table.effective_days, days, side="right") - 1
    if (version_index < 0).any():
        early = frame.filter(pl.Series(version_index < 0))["settlement_id"].head(5).to_list()
        first = program.versions[0].effective_from
        raise InvalidInput(
            f"{program.code} 在这些结算计入的日期尚未生效（最早版本 {first}）：{', '.join(early)}",
            f"{program.code} is not in force on the date these settlements count on (from {first}): "
            f"{', '.join(early)}",
        )
    codes = {group.value: index for index, group in enumerate(GROUPS) if group is not None}
    group_index = frame["vulnerable_group"].replace_strict(codes, default=None, return_dtype=pl.Int64)
    unknown = group_index.is_null() & frame["vulnerable_group"].is_not_null()
    if unknown.any():
        bad = frame.filter(unknown)["vulnerable_group"].unique().head(5).to_list()
        raise InvalidInput(f"不认识的困难人员类别：{bad}", f"unknown vulnerable group codes: {bad}")
    return version_index * len(GROUPS) + group_index.fill_null(0).to_numpy()


def evaluate(accumulated: Accumulated, program: Program) -> pl.DataFrame:
    """Apply ``program``'s schedules to accumulated settlements: payouts and their explanation."""
    if program.program_year != accumulated.program_year:
        accumulated = accumulate(accumulated.frame, program.program_year)
    frame = accumulated.frame
    table = schedule_table(program)
    ids = _schedule_ids(frame, program, table)
    version_of = ids // len(GROUPS)

    def pick(values: np.ndarray) -> pl.Series:
        return pl.Series(values[ids])

    band_columns = {}
    for k in range(table.band_count):
        band_columns[f"_lo{k}"] = pick(table.lo[k])
        band_columns[f"_hi{k}"] = pick(table.hi[k])
        band_columns[f"band_{k + 1}_bp"] = pick(table.bp[k])

    def label(index: np.ndarray, labels: tuple[str | None, ...]) -> pl.Series:
        return pl.Series(index).replace_strict(dict(enumerate(labels)), return_dtype=pl.String)

    frame = frame.with_columns(
        version=label(version_of, table.versions),
        param_hash=label(version_of, table.hashes),
        tilt=label(ids, table.tilt),
        deductible_fen=pick(table.deductible),
        _cap=pick(table.cap),
        cap_fen=pl.when(pl.Series(table.has_cap[ids])).then(pick(table.cap)),
        **band_columns,
    )

    def portion(k: int, ytd: str) -> pl.Expr:
        return (pl.min_horizontal(pl.col(ytd), pl.col(f"_hi{k}")) - pl.col(f"_lo{k}")).clip(lower_bound=0)

    def gross(ytd: str) -> pl.Expr:
        return pl.sum_horizontal(
            [pl.col(f"band_{k + 1}_bp") * portion(k, ytd) for k in range(table.band_count)]
        )

    def deducted(ytd: str) -> pl.Expr:
        return pl.min_horizontal(pl.col(ytd), pl.col("deductible_fen")).clip(lower_bound=0)

    frame = frame.with_columns(
        _gross_before=gross("ytd_before_fen"),
        _gross_after=gross("ytd_after_fen"),
        deductible_applied_fen=deducted("ytd_after_fen") - deducted("ytd_before_fen"),
        **{
            f"band_{k + 1}_fen": portion(k, "ytd_after_fen") - portion(k, "ytd_before_fen")
            for k in range(table.band_count)
        },
    ).with_columns(
        _u_before=(pl.col("_gross_before") + _HALF) // BASIS_POINTS,
        _u_after=(pl.col("_gross_after") + _HALF) // BASIS_POINTS,
    )
    frame = frame.with_columns(
        gross_e4=pl.col("_gross_after") - pl.col("_gross_before"),
        payout_fen=pl.min_horizontal("_u_after", "_cap") - pl.min_horizontal("_u_before", "_cap"),
    ).with_columns(
        cap_cut_fen=pl.col("_u_after") - pl.col("_u_before") - pl.col("payout_fen"),
    )
    return frame.drop([name for name in frame.columns if name.startswith("_")])


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
