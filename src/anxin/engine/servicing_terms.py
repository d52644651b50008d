"""The frames of the daily servicing run: their schemas, the products as a small frame of terms, the
relief campaigns as column expressions, and the date and money expressions shared by the run.

Policies frame (one row per policy; :data:`POLICY_SCHEMA`), loans frame (one loan account per
policy; :data:`LOAN_SCHEMA`), events frame (one row per posting, or one row without accounts for an
event that moves no money; :data:`EVENT_SCHEMA`). Money is Int64 fen, dates are Date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from anxin.domain.errors import InvalidInput
from anxin.domain.life.interest import DAYS_PER_YEAR
from anxin.domain.life.products import PER_THOUSAND_FEN, LifeProduct, OnDebt
from anxin.domain.life.relief import ReliefCampaign
from anxin.domain.money import BASIS_POINTS

I64, D, S, B = pl.Int64, pl.Date, pl.String, pl.Boolean
c = pl.col

POLICY_SCHEMA: dict[str, pl.DataType] = {
    "policy_id": S, "product": S, "region": S, "sum_insured": I64, "premium": I64,
    "issue_date": D, "received_on": D, "apl": B, "status": S, "status_since": D,
    "premiums_paid": I64, "premium_credit": I64, "due_on": D, "cover_to": D, "suspended_on": D,
    "last_run_day": D,
}  # fmt: skip
LOAN_SCHEMA: dict[str, pl.DataType] = {
    "policy_id": S, "principal": I64, "start": D, "maturity": D, "rate_bp": I64, "interest": I64,
}  # fmt: skip
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "policy_id": S, "day": D, "event": S, "status_from": S, "status_to": S,
    "debit": S, "credit": S, "amount": I64,
}  # fmt: skip

TERM_SCHEMA: dict[str, pl.DataType] = {
    "product": S, "_months": I64, "_count": I64, "_grace": I64, "_window": I64, "_loan_rate": I64,
    "_loan_term": I64, "_terminate_on_debt": B, "_apl_allowed": B, "_cv_offset": I64, "_cv_len": I64,
    "_term_months": I64, "_maturity_per_thousand": I64,
}  # fmt: skip


def product_terms(products: Iterable[LifeProduct]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(terms: one row per product, cash values: one row per product-year keyed by ``_cv_key``).

    ``_term_months`` is null for whole life, ``_maturity_per_thousand`` null for a product paying no
    maturity benefit."""
    rows, keys, values = [], [], []
    for product in products:
        table = product.cash_value.per_thousand
        rows.append(
            {
                "product": product.code,
                "_months": product.premium.mode.months,
                "_count": product.premium_count,
                "_grace": product.grace.days,
                "_window": product.reinstatement.window_days,
                "_loan_rate": product.loan.annual_rate,
                "_loan_term": product.loan.term_days,
                "_terminate_on_debt": product.on_debt_reaching_cash_value is OnDebt.TERMINATE,
                "_apl_allowed": product.automatic_premium_loan,
                "_cv_offset": len(values),
                "_cv_len": len(table),
                # null: whole life (never expires); null: no maturity benefit (pure term)
                "_term_months": product.term_months,
                "_maturity_per_thousand": product.maturity.per_thousand if product.maturity else None,
            }
        )
        keys.extend(range(len(values), len(values) + len(table)))
        values.extend(table)
    terms = pl.DataFrame(rows, schema=TERM_SCHEMA)
    cash_values = pl.DataFrame(
        {"_cv_key": keys, "_cv_per_thousand": values}, schema={"_cv_key": I64, "_cv_per_thousand": I64}
    )
    return terms, cash_values


def relief_columns(campaigns: Iterable[ReliefCampaign], day: dt.date) -> list[pl.Expr]:
    """``_relief_grace`` (days, 0 when none) and ``_defer`` for each policy's region on ``day``."""
    grace: pl.Expr = pl.lit(0, I64)
    defer: pl.Expr = pl.lit(False)
    for campaign in campaigns:
        if not campaign.window.starts <= day <= campaign.window.ends:
            continue
        inside = pl.any_horizontal([pl.col("region").str.starts_with(p) for p in campaign.prefixes])
        if campaign.overrides.grace_days is not None:
            grace = (
                pl.when(inside)
                .then(pl.max_horizontal(grace, pl.lit(campaign.overrides.grace_days, I64)))
                .otherwise(grace)
            )
        if campaign.overrides.defer_loan_interest:
            defer = defer | inside
    return [grace.alias("_relief_grace"), defer.alias("_defer")]


def add_months(frame: pl.LazyFrame, date: str, months: pl.Expr, name: str) -> pl.LazyFrame:
    """Column ``name`` = ``date`` plus whole months, clamped to the end of a shorter month (as the
    domain's rule), by integer arithmetic in stages (each intermediate computed once), then the day
    number of the proleptic Gregorian date (H. Hinnant's ``days_from_civil``)."""
    t, y, m, d, e, ye = (f"_{name}_{part}" for part in ("t", "y", "m", "d", "e", "ye"))
    total = c(date).dt.year().cast(I64) * 12 + c(date).dt.month().cast(I64) - 1 + months
    return (
        frame.with_columns(total.alias(t))
        .with_columns((c(t) // 12).alias(y), (c(t) % 12 + 1).alias(m))
        .with_columns(
            pl.min_horizontal(c(date).dt.day().cast(I64), days_in_month(c(y), c(m))).alias(d),
            ((c(y) - (c(m) <= 2).cast(I64)) // 400).alias(e),
            (c(y) - (c(m) <= 2).cast(I64)).alias(ye),
        )
        .with_columns((c(ye) - c(e) * 400).alias(ye))
        .with_columns(
            (
                c(e) * 146_097
                + c(ye) * 365
                + c(ye) // 4
                - c(ye) // 100
                + (153 * ((c(m) + 9) % 12) + 2) // 5
                + c(d)
                - 1
                - 719_468
            )
            .cast(pl.Int32)
            .cast(pl.Date)
            .alias(name)
        )
        .drop(t, y, m, d, e, ye)
    )


def days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    leap = ((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))).cast(I64)
    return pl.when(month == 2).then(28 + leap).otherwise(30 + (month + month // 8) % 2)


def policy_year(issue: pl.Expr, day: pl.Expr) -> pl.Expr:
    before = (day.dt.month().cast(I64) * 100 + day.dt.day().cast(I64)) < (
        issue.dt.month().cast(I64) * 100 + issue.dt.day().cast(I64)
    )
    return day.dt.year().cast(I64) - issue.dt.year().cast(I64) - before.cast(I64) + 1


def round_half_up(numerator: pl.Expr, denominator: int | pl.Expr) -> pl.Expr:
    """Non-negative ``numerator / denominator`` rounded half up (the domain's one rule)."""
    return (numerator * 2 + denominator) // (denominator * 2)


def interest(principal: pl.Expr, rate_bp: pl.Expr, days: pl.Expr) -> pl.Expr:
    """Simple interest over the whole period, rounded once (``anxin.domain.life.interest``)."""
    raw = principal * rate_bp * days.clip(lower_bound=0)
    return pl.when(principal > 0).then(round_half_up(raw, BASIS_POINTS * DAYS_PER_YEAR)).otherwise(0)


def cash_value(sum_insured: pl.Expr, per_thousand: pl.Expr) -> pl.Expr:
    return round_half_up(sum_insured * per_thousand, PER_THOUSAND_FEN)


def days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(I64)


def check_schema(name: str, frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> None:
    """Refuse a frame missing a column of ``schema`` or holding one of another type, in both languages."""
    missing = [c for c in schema if c not in frame.columns]
    wrong = [c for c, t in schema.items() if c in frame.columns and frame.schema[c] != t]
    if missing or wrong:
        raise InvalidInput(
            f"{name} 缺少列 {missing} 或列类型不符 {wrong}",
            f"{name} lacks columns {missing} or has wrong types {wrong}",
            code="invalid_servicing_frame",
        )


def check_frames(policies: pl.DataFrame, loans: pl.DataFrame, terms: pl.DataFrame) -> None:
    """Refuse frames of the wrong shape or policies of unknown products, in both languages."""
    check_schema("policies", policies, POLICY_SCHEMA)
    check_schema("loans", loans, LOAN_SCHEMA)
    unknown = set(policies.get_column("product").unique().to_list()) - set(
        terms.get_column("product").to_list()
    )
    if unknown:
        raise InvalidInput(
            f"未知的产品代码：{sorted(unknown)}",
            f"unknown product codes: {sorted(unknown)}",
            code="unknown_product",
        )
