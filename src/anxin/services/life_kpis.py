"""The life-service KPIs (电子化回访率, 电子化保全率 …) computed from the stored records.

Each KPI's numerator and denominator are counted in SQL as its definition says
(:mod:`anxin.domain.kpi`, files in ``kpis/``): the records of its record set whose date field falls
in the period (both ends included), filtered by the definition's ``where`` and, for a region, by the
policy's region code (a prefix: ``"41"`` is the whole province). Nothing is typed in: the rates
follow from the callback tasks and servicing requests as recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from anxin.domain.kpi import Count, KpiDefinition, RecordSet, format_percent, rate_bp
from anxin.store.database import Database
from anxin.store.kpi_files import shipped_kpis
from anxin.store.schema import CallbackTask, LifePolicy, ServicingRequest

#: Record set → its table (each row belongs to a policy through ``policy_id``).
TABLES = {
    RecordSet.CALLBACK_TASKS: CallbackTask.__table__,
    RecordSet.SERVICING_REQUESTS: ServicingRequest.__table__,
}


@dataclass(frozen=True)
class KpiValue:
    code: str
    name_zh: str
    name_en: str
    numerator: int
    denominator: int
    #: Basis points, rounded half up; ``None`` when the denominator is 0.
    rate_bp: int | None
    target_bp: int | None

    @property
    def rate_text(self) -> str:
        """``"98.62%"`` (``"—"`` when nothing was counted)."""
        return format_percent(self.rate_bp)

    @property
    def meets_target(self) -> bool | None:
        if self.rate_bp is None or self.target_bp is None:
            return None
        return self.rate_bp >= self.target_bp


def _filter(table: sa.Table, count: Count) -> sa.ColumnElement[bool]:
    return sa.and_(sa.true(), *(table.c[field].in_(values) for field, values in count.where.items()))


def _counts(kpi: KpiDefinition, region: str | None) -> tuple[sa.Table, sa.Column, sa.Select]:  # type: ignore[type-arg]
    """The KPI's table, its date column and a SELECT of (numerator, denominator) to add conditions to."""
    table = TABLES[kpi.denominator.source]
    date = table.c[kpi.denominator.date_field]
    statement = sa.select(
        sa.func.count(sa.case((_filter(table, kpi.numerator), 1))),
        sa.func.count(sa.case((_filter(table, kpi.denominator), 1))),
    ).select_from(table)
    if region:
        policies = LifePolicy.__table__
        statement = statement.join(policies, policies.c.id == table.c.policy_id).where(
            policies.c.region_code.startswith(region, autoescape=True)
        )
    return table, date, statement


def _value(kpi: KpiDefinition, numerator: int, denominator: int) -> KpiValue:
    return KpiValue(
        kpi.code,
        kpi.name_zh,
        kpi.name_en,
        numerator,
        denominator,
        rate_bp(numerator, denominator),
        kpi.target,
    )


def _definitions(kpis: Iterable[KpiDefinition] | None) -> list[KpiDefinition]:
    return list(kpis if kpis is not None else shipped_kpis().values())


def kpi_values(
    db: Database,
    *,
    start: dt.date,
    end: dt.date,
    region: str | None = None,
    kpis: Iterable[KpiDefinition] | None = None,
) -> list[KpiValue]:
    """Each KPI (the shipped ones unless given) over ``start`` … ``end`` (both included)."""
    values = []
    with db.engine.connect() as connection:
        for kpi in _definitions(kpis):
            _, date, statement = _counts(kpi, region)
            numerator, denominator = connection.execute(statement.where(date.between(start, end))).one()
            values.append(_value(kpi, int(numerator), int(denominator)))
    return values


def kpi_by_month(
    db: Database, year: int, *, region: str | None = None, kpis: Iterable[KpiDefinition] | None = None
) -> dict[str, list[KpiValue]]:
    """Each KPI's twelve months of ``year`` (January first), by code; one grouped query per KPI."""
    found: dict[str, list[KpiValue]] = {}
    with db.engine.connect() as connection:
        for kpi in _definitions(kpis):
            _, date, statement = _counts(kpi, region)
            month = sa.extract("month", date)
            rows = connection.execute(
                statement.add_columns(month.label("month"))
                .where(date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
                .group_by(month)
            ).all()  # fmt: skip
            by_month = {int(m): (int(n), int(d)) for n, d, m in rows}
            found[kpi.code] = [_value(kpi, *by_month.get(m, (0, 0))) for m in range(1, 13)]
    return found


def kpi_by_month_and_region(
    db: Database,
    year: int,
    *,
    digits: int = 2,
    region: str | None = None,
    kpis: Iterable[KpiDefinition] | None = None,
) -> dict[str, dict[tuple[int, str], KpiValue]]:
    """Each KPI by (month, region) of ``year``, by code: the region is the first ``digits`` of the
    policy's region code (2: the province, 4: the city); only the months and regions with records."""
    policies = LifePolicy.__table__
    prefix = sa.func.substr(policies.c.region_code, 1, digits)
    found: dict[str, dict[tuple[int, str], KpiValue]] = {}
    with db.engine.connect() as connection:
        for kpi in _definitions(kpis):
            table, date, statement = _counts(kpi, region)
            if not region:
                statement = statement.join(policies, policies.c.id == table.c.policy_id)
            month = sa.extract("month", date)
            rows = connection.execute(
                statement.add_columns(month.label("month"), prefix.label("region"))
                .where(date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
                .group_by(month, prefix)
            ).all()  # fmt: skip
            found[kpi.code] = {(int(m), str(r)): _value(kpi, int(n), int(d)) for n, d, m, r in rows}
    return found
