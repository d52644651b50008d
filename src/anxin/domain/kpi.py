"""Key performance indicators as data: a rate is a count of records over a count of records.

A KPI file (``kpis/*.toml``, read by :mod:`anxin.store.kpi_files`) declares each indicator's code,
names, unit and target, and its numerator and denominator, each a :class:`Count` of one record set
the platform knows (:class:`RecordSet`) whose date field falls in the period, filtered by ``where``
(``{field = [allowed values]}``) on the fields that record set allows (:data:`WHERE_FIELDS`). The
code holds only how to count; which records count is in the file, with its source.

Rates are basis points of the denominator, rounded half up (:func:`rate_bp`), shown with two
decimals (:func:`format_percent`, ``9862`` → ``"98.62%"``).
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anxin.domain.errors import InvalidProgram
from anxin.domain.life.callbacks import CallbackChannel, CallbackStatus
from anxin.domain.life.products import validation_text
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.domain.money import BASIS_POINTS, round_half_up
from anxin.domain.programs.quantities import RatioBp


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordSet(enum.StrEnum):
    """The record sets a KPI can count."""

    CALLBACK_TASKS = "callback_tasks"
    SERVICING_REQUESTS = "servicing_requests"

    @property
    def label_zh(self) -> str:
        return {"callback_tasks": "新契约回访任务", "servicing_requests": "保全申请"}[self.value]


#: The fields a ``where`` filter may name, per record set.
WHERE_FIELDS: dict[RecordSet, tuple[str, ...]] = {
    RecordSet.CALLBACK_TASKS: ("channel", "status"),
    RecordSet.SERVICING_REQUESTS: ("channel", "status", "kind"),
}
#: The date fields a period may be taken on, per record set.
DATE_FIELDS: dict[RecordSet, tuple[str, ...]] = {
    RecordSet.CALLBACK_TASKS: ("done_on", "opened_on", "due_on"),
    RecordSet.SERVICING_REQUESTS: ("day",),
}
#: Fields whose values the platform fixes; a value outside them is refused.
KNOWN_VALUES: dict[tuple[RecordSet, str], tuple[str, ...]] = {
    (RecordSet.CALLBACK_TASKS, "channel"): tuple(c.value for c in CallbackChannel),
    (RecordSet.CALLBACK_TASKS, "status"): tuple(s.value for s in CallbackStatus),
    (RecordSet.SERVICING_REQUESTS, "channel"): tuple(c.value for c in Channel),
    (RecordSet.SERVICING_REQUESTS, "status"): tuple(s.value for s in RequestStatus),
    (RecordSet.SERVICING_REQUESTS, "kind"): tuple(k.value for k in RequestKind),
}


class KpiUnit(enum.StrEnum):
    PERCENT = "percent"


class KpiSource(_Frozen):
    """Where a KPI's definition and target come from; ``confirmed = false`` where it is our reading."""

    document: str = Field(min_length=1)
    issuer: str = ""
    url: str = ""
    note: str = ""
    confirmed: bool = True


class Count(_Frozen):
    """The records of ``source`` whose ``date_field`` is in the period and that pass every filter."""

    source: RecordSet
    date_field: str
    #: field → the values counted (a record counts when its field has one of them).
    where: dict[str, tuple[str, ...]] = {}

    @model_validator(mode="after")
    def _known_fields(self) -> Count:
        dates = DATE_FIELDS[self.source]
        if self.date_field not in dates:
            raise ValueError(
                f"{self.source} 没有日期字段 '{self.date_field}'（可用：{', '.join(dates)}）"
                f" / {self.source} has no date field '{self.date_field}' (allowed: {', '.join(dates)})"
            )
        allowed = WHERE_FIELDS[self.source]
        for field, values in self.where.items():
            if field not in allowed:
                raise ValueError(
                    f"where 中不认识的字段 '{field}'（{self.source} 可用：{', '.join(allowed)}）"
                    f" / unknown field '{field}' in where ({self.source} allows: {', '.join(allowed)})"
                )
            if not values:
                raise ValueError(
                    f"where.{field} 至少列出一个取值 / where.{field} must list at least one value"
                )
            known = KNOWN_VALUES.get((self.source, field))
            bad = [v for v in values if known is not None and v not in known]
            if bad:
                raise ValueError(
                    f"where.{field} 的取值 {', '.join(bad)} 不在允许范围内（可用：{', '.join(known or ())}）"
                    f" / where.{field}: {', '.join(bad)} not allowed (allowed: {', '.join(known or ())})"
                )
        return self


class KpiDefinition(_Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: KpiUnit = KpiUnit.PERCENT
    #: The target rate (``"98.62%"``), if there is one.
    target: RatioBp | None = None
    numerator: Count
    denominator: Count
    note: str = ""
    #: The file's ``[source]`` unless the KPI names its own.
    source: KpiSource | None = None

    @model_validator(mode="after")
    def _same_records(self) -> KpiDefinition:
        n, d = self.numerator, self.denominator
        if (n.source, n.date_field) != (d.source, d.date_field):
            raise ValueError(
                "分子与分母须为同一记录集、同一日期字段 / the numerator and the denominator must count the"
                " same record set on the same date field"
            )
        return self

    def all_confirmed(self) -> bool:
        return self.source is not None and self.source.confirmed


class KpiFile(_Frozen):
    source: KpiSource
    kpi: tuple[KpiDefinition, ...] = ()


def parse_kpis(data: dict[str, Any], *, source_name: str) -> dict[str, KpiDefinition]:
    """A KPI file's definitions by code; errors name the file, the KPI and the key, in zh and en."""
    try:
        parsed = KpiFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidProgram(
            *validation_text(_named(exc, data), source_name, "KPI 定义文件无效", "invalid KPI file")
        ) from None
    if not parsed.kpi:
        raise InvalidProgram(
            f"{source_name}: 至少定义一个 [[kpi]]", f"{source_name}: define at least one [[kpi]]"
        )
    found: dict[str, KpiDefinition] = {}
    for kpi in parsed.kpi:
        if kpi.code in found:
            raise InvalidProgram(
                f"{source_name}: KPI 代码重复：{kpi.code}", f"{source_name}: duplicate KPI code {kpi.code}"
            )
        found[kpi.code] = kpi if kpi.source is not None else kpi.model_copy(update={"source": parsed.source})
    return found


def _named(exc: ValidationError, data: dict[str, Any]) -> ValidationError:
    """The error with ``kpi.<n>`` written as ``kpi[<code>]`` where the KPI has a code."""
    kpis = data.get("kpi")
    if not isinstance(kpis, list):
        return exc
    errors = []
    for error in exc.errors():
        loc = list(error["loc"])
        if len(loc) > 1 and loc[0] == "kpi" and isinstance(loc[1], int) and loc[1] < len(kpis):
            item = kpis[loc[1]]
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and code:
                loc[0:2] = [f"kpi[{code}]"]
        errors.append({**error, "loc": tuple(loc)})
    return _Renamed(errors)  # type: ignore[return-value]


class _Renamed:
    """Quacks like a ValidationError for :func:`validation_text` (only ``errors()`` is read)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


def rate_bp(numerator: int, denominator: int) -> int | None:
    """``numerator / denominator`` in basis points rounded half up; ``None`` when nothing was counted."""
    if denominator <= 0:
        return None
    return round_half_up(numerator * BASIS_POINTS, denominator)


def format_percent(bp: int | None) -> str:
    """``9862`` → ``"98.62%"``, ``10000`` → ``"100.00%"``; ``None`` → ``"—"``."""
    if bp is None:
        return "—"
    sign = "-" if bp < 0 else ""
    whole, part = divmod(abs(bp), 100)
    return f"{sign}{whole}.{part:02d}%"
