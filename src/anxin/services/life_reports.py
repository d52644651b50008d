"""The life-servicing report (保全报表) of a year: by month and region, the policies in force, the
suspensions, reinstatements, surrenders (and what they paid), cooling-off cancellations,
terminations and maturities (and what they paid), the loans taken, outstanding and the loan interest
recognised; and the service rates
(e-callback, e-servicing: :mod:`anxin.services.life_kpis`) of the year and of each month and region.

Everything is counted in the database, grouped by month and by the policy's region prefix (the
province ``"41"`` or the city ``"4101"``):

- status moves come from the status history (``policy_status_changes``): suspensions enter
  ``suspended``, reinstatements enter ``in_force`` by the event ``reinstated``, surrenders enter
  ``surrendered``, cancellations ``cancelled``, terminations ``terminated``, maturities ``matured``;
- a policy is *in force* at a month's end when its last status change up to that day left it covered
  (``in_force``, ``grace`` or ``apl_cover``: a policy in grace is still in force);
- money comes from the ledger (``policy_events``): a surrender pays the ``refunds_payable`` credits of
  its ``surrendered`` postings, a maturity those of its ``matured`` postings (after the debt); a loan taken is the ``loan_taken`` posting paying cash out of
  ``policy_loans``; loans outstanding at a month's end are the principals of the loan
  accounts as they stand, less the ``policy_loans`` movements after that day (so a loan brought in
  by a policies import, older than the ledger, is counted); loan interest is the credits to ``loan_interest_income`` in the month.

The totals row (``全年``) adds up the flows of the year; its stocks (in force, loans outstanding) are
those at the end of the last month reported.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, fields

import sqlalchemy as sa

from anxin.domain.errors import InvalidInput
from anxin.domain.life.events import Account, EventKind
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.relief import region_prefix
from anxin.services.life_kpis import KpiValue, kpi_by_month_and_region, kpi_values
from anxin.store.database import Database
from anxin.store.schema import LifePolicy, PolicyEvent, PolicyLoan, PolicyStatusChange

LEVELS = {"province": 2, "city": 4}
LEVEL_ZH = {"province": "省", "city": "地市"}
TOTAL_MONTH = "全年"
ALL_REGIONS = "全部"
COVERED = [PolicyStatus.IN_FORCE.value, PolicyStatus.GRACE.value, PolicyStatus.APL_COVER.value]


@dataclass(frozen=True)
class LifeMonthRow:
    month: str
    region: str
    policies_in_force: int = 0
    suspensions: int = 0
    reinstatements: int = 0
    surrenders: int = 0
    surrender_paid_fen: int = 0
    cooling_off_cancellations: int = 0
    terminations: int = 0
    loans_taken: int = 0
    loans_taken_fen: int = 0
    loans_outstanding_fen: int = 0
    loan_interest_fen: int = 0
    #: Term policies ended on their expiry day (满期终止), and what they paid after their debt.
    maturities: int = 0
    maturity_paid_fen: int = 0


#: Figures that are stocks at the month's end (the others are flows in the month).
STOCKS = ("policies_in_force", "loans_outstanding_fen")
FIGURES = tuple(f.name for f in fields(LifeMonthRow) if f.name not in ("month", "region"))


@dataclass(frozen=True)
class LifeReport:
    year: int
    level: str
    rows: list[LifeMonthRow]
    totals: LifeMonthRow
    region: str | None = None
    #: The service rates (KPI definitions in ``kpis/``) of the year, then by (month, region) and code.
    rates: list[KpiValue] = field(default_factory=list)
    rates_by_month: dict[tuple[str, str], dict[str, KpiValue]] = field(default_factory=dict)

    @property
    def regions(self) -> list[str]:
        return sorted({r.region for r in self.rows})

    def rates_of(self, row: LifeMonthRow) -> list[KpiValue | None]:
        """A row's rates in the order of :attr:`rates` (the year's for the totals row; ``None`` where
        nothing was counted)."""
        if row.month == TOTAL_MONTH:
            return list(self.rates)
        found = self.rates_by_month.get((row.month, row.region), {})
        return [found.get(value.code) for value in self.rates]


def life_report(db: Database, year: int, *, level: str = "province", region: str | None = None) -> LifeReport:
    """The year by month × region (``level`` ``province`` or ``city``; ``region`` a prefix or a
    six-digit code keeps only that region's policies). Months run from January to the last month
    with a recorded day (the whole year once it is over); a region is listed when it has policies."""
    if level not in LEVELS:
        raise InvalidInput(
            f"汇总层级应为 province（省）或 city（地市），收到 {level!r}",
            f"the level is province or city, not {level!r}",
            code="invalid_report_level",
        )
    prefix = _prefix(region)
    width = LEVELS[level]
    reg = sa.func.substr(LifePolicy.region_code, 1, width)
    scope = LifePolicy.region_code.startswith(prefix) if prefix else sa.true()
    first, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    with db.session() as session:
        regions = [
            str(r) for (r,) in session.execute(sa.select(reg).where(scope).distinct().order_by(reg)).all()
        ]
        last_day = session.execute(
            sa.select(sa.func.max(PolicyStatusChange.day)).where(PolicyStatusChange.day <= end)
        ).scalar_one()
        last_event = session.execute(
            sa.select(sa.func.max(PolicyEvent.day)).where(PolicyEvent.day <= end)
        ).scalar_one()
        latest = max([d for d in (_as_date(last_day), _as_date(last_event)) if d is not None], default=None)
        months = latest.month if latest is not None and latest.year == year else 12
        month_ends = [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, months + 1)]
        figures: dict[tuple[str, str], dict[str, int]] = {}

        def add(month: str, region_key: str, name: str, value: int) -> None:
            figures.setdefault((month, region_key), {})[name] = int(value or 0)

        month = _month(db, PolicyStatusChange.day)
        moves = [
            ("suspensions", PolicyStatusChange.status_to == PolicyStatus.SUSPENDED.value),
            ("reinstatements", sa.and_(PolicyStatusChange.status_to == PolicyStatus.IN_FORCE.value,
                                       PolicyStatusChange.event == EventKind.REINSTATED.value)),
            ("surrenders", PolicyStatusChange.status_to == PolicyStatus.SURRENDERED.value),
            ("cooling_off_cancellations", PolicyStatusChange.status_to == PolicyStatus.CANCELLED.value),
            ("terminations", PolicyStatusChange.status_to == PolicyStatus.TERMINATED.value),
            ("maturities", PolicyStatusChange.status_to == PolicyStatus.MATURED.value),
        ]  # fmt: skip
        statement = (
            sa.select(month, reg, *(sa.func.sum(sa.case((cond, 1), else_=0)) for _, cond in moves))
            .join(LifePolicy, LifePolicy.id == PolicyStatusChange.policy_id)
            .where(scope, PolicyStatusChange.day.between(first, end))
            .group_by(month, reg)
        )
        for m, r, *values in session.execute(statement):
            for (name, _), value in zip(moves, values, strict=True):
                add(str(m), str(r), name, value)

        e = PolicyEvent
        month = _month(db, e.day)
        loan_taken = sa.and_(e.event == EventKind.LOAN_TAKEN.value, e.credit == Account.CASH.value)
        money = [
            ("surrender_paid_fen", sa.and_(e.event == EventKind.SURRENDERED.value,
                                           e.credit == Account.REFUNDS_PAYABLE.value), e.amount_fen),
            ("maturity_paid_fen", sa.and_(e.event == EventKind.MATURED.value,
                                          e.credit == Account.REFUNDS_PAYABLE.value), e.amount_fen),
            ("loans_taken", loan_taken, 1),
            ("loans_taken_fen", loan_taken, e.amount_fen),
            ("loan_interest_fen", e.credit == Account.LOAN_INTEREST_INCOME.value, e.amount_fen),
            ("_loan_net", sa.true(), _loan_movement()),
        ]  # fmt: skip
        statement = (
            sa.select(month, reg, *(sa.func.sum(sa.case((cond, value), else_=0)) for _, cond, value in money))
            .join(LifePolicy, LifePolicy.id == e.policy_id)
            .where(scope, e.day.between(first, end))
            .group_by(month, reg)
        )
        for m, r, *values in session.execute(statement):
            for (name, _, _), value in zip(money, values, strict=True):
                add(str(m), str(r), name, value)
        # The year's opening balance, rewound from the loan accounts as they stand now: a loan
        # brought in by a policies import has no posting before the ledger began, but is in them.
        held = dict(
            session.execute(
                sa.select(reg, sa.func.sum(PolicyLoan.principal_fen))
                .join(LifePolicy, LifePolicy.id == PolicyLoan.policy_id)
                .where(scope)
                .group_by(reg)
            ).all()
        )
        since = dict(
            session.execute(
                sa.select(reg, sa.func.sum(_loan_movement()))
                .join(LifePolicy, LifePolicy.id == e.policy_id)
                .where(scope, e.day >= first)
                .group_by(reg)
            ).all()
        )
        opening = {r: int(held.get(r) or 0) - int(since.get(r) or 0) for r in set(held) | set(since)}
        in_force = _in_force(session, reg, scope, month_ends)
    rows = []
    outstanding = {r: int(opening.get(r) or 0) for r in regions}
    for day in month_ends:
        key = day.strftime("%Y-%m")
        for r in regions:
            found = figures.get((key, r), {})
            outstanding[r] += found.get("_loan_net", 0)
            flows = {name: found.get(name, 0) for name in FIGURES if name not in STOCKS}
            rows.append(
                LifeMonthRow(
                    key, r, policies_in_force=in_force.get((day, r), 0),
                    loans_outstanding_fen=outstanding[r], **flows,
                )
            )  # fmt: skip
    rates = kpi_values(db, start=first, end=end, region=prefix or None)
    by_month: dict[tuple[str, str], dict[str, KpiValue]] = {}
    for code, values in kpi_by_month_and_region(db, year, digits=width, region=prefix or None).items():
        for (m, r), value in values.items():
            by_month.setdefault((f"{year}-{m:02d}", r), {})[code] = value
    return LifeReport(year, level, rows, _totals(rows, month_ends), prefix or None, rates, by_month)


def _totals(rows: list[LifeMonthRow], month_ends: list[dt.date]) -> LifeMonthRow:
    last = month_ends[-1].strftime("%Y-%m") if month_ends else ""
    values = {
        name: sum(getattr(r, name) for r in rows if name not in STOCKS or r.month == last) for name in FIGURES
    }
    return LifeMonthRow(TOTAL_MONTH, ALL_REGIONS, **values)


def _in_force(session, reg, scope, month_ends: list[dt.date]) -> dict[tuple[dt.date, str], int]:  # type: ignore[no-untyped-def]
    """Policies covered at each month's end: the last status change up to that day, by region."""
    if not month_ends:
        return {}
    h = PolicyStatusChange
    following = sa.func.lead(h.day).over(partition_by=h.policy_id, order_by=(h.day, h.id)).label("until")
    spans = sa.select(h.policy_id, h.day, h.status_to, following).subquery("spans")
    ends = sa.union_all(*(sa.select(sa.literal(d, sa.Date).label("month_end")) for d in month_ends)).subquery(
        "month_ends"
    )
    statement = (
        sa.select(ends.c.month_end, reg, sa.func.count())
        .select_from(spans)
        .join(LifePolicy, LifePolicy.id == spans.c.policy_id)
        .join(
            ends,
            sa.and_(
                spans.c.day <= ends.c.month_end,
                sa.or_(spans.c.until.is_(None), spans.c.until > ends.c.month_end),
            ),
        )
        .where(scope, spans.c.status_to.in_(COVERED))
        .group_by(ends.c.month_end, reg)
    )
    return {(_as_date(d), str(r)): int(n) for d, r, n in session.execute(statement)}  # type: ignore[misc]


def _loan_movement() -> sa.ColumnElement[int]:
    """A posting's effect on ``policy_loans``: + debited, − credited, 0 otherwise."""
    e = PolicyEvent
    loans = Account.POLICY_LOANS.value
    return sa.case((e.debit == loans, e.amount_fen), (e.credit == loans, -e.amount_fen), else_=0)


def _month(db: Database, column: sa.ColumnElement) -> sa.ColumnElement[str]:
    if db.dialect == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value)[:10])


def _prefix(region: str | None) -> str:
    if not region:
        return ""
    if not region.isdigit() or len(region) > 6:
        raise InvalidInput(
            f"地区应为行政区划代码或其前缀（数字），收到 {region!r}",
            f"the region is an administrative code or its prefix (digits), not {region!r}",
            code="invalid_region",
        )
    return region_prefix(region) if len(region) == 6 else region


def region_label(code: str) -> str:
    """A region prefix as shown: ``41`` → ``41（省）``, ``4101`` → ``4101（地市）``."""
    if code == ALL_REGIONS:
        return "全部 all"
    return f"{code}（{'省' if len(code) == 2 else '地市'}）"


def life_years(db: Database) -> list[int]:
    """The years from the first to the last with policy events or status changes, latest first."""
    with db.session() as session:
        spans = [
            session.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
            for column in (PolicyEvent.day, PolicyStatusChange.day)
        ]
    days = [d for pair in spans for d in (_as_date(pair[0]), _as_date(pair[1])) if d is not None]
    if not days:
        return []
    return list(range(max(days).year, min(days).year - 1, -1))


def latest_life_year(db: Database) -> int | None:
    """The latest year with policy events (``None`` with no life policies, or none run yet: then the
    year of the latest status change)."""
    with db.session() as session:
        if session.execute(sa.select(LifePolicy.id).limit(1)).first() is None:
            return None
        day = session.execute(sa.select(sa.func.max(PolicyEvent.day))).scalar_one()
        if day is None:
            day = session.execute(sa.select(sa.func.max(PolicyStatusChange.day))).scalar_one()
    found = _as_date(day)
    return found.year if found is not None else None
