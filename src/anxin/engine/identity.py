"""Resident ID checks as column expressions, for validating millions of rows at once.

The same rule as :func:`anxin.domain.identity.check_character` (GB 11643-1999); tests hold the two
to agreement with ``python-stdnum`` on many numbers.
"""

from __future__ import annotations

import polars as pl

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def resident_id_is_valid(number: pl.Expr) -> pl.Expr:
    """True where ``number`` is 18 characters, 17 digits, a real birth date and the right check char."""
    shaped = number.str.contains(r"^\d{17}[\dX]$")
    total = pl.sum_horizontal(
        [number.str.slice(i, 1).cast(pl.Int64, strict=False) * weight for i, weight in enumerate(_WEIGHTS)]
    )
    expected = (total % 11).replace_strict(dict(enumerate(_CHECK_CHARS)), return_dtype=pl.String)
    born = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return (shaped & (number.str.slice(17, 1) == expected) & born.is_not_null()).fill_null(False)
