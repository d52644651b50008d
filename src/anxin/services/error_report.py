"""Rejected rows as a file a clerk can open: row, column, value, reason in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from anxin.domain.errors import InvalidRows
from anxin.store.tabular import write_table

COLUMNS_ZH = {"row": "行号", "column": "列", "value": "值", "reason_zh": "原因", "reason_en": "reason"}
SCHEMA = {
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
}


def problems_frame(problems: Iterable[Mapping[str, object]]) -> pl.DataFrame:
    """Problems (``row``, ``column``, ``value``, ``reason_zh``, ``reason_en``) under the report's
    Chinese headers."""
    return pl.DataFrame(list(problems), schema=SCHEMA).rename(COLUMNS_ZH)


def write_error_report(error: InvalidRows, path: str | Path) -> Path:
    return write_table(problems_frame(problem.as_dict() for problem in error.problems), path)
