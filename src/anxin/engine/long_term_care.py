"""The long-term care batch kernel: a month of care bills in (Arrow), each bill paid and explained out.

For every bill, with joins and column arithmetic only (no loop over rows):

1. **Version** in force on the first day of the care period; the provider (known? tier, authorised
   for the service?) and the version's terms for the service (at the hospital's tier).
2. **Days** of the care period by what they are, in this order: not enrolled; enrolled but before any
   assessment; the assessment in force has expired; its result does not qualify; eligible. The
   assessment in force on a day is the person's latest made on or before it (by the program's method).
3. **Covered days** = min(billed days, eligible days) — when a bill does not say which days of its
   period care was given, its days are taken to fall on eligible days first; unpaid days are put
   down to the reasons of step 2 in that order. A refused bill (unknown provider, service not
   authorised or not covered) covers none.
4. **Month limit**: within each person-month, bills in order of (care period start, bill id) are paid
   days until the month's length is reached, counting ``opening_paid_days`` paid earlier.
5. **Payout** (:mod:`anxin.domain.programs.long_term_care`): the cost of the paid days, × ratio,
   capped at paid days × daily cap; or paid days × the flat daily allowance.

See :mod:`anxin.engine.long_term_care_inputs` for the input columns.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pyarrow as pa

from anxin.domain.errors import InvalidInput
from anxin.domain.long_term_care import BILL_REASONS, DAY_REASONS, CareReason, ServiceType
from anxin.domain.money import BASIS_POINTS
from anxin.domain.programs.long_term_care import LongTermCareProgram
from anxin.engine.long_term_care_inputs import BILLS, Registers, Table, bills_frame, registers

__all__ = ["Registers", "compute", "compute_one", "evaluate", "registers"]

_EPOCH = dt.date(1970, 1, 1)
_FAR = 10**7  # a day number far beyond any real date (year 29,000)
_DAY_COLUMNS = ["days_not_enrolled", "days_no_assessment", "days_expired", "days_level_ineligible"]
_REASON_ENUM = pl.Enum([r.value for r in CareReason])
ORDER = ["person_id", "month", "period_from", "bill_id"]


def _day(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Int32)


def _round_half_up(numerator: pl.Expr, denominator: pl.Expr | int) -> pl.Expr:
    """Half up to a whole number, for non-negative numerators (the platform's one rounding rule)."""
    quotient = numerator // denominator
    return quotient + ((numerator - quotient * denominator) * 2 >= denominator).cast(pl.Int64)


def _versions(frame: pl.DataFrame, program: LongTermCareProgram) -> pl.Series:
    starts = np.array([(v.effective_from - _EPOCH).days for v in program.versions])
    index = np.searchsorted(starts, frame["period_from"].cast(pl.Int32).to_numpy(), side="right") - 1
    if (index < 0).any():
        early = frame.filter(pl.Series(index < 0))["bill_id"].head(5).to_list()
        first = program.versions[0].effective_from
        raise InvalidInput(
            f"{program.code} 在这些账单的护理期间尚未生效（最早版本 {first}）：{', '.join(early)}",
            f"{program.code} is not in force when these bills' care begins (from {first}): {', '.join(early)}",
        )
    return pl.Series("version_idx", index, dtype=pl.Int16)


def _terms(program: LongTermCareProgram) -> pl.DataFrame:
    rows = [
        {
            "version_idx": i,
            "service_type": t.service.value,
            "tier_key": t.tier or 0,
            "ratio_bp": t.ratio,
            "daily_cap_fen": t.daily_cap,
            "flat_daily_fen": t.flat_daily,
        }
        for i, version in enumerate(program.versions)
        for t in version.parameters.services
    ]
    schema = {
        "version_idx": pl.Int16,
        "service_type": pl.String,
        "tier_key": pl.Int8,
        "ratio_bp": pl.Int32,
        "daily_cap_fen": pl.Int64,
        "flat_daily_fen": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)


def _segments(assessments: pl.DataFrame, program: LongTermCareProgram, versions: list[int]) -> pl.DataFrame:
    """Each assessment's days under each version in use: valid (qualifying or not) and expired.

    An assessment is in force from its date to the day before the person's next one; within that, it
    is valid through ``assessed_on + months − 1 day``, expired after."""
    parts = []
    for index in versions:
        rules = program.versions[index].parameters.assessment
        own = assessments.filter(pl.col("method") == rules.method.value)
        until = pl.col("assessed_on").dt.offset_by(f"{rules.valid_for}mo").cast(pl.Int32) - 1
        # rows run by person and date: the next row of the same person is the next assessment
        same_person = pl.col("person_id") == pl.col("person_id").shift(-1)
        in_force_to = pl.when(same_person).then(_day("assessed_on").shift(-1) - 1).otherwise(_FAR)
        own = own.select(
            "person_id",
            version_idx=pl.lit(index, pl.Int16),
            seg_from=_day("assessed_on"),
            valid_to=pl.min_horizontal(until, in_force_to),
            in_force_to=in_force_to,
            qualifies=pl.col("level").is_in(sorted(rules.eligible_levels())),
        )
        valid = own.select(
            "person_id",
            "version_idx",
            "seg_from",
            seg_to="valid_to",
            category=pl.when("qualifies").then(pl.lit(0, pl.Int8)).otherwise(pl.lit(1, pl.Int8)),
        )
        expired = own.select(
            "person_id",
            "version_idx",
            seg_from=pl.col("valid_to") + 1,
            seg_to="in_force_to",
            category=pl.lit(2, pl.Int8),
        )
        parts += [valid, expired]
    if not parts:
        schema = {"person_id": pl.String, "version_idx": pl.Int16, "seg_from": pl.Int32, "seg_to": pl.Int32}
        return pl.DataFrame(schema={**schema, "category": pl.Int8})
    return pl.concat(parts).filter(pl.col("seg_from") <= pl.col("seg_to"))


def _own(register: pl.DataFrame, bills: pl.DataFrame) -> pl.DataFrame:
    """The register's rows of the persons billed (a city's register is far longer than a month's bills)."""
    return register.filter(pl.col("person_id").is_in(bills["person_id"].unique().implode()))


def _day_counts(frame: pl.DataFrame, reg: Registers, program: LongTermCareProgram) -> pl.DataFrame:
    """Per bill: days of its period enrolled, and enrolled days by assessment category."""
    spans = frame.select(
        "bill_id", "person_id", "version_idx", span_from=_day("period_from"), span_to=_day("period_to")
    )
    pieces = (
        spans.join(_own(reg.enrolments, spans), on="person_id", how="inner")
        .select(
            "bill_id",
            "person_id",
            "version_idx",
            s=pl.max_horizontal("span_from", _day("enrolled_from")),
            t=pl.min_horizontal("span_to", _day("enrolled_to").fill_null(_FAR)),
        )
        .filter(pl.col("s") <= pl.col("t"))
    )
    enrolled = pieces.group_by("bill_id").agg(days_enrolled=(pl.col("t") - pl.col("s") + 1).sum())
    segments = _segments(_own(reg.assessments, spans), program, frame["version_idx"].unique().to_list())
    overlap = (pl.min_horizontal("t", "seg_to") - pl.max_horizontal("s", "seg_from") + 1).clip(lower_bound=0)
    by_category = (
        pieces.join(segments, on=["person_id", "version_idx"], how="inner")
        .with_columns(overlap=overlap)
        .group_by("bill_id")
        .agg(
            days_eligible_in_period=pl.col("overlap").filter(pl.col("category") == 0).sum(),
            days_level_ineligible=pl.col("overlap").filter(pl.col("category") == 1).sum(),
            days_expired=pl.col("overlap").filter(pl.col("category") == 2).sum(),
        )
    )
    counts = enrolled.join(by_category, on="bill_id", how="left")
    return frame.join(counts, on="bill_id", how="left").with_columns(
        pl.col("days_enrolled", "days_eligible_in_period", "days_level_ineligible", "days_expired")
        .fill_null(0)
        .cast(pl.Int32)
    )


def _assessment_in_force(frame: pl.DataFrame, reg: Registers, program: LongTermCareProgram) -> pl.DataFrame:
    """The assessment in force on each bill's last day of care, with its validity dates."""
    parts = []
    for index in frame["version_idx"].unique().sort().to_list():
        rules = program.versions[index].parameters.assessment
        own = reg.assessments.filter(pl.col("method") == rules.method.value).select(
            "person_id", "assessed_on", "level"
        )
        bills = frame.filter(pl.col("version_idx") == index).sort("period_to")
        joined = bills.join_asof(
            own.sort("assessed_on"),
            left_on="period_to",
            right_on="assessed_on",
            by="person_id",
            strategy="backward",
            check_sortedness=False,
        )
        reassess = pl.col("assessed_on").dt.offset_by(f"{rules.valid_for}mo")
        parts.append(
            joined.with_columns(
                assessment_method=pl.lit(rules.method.value),
                reassess_on=reassess,
                valid_until=reassess - pl.duration(days=1),
            )
        )
    if not parts:
        nothing = {"assessed_on": pl.Date, "level": pl.Int8, "assessment_method": pl.String}
        dates = {"reassess_on": pl.Date, "valid_until": pl.Date}
        return frame.with_columns(
            pl.lit(None, kind).alias(name) for name, kind in {**nothing, **dates}.items()
        )
    return pl.concat(parts, how="vertical_relaxed")


def _attribute(frame: pl.DataFrame) -> pl.DataFrame:
    """Covered days, and the unpaid days put down to each reason in the order of ``DAY_REASONS``."""
    refused = pl.col("bill_reason").is_not_null()
    frame = frame.with_columns(
        days_not_enrolled_in_period=pl.col("period_days") - pl.col("days_enrolled"),
        days_no_assessment_in_period=pl.col("days_enrolled")
        - pl.col("days_eligible_in_period")
        - pl.col("days_level_ineligible")
        - pl.col("days_expired"),
        days_covered=pl.when(refused)
        .then(0)
        .otherwise(pl.min_horizontal("days", "days_eligible_in_period"))
        .cast(pl.Int32),
        days_refused=pl.when(refused).then(pl.col("days")).otherwise(0).cast(pl.Int32),
    )
    left = pl.when(refused).then(0).otherwise(pl.col("days") - pl.col("days_covered"))
    in_period = {
        "days_not_enrolled": "days_not_enrolled_in_period",
        "days_no_assessment": "days_no_assessment_in_period",
        "days_expired": "days_expired",
        "days_level_ineligible": "days_level_ineligible",
    }
    frame = frame.with_columns(_left=left)
    for name in _DAY_COLUMNS:
        share = pl.min_horizontal("_left", in_period[name]).cast(pl.Int32)
        frame = frame.with_columns(share.alias(name)).with_columns(_left=pl.col("_left") - pl.col(name))
    return frame.drop("_left", "days_not_enrolled_in_period", "days_no_assessment_in_period")


def _pay(frame: pl.DataFrame) -> pl.DataFrame:
    # In (person, month, …) order, the days covered before a row within its person-month: the running
    # total less the running total where the person-month starts, plus its opening paid days.
    frame = frame.sort(ORDER)
    starts = (
        (pl.col("person_id") != pl.col("person_id").shift(1)) | (pl.col("month") != pl.col("month").shift(1))
    ).fill_null(True)
    running = pl.col("days_covered").cast(pl.Int64).cum_sum() - pl.col("days_covered")
    base = pl.when(starts).then(running - pl.col("opening_paid_days")).forward_fill()
    frame = frame.with_columns(paid_before=(running - base).cast(pl.Int32))
    paid = pl.min_horizontal(
        "days_covered", (pl.col("month_days") - pl.col("paid_before")).clip(lower_bound=0)
    )
    frame = frame.with_columns(paid_days=paid.cast(pl.Int32)).with_columns(
        days_over_month=pl.col("days_covered") - pl.col("paid_days")
    )
    paid, days, cost = pl.col("paid_days").cast(pl.Int64), pl.col("days").cast(pl.Int64), pl.col("cost_fen")
    considered = pl.when(paid == days).then(cost).otherwise(_round_half_up(cost * paid, days))
    frame = frame.with_columns(
        cost_considered_fen=pl.when(pl.col("ratio_bp").is_not_null()).then(considered),
    ).with_columns(
        ratio_amount_fen=_round_half_up(pl.col("cost_considered_fen") * pl.col("ratio_bp"), BASIS_POINTS),
        cap_amount_fen=paid * pl.col("daily_cap_fen"),
        flat_amount_fen=paid * pl.col("flat_daily_fen"),
    )
    ratio_lower = pl.col("ratio_amount_fen") <= pl.col("cap_amount_fen")
    payout = (
        pl.when(pl.col("flat_daily_fen").is_not_null())
        .then(pl.col("flat_amount_fen"))
        .when(pl.col("ratio_bp").is_not_null())
        .then(pl.min_horizontal("ratio_amount_fen", "cap_amount_fen"))
        .otherwise(0)
    )
    limited_by = (
        pl.when(pl.col("flat_daily_fen").is_not_null())
        .then(pl.lit("flat"))
        .when(pl.col("ratio_bp").is_null() | (pl.col("paid_days") == 0))
        .then(None)
        .when(ratio_lower)
        .then(pl.lit("ratio"))
        .otherwise(pl.lit("cap"))
    )
    reason = pl.coalesce(
        pl.col("bill_reason"),
        *(
            pl.when(pl.col(n) > 0).then(pl.lit(r.value))
            for n, r in zip(_DAY_COLUMNS, DAY_REASONS, strict=True)
        ),
        pl.when(pl.col("days_over_month") > 0).then(pl.lit(CareReason.MONTH_DAYS_EXCEEDED.value)),
    )
    return frame.with_columns(
        payout_fen=payout.cast(pl.Int64),
        limited_by=limited_by.cast(pl.Enum(["ratio", "cap", "flat"])),
        reason=reason.cast(_REASON_ENUM),
    )


def evaluate(bills: Table, reg: Registers, program: LongTermCareProgram) -> pl.DataFrame:
    """Every bill with its payout and explanation columns, in (person, month, period, bill) order."""
    frame = bills_frame(bills)
    input_columns = frame.columns
    frame = frame.with_columns(_versions(frame, program))
    frame = frame.join(reg.providers.with_columns(_known=pl.lit(True)), on="provider_code", how="left")
    frame = frame.join(
        reg.authorised.with_columns(_authorised=pl.lit(True)),
        on=["provider_code", "service_type"],
        how="left",
    )
    tiered = pl.col("service_type") == ServiceType.HOSPITAL_SPECIAL_CARE.value
    frame = frame.with_columns(
        tier_key=pl.when(tiered).then(pl.col("tier").fill_null(0)).otherwise(0).cast(pl.Int8)
    )
    frame = frame.join(_terms(program), on=["version_idx", "service_type", "tier_key"], how="left")
    covered = pl.col("ratio_bp").is_not_null() | pl.col("flat_daily_fen").is_not_null()
    bill_reason = (
        pl.when(pl.col("_known").is_null())
        .then(pl.lit(BILL_REASONS[0].value))
        .when(pl.col("_authorised").is_null())
        .then(pl.lit(BILL_REASONS[1].value))
        .when(~covered)
        .then(pl.lit(BILL_REASONS[2].value))
    )
    frame = frame.with_columns(bill_reason=bill_reason)
    frame = _day_counts(frame, reg, program)
    frame = _assessment_in_force(frame, reg, program)
    frame = _pay(_attribute(frame))
    versions = pl.Series([v.version for v in program.versions])
    hashes = pl.Series([program.parameter_hash(v) for v in program.versions])
    frame = frame.with_columns(
        program=pl.lit(program.code),
        version=versions.gather(frame["version_idx"]),
        param_hash=hashes.gather(frame["version_idx"]),
        provider_tier=pl.col("tier"),
        days_eligible=pl.col("days_covered"),
    )
    computed = [
        "program", "version", "param_hash", "month_days", "period_from", "period_to", "period_days",
        "provider_name", "provider_tier", "assessment_method", "assessed_on", "level", "valid_until",
        "reassess_on", *_DAY_COLUMNS, "days_refused", "days_eligible", "paid_before", "days_over_month",
        "paid_days", "ratio_bp", "daily_cap_fen", "flat_daily_fen", "cost_considered_fen",
        "ratio_amount_fen", "cap_amount_fen", "flat_amount_fen", "payout_fen", "limited_by", "reason",
    ]  # fmt: skip
    kept = [c for c in input_columns if c not in computed]
    return frame.sort(ORDER).select(*kept, *computed)


def compute(bills: Table, reg: Registers, program: LongTermCareProgram) -> pa.Table:
    """The kernel contract in one call: Arrow bills in, Arrow bills with payouts and explanations out."""
    return evaluate(bills, reg, program).to_arrow()


def compute_one(
    bill: dict[str, object], reg: Registers, program: LongTermCareProgram, *, opening_paid_days: int = 0
) -> dict[str, object]:
    """One bill through the same kernel, carrying the days already paid to the person that month."""
    schema = {**BILLS, "service_from": pl.Date, "service_to": pl.Date, "opening_paid_days": pl.Int32}
    row = {name: [bill.get(name)] for name in schema}
    row["opening_paid_days"] = [opening_paid_days]
    frame = pl.DataFrame(row, schema=schema)
    return evaluate(frame, reg, program).row(0, named=True)
