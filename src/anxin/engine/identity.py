"""Resident ID checks as column expressions, for validating millions of rows at once.

The same rule as :func:`anxin.domain.identity.check_character` (GB 11643-1999); tests hold the two
to agreement with ``python-stdnum`` on many numbers.

The check works on the column's bytes: an 18-character number is 18 ASCII bytes, so the valid
candidates form an ``n × 18`` array of digits, weighed and checked in a few NumPy operations
(about 40 times faster than slicing the text 17 times).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_LENGTH = 18
_ZERO, _X = ord("0"), ord("X")
_MONTH_DAYS = np.array((0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), dtype=np.int64)


def resident_id_is_valid(number: pl.Expr) -> pl.Expr:
    """True where ``number`` is 18 characters, 17 digits, a real birth date and the right check char."""
    return number.map_batches(_valid, return_dtype=pl.Boolean)


def _valid(numbers: pl.Series) -> pl.Series:
    column = numbers.to_arrow(compat_level=pl.CompatLevel.oldest())  # large_string: offsets + bytes
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    flags = np.zeros(len(column), dtype=bool)
    _, offsets, data = column.buffers()
    if data is None or len(column) == 0:
        return pl.Series(numbers.name, flags)
    starts = np.frombuffer(offsets, dtype=np.int64)[column.offset : column.offset + len(column) + 1]
    candidate = np.diff(starts) == _LENGTH
    if column.null_count:
        candidate &= column.is_valid().to_numpy(zero_copy_only=False)
    raw = np.frombuffer(data, dtype=np.uint8)
    if candidate.all():  # the usual file: every number 18 bytes, back to back
        rows = slice(None)
        text = raw[starts[0] : starts[0] + len(column) * _LENGTH].reshape(-1, _LENGTH)
    else:
        rows = np.flatnonzero(candidate)
        text = raw[starts[rows][:, None] + np.arange(_LENGTH)]
    # One contiguous row per character position; bytes below '0' wrap, so one bound checks both.
    first17 = np.ascontiguousarray(text[:, :17].T) - np.uint8(_ZERO)
    last = text[:, 17]
    shaped = (first17.max(axis=0) <= 9) & (((last - np.uint8(_ZERO)) <= 9) | (last == _X))
    total = np.zeros(last.shape, dtype=np.int16)
    for position, weight in enumerate(_WEIGHTS):
        total += first17[position] * np.int16(weight)
    expected = _CHECK_CHARS[total % 11]
    flags[rows] = shaped & (last == expected) & _real_birth_date(first17)
    return pl.Series(numbers.name, flags)


def _real_birth_date(first17: np.ndarray) -> np.ndarray:
    """Whether digits 7–14 (YYYYMMDD) are a calendar date (years 1–9999, leap years included);
    ``first17`` holds one row per character position."""

    def number(first: int, count: int) -> np.ndarray:
        value = np.zeros(first17.shape[1], dtype=np.int64)
        for position in range(first, first + count):
            value = value * 10 + first17[position]
        return value

    year, month, day = number(6, 4), number(10, 2), number(12, 2)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    in_month = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    return (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= in_month)
