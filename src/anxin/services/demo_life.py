"""``anxin demo``'s life policies (保全): a synthetic book of the province's residents run through a
year of days on the database, with premiums collected, servicing requests and new-policy callbacks.

The year is **2021**, the year of the shipped relief campaign (``campaigns/henan-flood-2021.toml``),
whatever the other programs' year: about 30 % of the policies are in Henan, the rest in the
residents' own districts. The book (:func:`anxin.synth.life.life_book`, as of 2021-01-01) is written
as the office's policies file and imported with the real importer; the new business of the year is
imported week by week as it is received. Each day of the year goes through the daily run
(:func:`anxin.services.servicing_run.run_servicing_day`, which also opens the callback tasks); each
week the premiums fallen due are collected from a bank file; the day's requests
(:func:`anxin.synth.life_activity.requests_plan`) go through
:func:`anxin.services.servicing_requests.submit_request` and the day's callbacks through
:func:`anxin.services.callbacks.record_callback`. Refused requests are expected and counted (their
rows are stored). Everything reported is read back from the database (:func:`life_year`).

Run again on the same database, nothing changes: the files are already imported and the days whose
daily run is done are not run again (a run interrupted mid-year resumes with the first day not done).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from anxin.domain.errors import AnxinError
from anxin.domain.life.callbacks import CONFIRMATIONS, CallbackChannel, CallbackStatus
from anxin.domain.life.events import EventKind
from anxin.domain.life.interest import simple_interest
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.domain.life.relief import ReliefCampaign, relief_on
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.engine.servicing_terms import LOAN_SCHEMA
from anxin.services.callbacks import record_callback
from anxin.services.campaign_reports import CampaignReport, campaign_report
from anxin.services.imports import import_policies
from anxin.services.life_kpis import KpiValue
from anxin.services.life_refunds import pay_refunds, refunds_owed
from anxin.services.life_reports import LifeMonthRow, life_report
from anxin.services.premium_collection import collect_premiums, write_stored_collection_file
from anxin.services.servicing_requests import quote_policy, submit_request
from anxin.services.servicing_run import ACTIVE, run_servicing_day
from anxin.store.database import Database
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.store.schema import (
    CallbackTask,
    LifePolicy,
    PolicyEvent,
    PolicyLoan,
    ServicingDay,
    ServicingRequest,
)
from anxin.synth.life import life_book, write_policies_file
from anxin.synth.life_activity import (
    NEW_PREFIX,
    callbacks_by_day,
    import_day,
    new_business,
    placed,
    requests_plan,
)

#: The life year of the demo: the shipped Henan relief campaign's year.
LIFE_YEAR, CAMPAIGN = 2021, "henan-flood-2021"
#: The book at the start of the year, and the new policies received during it.
BOOK, NEW_BUSINESS = 2_000, 240
#: New business is imported, and premiums collected, every this many days.
WEEK = 7
ACTOR = "demo"
#: Loan requests ask for up to this multiple of the quote.
OVER_ASKING = 1.04
NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊")
Tick = Callable[[int, int], None]


def book_size(persons: int) -> tuple[int, int]:
    """The book and the year's new business for a province of ``persons`` residents: a policy per
    ten residents, at most :data:`BOOK` (the days, not the policies, set the pace), new business 12 %."""
    policies = min(BOOK, max(persons // 10, 100))
    return policies, policies * NEW_BUSINESS // BOOK


def run_life_year(
    db: Database,
    persons: Path,
    workdir: Path,
    *,
    seed: int,
    policies: int = BOOK,
    new_policies: int = NEW_BUSINESS,
    progress: Tick | None = None,
) -> int:
    """Import the book and run the year on it; the number of days run (0 when already done)."""
    catalogue = list(shipped_products().values())
    campaigns = list(shipped_campaigns().values())
    folder = workdir / "life"
    folder.mkdir(parents=True, exist_ok=True)
    people = pl.read_parquet(persons, columns=["psn_no", "region_code"])
    holders = people["psn_no"].to_list()
    local = people["region_code"].unique().sort().to_list()
    first, last = dt.date(LIFE_YEAR, 1, 1), dt.date(LIFE_YEAR, 12, 31)
    book, loans = life_book(policies, seed=seed, as_of=first, products=catalogue)
    book = placed(book, local, seed=seed)
    import_policies(
        db, write_policies_file(book, loans, holders, folder / "policies.csv", seed=seed), actor=ACTOR
    )
    fresh = placed(
        new_business(new_policies, year=LIFE_YEAR, seed=seed, products=catalogue), local, seed=seed + 1
    )
    plan = requests_plan(LIFE_YEAR, policies=policies, new_policies=new_policies, seed=seed)
    cooling_off = max(p.cooling_off.days for p in catalogue)
    calls = callbacks_by_day(fresh, book, first, seed=seed, cooling_off=cooling_off, every=WEEK)
    start = _first_day_to_run(db, first)
    days = [start + dt.timedelta(days=n) for n in range((last - start).days + 1)] if start else []
    if progress and not days:
        progress(0, 0)
    for done, day in enumerate(days, 1):
        weekly = (day - first).days % WEEK == 0
        if weekly:
            _import_week(db, fresh, day, holders, folder, seed)
        run_servicing_day(db, day, products=catalogue, campaigns=campaigns, actor=ACTOR)
        if weekly:
            _collect_week(db, folder, day, seed)
            pay_refunds(db, day, actor=ACTOR)  # what is owed to customers, paid weekly (due within 30 days)
        _requests(db, plan.filter(pl.col("day") == day), day, catalogue, campaigns)
        _callbacks(calls.filter(pl.col("day") == day), db, day)
        if progress:
            progress(done, len(days))
    return len(days)


def _first_day_to_run(db: Database, first: dt.date) -> dt.date | None:
    """The first day of the year the daily run has not finished (``None``: the whole year is done)."""
    last = dt.date(first.year, 12, 31)
    in_year = ServicingDay.day.between(first, last)
    with db.engine.connect() as connection:
        unfinished, done = connection.execute(
            sa.select(
                sa.func.min(sa.case((ServicingDay.finished.is_(False), ServicingDay.day))),
                sa.func.max(sa.case((ServicingDay.finished.is_(True), ServicingDay.day))),
            ).where(in_year)
        ).one()
    if unfinished is not None:
        return unfinished
    if done is None:
        return first
    day = done + dt.timedelta(days=1)
    return day if day <= last else None


def _import_week(
    db: Database, fresh: pl.DataFrame, day: dt.date, holders: list[str], folder: Path, seed: int
) -> None:
    """The new policies received in the week to ``day``, imported as that day's policies file."""
    week = fresh.filter(import_day(pl.col("received_on"), dt.date(LIFE_YEAR, 1, 1), WEEK) == day)
    if week.height:
        week = week.with_columns(last_run_day=pl.lit(day - dt.timedelta(days=1), pl.Date))
        path = folder / f"new-business-{day.isoformat()}.csv"
        empty = pl.DataFrame(schema=LOAN_SCHEMA)
        import_policies(db, write_policies_file(week, empty, holders, path, seed=seed), actor=ACTOR)


def _collect_week(db: Database, folder: Path, day: dt.date, seed: int) -> None:
    """The premiums fallen due in the week to ``day``, collected from the bank's file of that day
    (a seeded 3 % of policies never pay)."""
    first = day - dt.timedelta(days=WEEK - 1)
    path, rows = write_stored_collection_file(
        db, folder / f"premiums-{day.isoformat()}.csv", first, day, seed=seed
    )
    if rows:
        collect_premiums(db, path, actor=ACTOR, day=day)


def _callbacks(calls: pl.DataFrame, db: Database, day: dt.date) -> None:
    for policy_no, channel, complete in calls.select("policy_id", "channel", "complete").iter_rows():
        answers = {column: True for column, _, _ in CONFIRMATIONS}
        if not complete:
            answers["knows_surrender_losses"] = False
        with suppress(AnxinError):  # the policy was cancelled first, or ended: its task is closed
            record_callback(
                db, policy_no, channel=CallbackChannel(channel), confirmations=answers, day=day, actor=ACTOR
            )


def _book_on(db: Database) -> list[Any]:
    """The active policies with their loan accounts, by policy number."""
    with db.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(
                    LifePolicy.policy_no, LifePolicy.status, LifePolicy.region_code, LifePolicy.product_code,
                    LifePolicy.received_on, PolicyLoan.principal_fen, PolicyLoan.start, PolicyLoan.rate_bp,
                )
                .outerjoin(PolicyLoan, PolicyLoan.policy_id == LifePolicy.id)
                .where(LifePolicy.status.in_(ACTIVE)).order_by(LifePolicy.policy_no)
            ).all()
        )  # fmt: skip


def _eligible(kind: str, day: dt.date, products: dict[str, LifeProduct]) -> Callable[[Any], bool]:
    """Which policies (rows of :func:`_book_on`) a request of ``kind`` can be made on, on ``day``."""
    cooling = {code: dt.timedelta(days=p.cooling_off.days) for code, p in products.items()}
    if kind == "loan":
        return lambda row: row.status == PolicyStatus.IN_FORCE
    if kind == "repayment":
        return lambda row: row.principal_fen is not None
    if kind == "reinstatement":
        return lambda row: row.status == PolicyStatus.SUSPENDED
    if kind == "surrender":
        return lambda row: day > row.received_on + cooling[row.product_code]
    if kind == "cooling_off_cancellation":
        return lambda row: (
            row.status == PolicyStatus.IN_FORCE
            and row.received_on <= day <= row.received_on + cooling[row.product_code]
        )
    return lambda row: True


def _requests(
    db: Database,
    plan: pl.DataFrame,
    day: dt.date,
    catalogue: list[LifeProduct],
    campaigns: list[ReliefCampaign],
) -> None:
    """The day's requests, each on the policy its ``pick`` chooses among those eligible for it."""
    if plan.height == 0:
        return
    products = {p.code: p for p in catalogue}
    book = _book_on(db)
    for kind, channel, pick, share in plan.select("kind", "channel", "pick", "share").iter_rows():
        eligible = _eligible(kind, day, products)
        candidates = [row for row in book if eligible(row)]
        if not candidates:
            continue
        row = candidates[int(pick * len(candidates))]
        request = _request(db, kind, row, day, share, campaigns)
        if request is None:
            continue
        with suppress(AnxinError):  # refused: the request is stored as refused, with its reason
            submit_request(db, row.policy_no, request[0], channel=Channel(channel), day=day, actor=ACTOR,
                           details=request[1])  # fmt: skip


def _request(
    db: Database, kind: str, row: Any, day: dt.date, share: float, campaigns: list[ReliefCampaign]
) -> tuple[RequestKind, dict[str, Any]] | None:
    """The request's kind and details for the policy of ``row``; ``None`` when nothing is asked."""
    if kind == "loan":
        quote = quote_policy(db, row.policy_no, day).loan
        # a few ask for more than the quote (about 5 %): refused
        amount = int(quote.amount_fen * share * OVER_ASKING) if quote else 0
        return (RequestKind.LOAN, {"amount_fen": amount}) if amount >= 100 else None
    if kind == "repayment":
        debt = row.principal_fen + simple_interest(row.principal_fen, row.rate_bp, (day - row.start).days)
        return RequestKind.REPAYMENT, {"amount_fen": debt if share > 0.6 else max(int(debt * share), 1)}
    if kind == "reinstatement":
        free = relief_on(campaigns, row.region_code, day).interest_free_reinstatement
        return (RequestKind.INTEREST_FREE_REINSTATEMENT if free else RequestKind.REINSTATEMENT), {}
    if kind == "contact_change":
        return RequestKind.CONTACT_CHANGE, {"phone": f"13{int(share * 1e9):09d}"}
    if kind == "beneficiary_change":
        name = NAMES[int(share * 10) % len(NAMES)]
        beneficiaries = [{"name": name, "order": 1, "share_bp": 10_000}]
        return RequestKind.BENEFICIARY_CHANGE, {"beneficiaries": beneficiaries, "insured_consent": True}
    return RequestKind(kind), {}


@dataclass(frozen=True)
class LifeYear:
    """The demo's life year as the database holds it (the same figures when run again)."""

    year: int
    days_run: int
    seconds: float
    policies: int
    new_business: int
    #: (status, policies) at the year's end, every status listed.
    statuses: list[tuple[PolicyStatus, int]]
    totals: LifeMonthRow
    premiums_paid: int
    premiums_fen: int
    #: Payouts to customers (surrender values, refunds, benefits): paid, their fen, still owed at year end.
    refunds_paid: int
    refunds_fen: int
    refunds_owed_fen: int
    #: (kind, done, refused) and (channel, done).
    requests: list[tuple[RequestKind, int, int]]
    channels: list[tuple[Channel, int]]
    #: Callback tasks: done electronically, done by phone, open (due next year), overdue, closed.
    callbacks: dict[str, int]
    campaign: CampaignReport
    kpis: list[KpiValue]


def life_year(db: Database, *, days_run: int, seconds: float) -> LifeYear:
    """The figures of the demo's life year, read back from the database."""
    first, last = dt.date(LIFE_YEAR, 1, 1), dt.date(LIFE_YEAR, 12, 31)
    sr, cb, pe = ServicingRequest, CallbackTask, PolicyEvent
    with db.engine.connect() as c:
        by_status = dict(
            c.execute(sa.select(LifePolicy.status, sa.func.count()).group_by(LifePolicy.status)).all()
        )
        new = c.execute(
            sa.select(sa.func.count()).where(LifePolicy.policy_no.startswith(NEW_PREFIX))
        ).scalar_one()
        paid, paid_fen = c.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(pe.amount_fen), 0))
            .where(pe.event == EventKind.PREMIUM_PAID.value, pe.day.between(first, last))
        ).one()  # fmt: skip
        refunds, refunds_fen = c.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(pe.amount_fen), 0))
            .where(pe.event == EventKind.REFUND_PAID.value, pe.day.between(first, last))
        ).one()  # fmt: skip
        requests = {(k, s): n for k, s, n in c.execute(
            sa.select(sr.kind, sr.status, sa.func.count()).where(sr.day.between(first, last)).group_by(sr.kind, sr.status)
        )}  # fmt: skip
        channels = dict(c.execute(
            sa.select(sr.channel, sa.func.count())
            .where(sr.day.between(first, last), sr.status == RequestStatus.DONE.value).group_by(sr.channel)
        ).all())  # fmt: skip
        late = sa.and_(cb.status == CallbackStatus.OPEN.value, cb.due_on <= last)
        tasks = c.execute(
            sa.select(cb.status, cb.channel, late, sa.func.count()).where(cb.opened_on.between(first, last))
            .group_by(cb.status, cb.channel, late)
        ).all()  # fmt: skip
    report = life_report(db, LIFE_YEAR)  # the year's figures and its rates
    callbacks = {"electronic": 0, "phone": 0, "open": 0, "overdue": 0, "closed": 0}
    for status, channel, overdue, n in tasks:
        callbacks["overdue" if overdue else channel if status == CallbackStatus.DONE else status] += n
    return LifeYear(
        LIFE_YEAR, days_run, seconds, sum(by_status.values()), new,
        [(s, by_status.get(s.value, 0)) for s in PolicyStatus], report.totals,
        paid, int(paid_fen), refunds, int(refunds_fen), sum(o.amount_fen for o in refunds_owed(db, last)),
        [(k, requests.get((k.value, "done"), 0), requests.get((k.value, "refused"), 0)) for k in RequestKind
         if requests.get((k.value, "done")) or requests.get((k.value, "refused"))],
        [(ch, channels.get(ch.value, 0)) for ch in Channel],
        callbacks, campaign_report(db, CAMPAIGN), report.rates,
    )  # fmt: skip
