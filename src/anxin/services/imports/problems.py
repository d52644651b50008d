"""Rejected cells gathered from vectorized checks, with values made safe to show and to store.

A check selects its bad rows at once (a filtered frame carrying ``source_row``); only the first
:data:`PROBLEM_LIMIT` problems become :class:`RowProblem` objects, all are counted. Values of
sensitive columns pass through a sanitizer first: ID numbers and phones masked, names reduced to
their first character, addresses left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from anxin.domain.errors import InvalidRows, RowProblem
from anxin.domain.identity import mask
from anxin.services.settlement_files import PROBLEM_LIMIT

Sanitizer = Callable[[str], str]


def masked(value: str) -> str:
    return mask(value)


def masked_if_id(value: str) -> str:
    """Masked when shaped like an ID number (15 or 18 characters), else as it is."""
    return mask(value) if re.fullmatch(r"\d{17}[\dXx]|\d{15}", value) else value


def name_hint(value: str) -> str:
    """``张三丰`` → ``张**``: enough to find the row, not enough to expose the person."""
    return value[:1] + "*" * (len(value) - 1) if value else ""


def hidden(_value: str) -> str:
    return ""


def yuan_text(fen: pl.Expr) -> pl.Expr:
    """Fen as yuan text with two decimals (``-12345`` → ``"-123.45"``), for showing amounts."""
    whole = fen.abs()
    sign = pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.format("{}{}.{}", sign, whole // 100, (whole % 100).cast(pl.String).str.zfill(2))


class Problems:
    """Problems found so far in one file: the first :data:`PROBLEM_LIMIT` listed, all counted."""

    def __init__(self) -> None:
        self.listed: list[RowProblem] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(
        self,
        bad: pl.DataFrame,
        header: str,
        zh: str,
        en: str,
        *,
        value: str | None = None,
        sanitize: Sanitizer | None = None,
    ) -> None:
        """Record ``bad`` rows (a frame with ``source_row``); ``value`` names the column to show."""
        self.total += bad.height
        room = PROBLEM_LIMIT - len(self.listed)
        if room <= 0 or bad.height == 0:
            return
        head = bad.head(room)
        shown: list[object] = (
            head[value].cast(pl.String).to_list() if value is not None else [""] * head.height
        )
        for row, cell in zip(head["source_row"].to_list(), shown, strict=True):
            text = "" if cell is None else str(cell)
            if sanitize is not None:
                text = sanitize(text)
            self.listed.append(RowProblem(int(row), header, text[:40], zh, en))

    def extend(self, error: InvalidRows) -> None:
        self.listed.extend(error.problems[: max(PROBLEM_LIMIT - len(self.listed), 0)])
        self.total += error.total

    def error(self, source: str) -> InvalidRows | None:
        """The problems as the error a caller sees, or ``None`` when there are none."""
        if not self.total:
            return None
        listed = sorted(self.listed, key=lambda p: (p.row, p.column))
        return InvalidRows(source, listed, self.total)
