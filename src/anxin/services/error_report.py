"""Rejected rows as a file a clerk can open: row, column, value, reason in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidRows
from anxin.store.tabular import write_table

COLUMNS_ZH = {"row": "行号", "column": "列", "value": "值", "reason_zh": "原因", "reason_en": "reason"}


def write_error_report(error: InvalidRows, path: str | Path) -> Path:
    frame = pl.DataFrame(
        [problem.as_dict() for problem in error.problems],
        schema={
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason_zh": pl.String,
            "reason_en": pl.String,
        },
    )
    return write_table(frame.rename(COLUMNS_ZH), path)
