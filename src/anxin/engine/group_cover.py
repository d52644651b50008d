"""Column expressions shared by the group-cover kernels: input checks, the version of each row,
ages, capped running totals within a person's policy year, and version labels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.programs import Program
from anxin.domain.programs.group_terms import Age, Eligibility

_EPOCH = dt.date(1970, 1, 1)
#: "No limit" in fen or days: far above any real amount, and safe to add to one in int64.
UNBOUNDED = 10**15


def as_frame(
    table: object, required: dict[str, pl.DataType], optional: dict[str, tuple[pl.DataType, object]]
) -> pl.DataFrame:
    """Arrow or Polars in; the required columns checked and cast; missing optional ones added."""
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)  # type: ignore[arg-type]
    assert isinstance(frame, pl.DataFrame)
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise InvalidInput(
            f"计算内核缺少列：{', '.join(missing)}", f"kernel input lacks columns: {', '.join(missing)}"
        )
    casts = [pl.col(name).cast(kind) for name, kind in required.items() if frame.schema[name] != kind]
    for name, (kind, default) in optional.items():
        if name not in frame.columns:
            casts.append(pl.lit(default, kind).alias(name))
        elif frame.schema[name] != kind:
            casts.append(pl.col(name).cast(kind))
    return frame.with_columns(casts) if casts else frame


def refuse_rows(frame: pl.DataFrame, bad: pl.Expr, id_column: str, what_zh: str, what_en: str) -> None:
    """Raise :class:`InvalidInput` naming up to five rows where ``bad`` holds."""
    found = frame.filter(bad.fill_null(False))
    if found.height:
        ids = ", ".join(found[id_column].head(5).cast(pl.String).to_list())
        raise InvalidInput(f"{what_zh}：{ids}", f"{what_en}: {ids}")


def version_index(frame: pl.DataFrame, program: Program, day_column: str, id_column: str) -> pl.Series:
    """The version in force on each row's ``day_column`` (the first day of cover)."""
    starts = np.array([(v.effective_from - _EPOCH).days for v in program.versions])
    days = frame[day_column].cast(pl.Int32).to_numpy()
    index = np.searchsorted(starts, days, side="right") - 1
    if (index < 0).any():
        early = frame.filter(pl.Series(index < 0))[id_column].head(5).to_list()
        first = program.versions[0].effective_from
        raise InvalidInput(
            f"{program.code} 在这些理赔的保险期间开始日尚未生效（最早版本 {first}）：{', '.join(early)}",
            f"{program.code} is not in force on the first day of cover of these claims (from {first}): {', '.join(early)}",
        )
    return pl.Series("_v", index, dtype=pl.Int32)


def age_in_years(born: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Completed years on ``day`` (as :func:`anxin.domain.group_cover.age_in_years`)."""
    month_day = lambda d: d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)  # noqa: E731
    before_birthday = month_day(day) < month_day(born)
    return (
        day.dt.year().cast(pl.Int64) - born.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)
    ).alias("age")


def age_in_days(born: pl.Expr, day: pl.Expr) -> pl.Expr:
    return (day - born).dt.total_days().cast(pl.Int64)


def age_terms(eligibility: Eligibility) -> dict[str, int | bool | None]:
    """An eligibility rule as per-version columns: bounds in years or days (null: none)."""

    def split(age: Age | None) -> tuple[int | None, int | None]:
        if age is None:
            return None, None
        return (None, age.count) if age.in_days else (age.count, None)

    min_y, min_d = split(eligibility.min_age)
    max_y, max_d = split(eligibility.max_age)
    return {
        "_min_y": min_y,
        "_min_d": min_d,
        "_max_y": max_y,
        "_max_d": max_d,
        "_ages_on_cover": eligibility.ages_on.value == "cover_start",
    }


def age_covered(years: pl.Expr, days: pl.Expr) -> pl.Expr:
    """Within the version's age bounds (``age_terms`` columns)."""
    c = pl.col
    return (
        (c("_min_y").is_null() | (years >= c("_min_y")))
        & (c("_min_d").is_null() | (days >= c("_min_d")))
        & (c("_max_y").is_null() | (years <= c("_max_y")))
        & (c("_max_d").is_null() | (days <= c("_max_d")))
    )


def terms_frame(rows: list[dict[str, object]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """One row of terms per version, joined to the claims on ``_v``."""
    return pl.DataFrame(rows, schema={"_v": pl.Int32, **schema})


def group_starts(keys: list[str]) -> pl.Expr:
    """True on the first row of each group of a frame sorted by ``keys``."""
    changed = [pl.col(key) != pl.col(key).shift(1) for key in keys]
    return pl.any_horizontal(changed).fill_null(True)


def running_total(amount: pl.Expr, starts: pl.Expr) -> pl.Expr:
    """Σ ``amount`` from the first row of the row's group up to and with the row, for a sorted frame:
    one cumulative sum, less its value just before the group started (no per-group work)."""
    total = amount.cum_sum()
    return total - pl.when(starts).then(total - amount).forward_fill()


def capped_running(
    amount: pl.Expr, opening: pl.Expr, limit: pl.Expr, starts: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """What each row pays of ``amount`` under a yearly ``limit`` (UNBOUNDED for none), in row order
    within each person-year (``starts`` marks their first rows), after ``opening`` already paid; and
    the amount used before the row.

    paid = min(R, Σ up to and with the row) − min(R, Σ before it), R = max(limit − opening, 0).
    """
    running = running_total(amount, starts)
    before = running - amount
    room = pl.max_horizontal(limit - opening, pl.lit(0, pl.Int64))
    paid = pl.min_horizontal(room, running) - pl.min_horizontal(room, before)
    used = opening + pl.min_horizontal(room, before)
    return paid, used


def labels(index: pl.Series, values: tuple[str, ...], name: str) -> pl.Series:
    """Per-row labels (version, parameter hash) as an Enum column: each text stored once."""
    categories = sorted(set(values))
    return pl.Series(name, values, dtype=pl.Enum(categories)).gather(index)
