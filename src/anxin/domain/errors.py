"""Errors users see: a stable code, a Chinese message first, English alongside."""

from __future__ import annotations


class AnxinError(Exception):
    """Base of every error the platform reports to a person.

    ``code`` is stable (machines and documentation refer to it); ``zh`` and ``en`` are the
    message in Chinese and English. ``str(error)`` gives both, Chinese first.
    """

    code = "anxin_error"

    def __init__(self, zh: str, en: str, *, code: str | None = None) -> None:
        self.zh = zh
        self.en = en
        if code is not None:
            self.code = code
        super().__init__(f"{zh} / {en}")


class InvalidAmount(AnxinError):
    code = "invalid_amount"


class InvalidResidentId(AnxinError):
    code = "invalid_resident_id"


class InvalidProgram(AnxinError):
    code = "invalid_program"


class InvalidInput(AnxinError):
    code = "invalid_input"


class NotFound(AnxinError):
    code = "not_found"


class NotSignedIn(AnxinError):
    code = "not_signed_in"


class Forbidden(AnxinError):
    code = "forbidden"


class Conflict(AnxinError):
    """The request contradicts the current state (a decision already taken, a key reused)."""

    code = "conflict"


class RowProblem:
    """One rejected cell of an input file: where it is, what was there, and why it is wrong."""

    __slots__ = ("column", "reason_en", "reason_zh", "row", "value")

    def __init__(self, row: int, column: str, value: str, reason_zh: str, reason_en: str) -> None:
        self.row = row
        self.column = column
        self.value = value
        self.reason_zh = reason_zh
        self.reason_en = reason_en

    def __repr__(self) -> str:
        return f"RowProblem(row={self.row}, column={self.column!r}, reason={self.reason_en!r})"

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


class InvalidRows(InvalidInput):
    """An input file with rejected rows. Nothing from the file is used; every problem is listed."""

    code = "invalid_rows"

    def __init__(self, source: str, problems: list[RowProblem], total: int) -> None:
        self.source = source
        self.problems = problems
        self.total = total
        first = problems[0]
        super().__init__(
            f"{source}：{total} 处错误，未生成任何结果。第 {first.row} 行「{first.column}」：{first.reason_zh}",
            f"{source}: {total} problem(s), nothing was produced. Row {first.row}, column "
            f"{first.column!r}: {first.reason_en}",
        )
