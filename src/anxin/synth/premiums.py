"""A synthetic premium collection file (银行代扣/转账结果) for a book of life policies and a range of
days, for demos, trials and tests.

``collection_frame(policies, products, first, last)`` → one row per premium collected: every policy
that pays (in force, in grace, in APL cover) and whose next unpaid premium falls due on or after
``first`` pays each of its premiums falling due up to ``last``, in order, on its due date by bank
debit — except a seeded share of non-payers (``unpaid_share``), chosen per policy so that a policy
that does not pay in one file does not pay in the next either. The first premium paid is the premium
less what an automatic premium loan already paid towards it. Columns are the file's Chinese headers:
保单号, 应交日, 交费金额 (yuan, two decimals), 交费日期, 渠道. The same arguments give the same rows
(the non-payers are drawn by Polars' seeded hash of the policy number).

``write_collection_file(…, path)`` writes it as CSV, XLSX or Parquet by the suffix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from anxin.domain.life.policy import PolicyStatus as St
from anxin.domain.life.products import LifeProduct
from anxin.engine import servicing_terms as t
from anxin.engine.premium_collection import add_due
from anxin.store.tabular import write_table

c = pl.col
I64 = pl.Int64
CHANNEL = "银行代扣"
_PAYING = [St.IN_FORCE.value, St.GRACE.value, St.APL_COVER.value]
#: Resolution of the non-payers' share (parts per million).
_PARTS = 1_000_000


def collection_frame(
    policies: pl.DataFrame,
    products: Iterable[LifeProduct],
    first: dt.date,
    last: dt.date,
    *,
    unpaid_share: float = 0.03,
    seed: int = 7,
) -> pl.DataFrame:
    terms, _ = t.product_terms(products)
    span = (last.year - first.year) * 12 + last.month - first.month + 2
    paying = (
        policies.filter(c("status").is_in(_PAYING))
        .filter(c("policy_id").hash(seed) % _PARTS >= round(unpaid_share * _PARTS))
        .join(terms.select("product", "_months", "_count"), on="product", how="left")
        .with_columns(_k=pl.int_ranges(0, pl.lit(span, I64)))
        .explode("_k")
        .with_columns(due=add_due(c("issue_date"), c("premiums_paid") + c("_k"), c("_months")))
        .with_columns(_next=c("due").first().over("policy_id", order_by="_k"))
        .filter((c("_next") >= first) & (c("due") <= last) & (c("premiums_paid") + c("_k") < c("_count")))
        .with_columns(amount=c("premium") - pl.when(c("_k") == 0).then(c("premium_credit")).otherwise(0))
        .sort("due", "policy_id", "_k")
    )
    return paying.select(
        保单号="policy_id",
        应交日="due",
        交费金额=pl.format("{}.{}", c("amount") // 100, (c("amount") % 100).cast(pl.String).str.zfill(2)),
        交费日期="due",
        渠道=pl.lit(CHANNEL),
    )


def write_collection_file(
    policies: pl.DataFrame,
    products: Iterable[LifeProduct],
    first: dt.date,
    last: dt.date,
    path: str | Path,
    *,
    unpaid_share: float = 0.03,
    seed: int = 7,
) -> Path:
    frame = collection_frame(policies, products, first, last, unpaid_share=unpaid_share, seed=seed)
    return write_table(frame, path)
