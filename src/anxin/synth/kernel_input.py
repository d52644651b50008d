"""Synthetic settlements as the critical-illness kernel's input columns (for benchmarks and tests)."""

from __future__ import annotations

import polars as pl


def as_kernel_input(settlements: pl.DataFrame) -> pl.DataFrame:
    """``psn_no``, ``setl_id``, dates, and the owed eligible cost ``inscp_scp_amt − hifp_pay`` in fen.

    The money columns are exact decimals, so the fen amount is exact too.
    """
    return settlements.select(
        person_id=pl.col("psn_no"),
        settlement_id=pl.col("setl_id"),
        admitted_on=pl.col("begndate"),
        discharged_on=pl.col("enddate"),
        settled_at=pl.col("setl_time"),
        base_fen=((pl.col("inscp_scp_amt") - pl.col("hifp_pay")) * 100).cast(pl.Int64),
        vulnerable_group=pl.col("psn_idet_type"),
    )
