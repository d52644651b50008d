"""The program year's figures, summed in the database, and the one-paragraph summary in Chinese.

Definitions (all for one program and one program year):

- *insured*: persons enrolled in the program year;
- *settlements*: settlements with at least one result line in the year; *eligible cost*: the sum
  of their ``base_fen``;
- *paid*: the sum of the approved result lines (review and rejected lines are not paid; lines in
  review are counted apart); a settlement's *due* is the sum of its approved lines;
- *person-times* (人次): settlements with due > 0; *claimants* (人数): persons whose approved lines
  sum to more than 0; *average per claimant*: paid / claimants, rounded half up to the fen;
- shares by city (the first four digits of ``insuplc_admdvs`` + ``00``), hospital tier
  (``hosp_lv``) and vulnerable status (``psn_idet_type``, none = 一般人员);
- *turnaround*: calendar days (Beijing time) from a settlement to the first payment of one of its
  lines, over the settlements paid so far; median and 90th percentile by nearest rank, so "90 % of
  settlements were paid within N days".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from anxin.domain.errors import AnxinError
from anxin.domain.money import BASIS_POINTS, format_yuan_cn, round_half_up
from anxin.domain.programs import ProgramKind
from anxin.domain.vulnerability import VulnerableGroup
from anxin.store.database import Database
from anxin.store.program_files import resolve_program
from anxin.store.schema import Adjudication, Enrollment, Payment, Settlement
from anxin.synth.regions import SHANDONG_CITIES

GENERAL_ZH = "一般人员"
TIERS_ZH = {"1": "一级医院", "2": "二级医院", "3": "三级医院"}
BEIJING = "Asia/Shanghai"


@dataclass(frozen=True)
class Share:
    """One row of a breakdown: a city, a hospital tier or a vulnerable status."""

    key: str
    label: str
    settlements: int
    person_times: int
    eligible_fen: int
    paid_fen: int
    paid_share_bp: int
    person_times_share_bp: int


@dataclass(frozen=True)
class ProgramYearReport:
    program_code: str
    program_name: str
    year: int
    insured: int
    claimants: int
    person_times: int
    settlements: int
    eligible_fen: int
    paid_fen: int
    average_per_claimant_fen: int
    review_lines: int
    review_fen: int
    by_city: tuple[Share, ...]
    by_tier: tuple[Share, ...]
    by_vulnerable: tuple[Share, ...]
    turnaround_settlements: int
    turnaround_median_days: int | None
    turnaround_p90_days: int | None

    @property
    def vulnerable(self) -> tuple[Share, ...]:
        """The registered vulnerable groups (一般人员 left out), most person-times first."""
        groups = [share for share in self.by_vulnerable if share.key]
        return tuple(sorted(groups, key=lambda share: (-share.person_times, share.key)))

    @property
    def vulnerable_person_times(self) -> int:
        return sum(share.person_times for share in self.vulnerable)

    @property
    def vulnerable_paid_fen(self) -> int:
        return sum(share.paid_fen for share in self.vulnerable)


def program_name(code: str) -> str:
    """The program's Chinese name, or its code when it is not a shipped program."""
    try:
        return resolve_program(code).name_zh
    except AnxinError:
        return code


def program_year_report(db: Database, program_code: str, year: int) -> ProgramYearReport:
    """Every figure of the program year, each one a grouped aggregate in the database."""
    due = _due(program_code, year)
    with db.session() as session:
        totals = session.execute(
            sa.select(
                sa.func.count(),
                sa.func.sum(Settlement.base_fen),
                sa.func.sum(due.c.paid_fen),
                sa.func.sum(sa.case((due.c.paid_fen > 0, 1), else_=0)),
                sa.func.sum(due.c.review_lines),
                sa.func.sum(due.c.review_fen),
            ).select_from(_with_settlement(due))
        ).one()
        settlements, eligible, paid, person_times, review_lines, review_fen = (int(v or 0) for v in totals)
        insured = session.scalar(
            sa.select(sa.func.count(sa.distinct(Enrollment.person_id))).where(
                Enrollment.program_code == program_code, Enrollment.year == year
            )
        )
        claimants = session.scalar(sa.select(sa.func.count()).select_from(_claimants(program_code, year)))
        city = _shares(session, due, sa.func.substr(Settlement.insuplc_admdvs, 1, 4), paid, person_times)
        tier = _shares(session, due, Settlement.hosp_lv, paid, person_times)
        # a supplementary program's group is the one whose terms applied (the line's tilt)
        by_group = due.c.tilt if _pays_by_line_group(program_code) else Settlement.psn_idet_type
        group = _shares(session, due, by_group, paid, person_times)
        histogram = _turnaround_histogram(session, db.dialect, program_code, year)
    claimants = int(claimants or 0)
    counted = sum(histogram.values())
    return ProgramYearReport(
        program_code=program_code,
        program_name=program_name(program_code),
        year=year,
        insured=int(insured or 0),
        claimants=claimants,
        person_times=person_times,
        settlements=settlements,
        eligible_fen=eligible,
        paid_fen=paid,
        average_per_claimant_fen=round_half_up(paid, claimants) if claimants else 0,
        review_lines=review_lines,
        review_fen=review_fen,
        by_city=tuple(_labelled(city, _city_label)),
        by_tier=tuple(_labelled(tier, lambda key: TIERS_ZH.get(key, f"其他 {key}" if key else "未知"))),
        by_vulnerable=tuple(_labelled(group, _group_label)),
        turnaround_settlements=counted,
        turnaround_median_days=nearest_rank(histogram, 50),
        turnaround_p90_days=nearest_rank(histogram, 90),
    )


def _due(program_code: str, year: int) -> sa.Subquery:
    """Per settlement of the year: its approved amount (due), and its lines in review."""
    line = Adjudication
    approved = sa.case((line.status == "approved", line.amount_fen), else_=0)
    in_review = line.status == "review"
    return (
        sa.select(
            line.settlement_id.label("settlement_id"),
            sa.func.sum(approved).label("paid_fen"),
            sa.func.sum(sa.case((in_review, 1), else_=0)).label("review_lines"),
            sa.func.sum(sa.case((in_review, line.amount_fen), else_=0)).label("review_fen"),
            sa.func.max(line.tilt).label("tilt"),
        )
        .where(line.program_code == program_code, line.program_year == year)
        .group_by(line.settlement_id)
        .subquery("due")
    )


def _pays_by_line_group(program_code: str) -> bool:
    try:
        return resolve_program(program_code).kind is ProgramKind.SUPPLEMENTARY_MEDICAL
    except AnxinError:
        return False


def _with_settlement(due: sa.Subquery) -> sa.Join:
    return due.join(Settlement, Settlement.id == due.c.settlement_id)


def _claimants(program_code: str, year: int) -> sa.Subquery:
    line = Adjudication
    return (
        sa.select(line.person_id)
        .where(line.program_code == program_code, line.program_year == year, line.status == "approved")
        .group_by(line.person_id)
        .having(sa.func.sum(line.amount_fen) > 0)
        .subquery("claimants")
    )


def _shares(
    session: Session, due: sa.Subquery, key: sa.ColumnElement, paid_total: int, person_times_total: int
) -> list[Share]:
    """Group the year's settlements by ``key``: counts, sums and shares of the totals."""
    rows = (
        sa.select(
            sa.func.coalesce(key, "").label("key"),
            due.c.paid_fen.label("paid_fen"),
            Settlement.base_fen.label("base_fen"),
        )
        .select_from(_with_settlement(due))
        .subquery("keyed")
    )
    statement = (
        sa.select(
            rows.c.key,
            sa.func.count(),
            sa.func.sum(sa.case((rows.c.paid_fen > 0, 1), else_=0)),
            sa.func.sum(rows.c.base_fen),
            sa.func.sum(rows.c.paid_fen),
        )
        .group_by(rows.c.key)
        .order_by(rows.c.key)
    )
    shares = []
    for value, count, person_times, eligible, paid in session.execute(statement):
        person_times, paid = int(person_times or 0), int(paid or 0)
        shares.append(
            Share(
                key=value or "",
                label="",
                settlements=int(count),
                person_times=person_times,
                eligible_fen=int(eligible or 0),
                paid_fen=paid,
                paid_share_bp=_share(paid, paid_total),
                person_times_share_bp=_share(person_times, person_times_total),
            )
        )
    return shares


def _share(part: int, total: int) -> int:
    return round_half_up(part * BASIS_POINTS, total) if total > 0 else 0


def _labelled(shares: list[Share], label: Callable[[str], str]) -> list[Share]:
    return [dataclasses.replace(share, label=label(share.key)) for share in shares]


def _city_label(prefix: str) -> str:
    if not prefix:
        return "未知"
    code = f"{prefix}00"
    return SHANDONG_CITIES.get(code, f"其他 {code}")


def _group_label(code: str) -> str:
    if not code:
        return GENERAL_ZH
    try:
        return VulnerableGroup(code).label_zh
    except ValueError:
        return code


def _turnaround_histogram(session: Session, dialect: str, program_code: str, year: int) -> dict[int, int]:
    """Settlements paid so far, counted by days from settlement to the first payment of a line."""
    line = Adjudication
    first = (
        sa.select(line.settlement_id.label("settlement_id"), sa.func.min(Payment.created_at).label("paid_at"))
        .join(Payment, Payment.adjudication_id == line.id)
        .where(line.program_code == program_code, line.program_year == year, Payment.amount_fen > 0)
        .group_by(line.settlement_id)
        .subquery("first_paid")
    )
    if dialect == "postgresql":
        paid_on = sa.cast(sa.func.timezone(BEIJING, first.c.paid_at), sa.Date)
        days = paid_on - sa.cast(Settlement.setl_time, sa.Date)
    else:  # SQLite keeps the UTC wall time of timestamps
        paid_on = sa.func.julianday(sa.func.date(first.c.paid_at, "+8 hours"))
        days = sa.cast(paid_on - sa.func.julianday(sa.func.date(Settlement.setl_time)), sa.Integer)
    per_settlement = (
        sa.select(days.label("days"))
        .select_from(first.join(Settlement, Settlement.id == first.c.settlement_id))
        .subquery("turnaround")
    )
    statement = sa.select(per_settlement.c.days, sa.func.count()).group_by(per_settlement.c.days)
    return {int(d): int(n) for d, n in session.execute(statement)}


def nearest_rank(histogram: dict[int, int], percent: int) -> int | None:
    """The smallest value with at least ``percent`` % of the counts at or below it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = -(-percent * total // 100)  # ceil
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover


def count_cn(count: int) -> str:
    """A head count in the style of Chinese reports: ``10500`` → ``"1.05万"``, ``356`` → ``"356"``."""
    for size, unit in ((100_000_000, "亿"), (10_000, "万")):
        if abs(count) >= size:
            scaled = (Decimal(count) / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            text = f"{scaled:f}".rstrip("0").rstrip(".")
            return f"{text}{unit}"
    return str(count)


def summary_zh(report: ProgramYearReport) -> str:
    """One paragraph in the style of the program's annual report, every number from the data."""
    text = (
        f"{report.year}年度，{report.program_name}参保{count_cn(report.insured)}人，"
        f"共为{count_cn(report.person_times)}人次提供赔款{format_yuan_cn(report.paid_fen)}，"
        f"赔付人数{count_cn(report.claimants)}人，人均{format_yuan_cn(report.average_per_claimant_fen)}"
    )
    groups = [share for share in report.vulnerable if share.person_times > 0]
    if groups:
        names = "、".join(share.label for share in groups[:2])
        who = names if len(groups) == 1 else f"{names}等困难人员"
        text += (
            f"；其中{who}{count_cn(report.vulnerable_person_times)}人次、"
            f"{format_yuan_cn(report.vulnerable_paid_fen)}"
        )
    text += "。"
    if report.turnaround_median_days is not None:
        text += (
            f"自结算至支付，半数在{report.turnaround_median_days}天内、"
            f"九成在{report.turnaround_p90_days}天内完成。"
        )
    return text
