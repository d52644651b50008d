"""A deterministic synthetic book of life policies (and their loans) for tests, benchmarks and demos.

``life_book(n, seed, as_of, products)`` → (policies, loans) frames in the servicing run's schemas
(:mod:`anxin.engine.servicing_terms`), ready for :func:`anxin.engine.servicing.run_day` on ``as_of``.
Policies are issued over the twelve years before ``as_of`` (a term product's within its term, so
none has expired), premiums paid to date; about 5 % stopped paying (in grace, or suspended when the
grace is long past), about 8 % carry a loan of up to the permitted amount, 40 % opted in to
automatic premium loans. Regions mix Henan (``41``, the shipped relief campaign's province) with
other provinces. The same arguments always give the same book.

``write_policies_file(policies, loans, persons, path)`` writes such a book as the policies file an
office imports (Chinese headers, amounts in yuan), its policyholders and insured drawn from the
given persons (personnel numbers of the synthetic province's residents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.engine import servicing_terms as t
from anxin.engine.servicing_terms import LOAN_SCHEMA, POLICY_SCHEMA
from anxin.store.tabular import write_table

REGIONS = ("410102", "410302", "411302", "370202", "370102", "110101", "440106", "510104", "420102", "330106")
_SUMS_YUAN = np.array([50_000, 100_000, 200_000, 300_000, 500_000, 1_000_000], dtype=np.int64)
c = pl.col


def life_book(
    n: int, *, seed: int = 7, as_of: dt.date = dt.date(2026, 1, 1), products: Sequence[LifeProduct]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    epoch = np.datetime64(as_of, "D")
    age = rng.integers(1, 12 * 365, n)
    chosen = rng.integers(0, len(products), n)
    # a term product's policy is issued within its term (its expiry after ``as_of``): fewer than
    # 365 × term − 1 days ago, since the term's last anniversary is at least that many days away
    longest = np.array([365 * p.term_years - 2 if p.term_years else 12 * 365 for p in products])[chosen]
    issue = epoch - np.where(age > longest, (age - 1) % longest + 1, age).astype("timedelta64[D]")
    frame = pl.DataFrame(
        {
            "_i": np.arange(n, dtype=np.int64),
            "product": np.array([p.code for p in products])[chosen],
            "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
            "sum_insured": _SUMS_YUAN[rng.integers(0, len(_SUMS_YUAN), n)] * 100,
            "issue_date": issue,
            "received_on": issue + rng.integers(1, 11, n).astype("timedelta64[D]"),
            "apl": rng.random(n) < 0.4,
            "_lapse": rng.random(n) < 0.05,
            "_loan": rng.random(n) < 0.08,
            "_loan_share": rng.random(n),
            "_loan_age": rng.integers(0, 180, n),
        }
    ).with_columns(c("issue_date", "received_on").cast(pl.Date))
    terms, cash_values = t.product_terms(products)
    ppt = pl.DataFrame(
        {"product": [p.code for p in products], "_ppt": [p.premium.per_thousand for p in products]},
        schema={"product": pl.String, "_ppt": pl.Int64},
    )
    today = pl.lit(as_of, pl.Date)
    months = (
        (today.dt.year().cast(pl.Int64) - c("issue_date").dt.year().cast(pl.Int64)) * 12
        + today.dt.month().cast(pl.Int64)
        - c("issue_date").dt.month().cast(pl.Int64)
        - (today.dt.day() < c("issue_date").dt.day()).cast(pl.Int64)
    )
    book = (
        frame.join(terms, on="product", how="left", maintain_order="left")
        .join(ppt, on="product", how="left", maintain_order="left")
        .with_columns(
            premium=t.round_half_up(c("sum_insured") * c("_ppt"), 100_000),
            _paid=pl.min_horizontal(months // c("_months") + 1, c("_count")),
        )
        .with_columns(
            premiums_paid=pl.when(c("_lapse") & (c("_paid") >= 2)).then(c("_paid") - 1).otherwise(c("_paid"))
        )
        .pipe(
            lambda f: t.add_months(
                f.lazy(), "issue_date", c("premiums_paid") * c("_months"), "_paid_to"
            ).collect()
        )
        .with_columns(_owing=(c("premiums_paid") < c("_count")) & (c("_paid_to") <= today))
        .with_columns(_suspended_on=c("_paid_to") + pl.duration(days=c("_grace") + 1))
        .with_columns(
            _status=pl.when(~c("_owing"))
            .then(pl.lit(PolicyStatus.IN_FORCE.value))
            .when(c("_suspended_on") < today)
            .then(pl.lit(PolicyStatus.SUSPENDED.value))
            .otherwise(pl.lit(PolicyStatus.GRACE.value)),
        )
    )
    policies = book.select(
        policy_id=pl.lit("L") + c("_i").cast(pl.String).str.zfill(9),
        product="product",
        region="region",
        sum_insured="sum_insured",
        premium="premium",
        issue_date="issue_date",
        received_on="received_on",
        apl="apl",
        status="_status",
        status_since=pl.when(c("_status") == PolicyStatus.SUSPENDED).then(c("_suspended_on"))
        .when(c("_status") == PolicyStatus.GRACE).then(c("_paid_to")).otherwise(c("issue_date")),
        premiums_paid="premiums_paid",
        premium_credit=pl.lit(0, pl.Int64),
        due_on=pl.when(c("_owing")).then(c("_paid_to")),
        cover_to=pl.lit(None, pl.Date),
        suspended_on=pl.when(c("_status") == PolicyStatus.SUSPENDED).then(c("_suspended_on")),
        last_run_day=pl.lit(as_of - dt.timedelta(days=1), pl.Date),
    ).cast(POLICY_SCHEMA)  # type: ignore[arg-type]  # fmt: skip
    return policies, _loans(book, policies, terms, cash_values, as_of)


def _loans(
    book: pl.DataFrame, policies: pl.DataFrame, terms: pl.DataFrame, cash_values: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    """Loans of up to 60 % of the ratio limit, started within the last term (before ``as_of``)."""
    start = pl.lit(as_of, pl.Date) - pl.duration(days=c("_loan_age") + 1)
    loans = (
        book.with_columns(policy_id=policies.get_column("policy_id"), _start=start)
        .filter(c("_loan") & (policies.get_column("status") == PolicyStatus.IN_FORCE.value))
        .with_columns(
            _cv_key=c("_cv_offset") + t.policy_year(c("issue_date"), c("_start")).clip(1, c("_cv_len")) - 1
        )
        .join(cash_values, on="_cv_key", how="left", maintain_order="left")
        .with_columns(_limit=t.cash_value(c("sum_insured"), c("_cv_per_thousand")) * 8 // 10)
        .select(
            "policy_id",
            principal=(c("_limit") * c("_loan_share") * 0.6).cast(pl.Int64),
            start="_start",
            maturity=c("_start") + pl.duration(days=c("_loan_term")),
            rate_bp="_loan_rate",
            interest=pl.lit(0, pl.Int64),
        )
        .filter(c("principal") > 0)
    )
    return loans.cast(LOAN_SCHEMA)  # type: ignore[arg-type]


def _yuan(fen: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.String).str.zfill(2))


def write_policies_file(
    policies: pl.DataFrame, loans: pl.DataFrame, persons: Sequence[str], path: str | Path, *, seed: int = 7
) -> Path:
    """The book as a policies file (CSV, XLSX or Parquet by the suffix) for ``persons`` (personnel
    numbers): each policy's holder drawn from them, the insured the holder for 70 % of policies, else
    another person; agent codes ``AG001``–``AG050``. The same arguments give the same bytes."""
    rng = np.random.default_rng([seed, policies.height])
    people = np.array(list(persons))
    holder = people[rng.integers(0, len(people), policies.height)]
    other = people[rng.integers(0, len(people), policies.height)]
    insured = np.where(rng.random(policies.height) < 0.7, holder, other)
    agents = np.char.add("AG", np.char.zfill(rng.integers(1, 51, policies.height).astype(str), 3))
    book = policies.with_columns(
        _holder=pl.Series(holder, dtype=pl.String), _insured=pl.Series(insured, dtype=pl.String),
        _agent=pl.Series(agents, dtype=pl.String),
    ).join(loans, on="policy_id", how="left", maintain_order="left")  # fmt: skip
    loan = c("principal").is_not_null()
    frame = book.select(
        保单号="policy_id", 产品代码="product", 投保人编号="_holder", 被保险人编号="_insured", 业务员代码="_agent",
        行政区划="region", 基本保险金额=_yuan(c("sum_insured")), 生效日期="issue_date", 回执签收日期="received_on",
        自动垫交=pl.when(c("apl")).then(pl.lit("是")).otherwise(pl.lit("否")), 保单状态="status",
        状态起始日期="status_since", 已交期数="premiums_paid", 垫交已抵保费=_yuan(c("premium_credit")),
        应交日期="due_on", 垫交保障止期="cover_to", 中止日期="suspended_on", 上次日批日期="last_run_day",
        借款本金=pl.when(loan).then(_yuan(c("principal"))), 借款起息日="start", 借款到期日="maturity",
        借款年利率=pl.when(loan).then(pl.format("{}.{}%", c("rate_bp") // 100, (c("rate_bp") % 100).cast(pl.String).str.zfill(2))),
        借款应计利息=pl.when(loan).then(_yuan(c("interest"))),
    )  # fmt: skip
    return write_table(frame, path)
