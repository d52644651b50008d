"""Building one record from another of the same fields: a view (a frozen dataclass) from a stored
row, or an API answer (a pydantic model) from a view, without copying field by field."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

View = TypeVar("View")


def fields_from(cls: type[View], source: Any, **given: Any) -> View:
    """A ``cls`` (a dataclass or a pydantic model) made of ``given`` and, for each of its other
    fields, the attribute of the same name of ``source`` (a field ``source`` lacks is left to the
    class's default, or its error)."""
    names = getattr(cls, "model_fields", None) or [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return cls(**{n: getattr(source, n) for n in names if n not in given and hasattr(source, n)}, **given)
