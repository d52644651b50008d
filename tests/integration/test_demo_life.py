"""The demo's life year on SQLite and PostgreSQL, with a tiny book: a synthetic province's residents
hold policies run through 2021 day by day with premiums collected, requests and callbacks; the year
ends with suspended and reinstated policies, the Henan relief campaign helped some, both electronic
rates are counted, the postings balance and move ``policy_loans`` exactly as the loans' principals,
and the same year run again changes nothing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from rich.console import Console

from anxin.domain.life.policy import PolicyStatus
from anxin.services.demo import _life
from anxin.services.demo_life import LIFE_YEAR, life_year, run_life_year
from anxin.services.imports import import_persons
from anxin.store.life_files import shipped_products
from anxin.store.schema import (
    AdjudicationRun,
    CallbackTask,
    ImportBatch,
    LifePolicy,
    PolicyEvent,
    PolicyLoan,
    PolicyStatusChange,
    ServicingDay,
    ServicingRequest,
)
from anxin.synth import write_province_chunked
from anxin.synth.life_activity import (
    callbacks_by_day,
    callbacks_plan,
    import_day,
    new_business,
    requests_plan,
)

TABLES = (LifePolicy, PolicyLoan, PolicyEvent, PolicyStatusChange, ServicingRequest, CallbackTask, ImportBatch,
          AdjudicationRun)  # fmt: skip


def counts(db) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return tuple(
            connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in TABLES
        )


def state(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            sa.select(LifePolicy.policy_no, LifePolicy.status, LifePolicy.premiums_paid, LifePolicy.last_run_day,
                      PolicyLoan.principal_fen)
            .outerjoin(PolicyLoan, PolicyLoan.policy_id == LifePolicy.id).order_by(LifePolicy.policy_no)
        )]  # fmt: skip


@pytest.fixture
def province(database, tmp_path):  # type: ignore[no-untyped-def]
    paths = write_province_chunked(tmp_path / "province", persons=1_000, seed=5, year=2023)
    import_persons(database, paths["persons"], program_code="taian-ci", year=2023, actor="demo")
    return paths["persons"]


def test_a_year_of_life_servicing_is_run_reported_and_not_run_twice(database, province, tmp_path):
    days = run_life_year(database, province, tmp_path, seed=5, policies=200, new_policies=40)
    assert days == 365
    with database.engine.connect() as c:
        days_run = c.execute(
            sa.select(sa.func.count(), sa.func.min(ServicingDay.day), sa.func.max(ServicingDay.day))
            .where(ServicingDay.finished.is_(True))
        ).one()  # fmt: skip
        henan = c.execute(
            sa.select(sa.func.count()).where(LifePolicy.region_code.startswith("41"))
        ).scalar_one()
        paid = c.execute(sa.select(sa.func.count()).where(PolicyEvent.event == "premium_paid")).scalar_one()
        loans = pl.DataFrame(
            c.execute(sa.select(PolicyLoan.principal_fen)).all(), schema=["principal"], orient="row"
        )
        postings = pl.DataFrame(
            c.execute(sa.select(PolicyEvent.debit, PolicyEvent.credit, PolicyEvent.amount_fen)).all(),
            schema={"debit": pl.String, "credit": pl.String, "amount": pl.Int64}, orient="row",
        )  # fmt: skip
    assert tuple(days_run) == (365, dt.date(LIFE_YEAR, 1, 1), dt.date(LIFE_YEAR, 12, 31))
    assert 40 < henan < 100  # about 30 % of 240
    assert paid > 100  # premiums collected week by week
    year = life_year(database, days_run=days, seconds=1.0)
    assert year.policies == 240 and year.new_business == 40
    statuses = dict(year.statuses)
    assert statuses[PolicyStatus.SUSPENDED] > 0 and statuses[PolicyStatus.IN_FORCE] > 150
    assert year.totals.reinstatements > 0 and year.totals.suspensions > 0 and year.totals.loans_taken > 0
    assert sum(statuses.values()) == 240
    assert year.campaign.helped_policies > 0
    rates = {k.code: k for k in year.kpis}
    assert rates["e-callback-rate"].denominator > 0 and rates["e-servicing-rate"].denominator > 0
    assert rates["e-servicing-rate"].numerator <= rates["e-servicing-rate"].denominator
    assert year.callbacks["electronic"] == rates["e-callback-rate"].numerator
    assert year.callbacks["electronic"] + year.callbacks["phone"] == rates["e-callback-rate"].denominator
    done = sum(d for _, d, _ in year.requests)
    assert done == rates["e-servicing-rate"].denominator
    # every posting has both sides; policy_loans moved exactly as the principals (the imported
    # loans had no postings: the file's principals are the opening balance)
    money = postings.filter(pl.col("debit").is_not_null())
    assert money["credit"].is_not_null().all() and (money["amount"] > 0).all()
    assert postings.filter(pl.col("debit").is_null())["credit"].is_null().all()
    moved = (
        money.filter(pl.col("debit") == "policy_loans")["amount"].sum()
        - money.filter(pl.col("credit") == "policy_loans")["amount"].sum()
    )
    opening = pl.read_csv(tmp_path / "life" / "policies.csv", infer_schema_length=0)["借款本金"].drop_nulls()
    opening_fen = sum(round(float(v) * 100) for v in opening.to_list())
    assert moved == loans["principal"].sum() - opening_fen
    # the report section, Chinese first
    console = Console(record=True, width=200)
    for part in _life(year):
        console.print(part)
    text = console.export_text()
    callback = rates["e-callback-rate"]
    row = next(line for line in text.splitlines() if "电子化回访率 e-callback rate" in line)
    assert callback.rate_text in row and f"{callback.numerator:,}/{callback.denominator:,}" in row
    assert "年末保单状态" in text and "河南" in text and "效力中止 suspended" in text
    # the same year again changes nothing
    before, rows = counts(database), state(database)
    assert run_life_year(database, province, tmp_path, seed=5, policies=200, new_policies=40) == 0
    assert counts(database) == before and state(database) == rows
    assert life_year(database, days_run=0, seconds=0.0).kpis == year.kpis


def test_the_year_of_activity_is_seeded():
    products = list(shipped_products().values())
    fresh = new_business(50, year=LIFE_YEAR, seed=3, products=products)
    assert fresh.equals(new_business(50, year=LIFE_YEAR, seed=3, products=products))
    assert fresh["received_on"].dt.year().unique().to_list() == [LIFE_YEAR]
    assert (fresh["issue_date"] < fresh["received_on"]).all() and set(fresh["status"]) == {"in_force"}
    plan = requests_plan(LIFE_YEAR, policies=1_000, new_policies=100, seed=3)
    assert plan.height == 60 + 8 + 40 + 30 + 30 + 8 + 4
    assert plan.equals(requests_plan(LIFE_YEAR, policies=1_000, new_policies=100, seed=3))
    assert 0.95 < (plan["channel"] == "app").mean() <= 1.0  # type: ignore[operator]
    calls = callbacks_plan(fresh.select("policy_id", "received_on"), seed=3)
    late = (calls["day"] - fresh["received_on"]).dt.total_days()
    assert late.min() >= 3 and late.max() <= 10  # type: ignore[operator]
    # by day: never before the weekly import, always inside the cooling-off period (15 days)
    book = fresh.head(0)
    by_day = callbacks_by_day(fresh, book, dt.date(LIFE_YEAR, 1, 1), seed=3, cooling_off=15, every=7)
    days = by_day.join(fresh.select("policy_id", "received_on"), on="policy_id").with_columns(
        imported=import_day(pl.col("received_on"), dt.date(LIFE_YEAR, 1, 1), 7)
    )
    assert (days["day"] >= days["imported"]).all() and (days["imported"] >= days["received_on"]).all()
    assert ((days["day"] - days["received_on"]).dt.total_days() <= 15).all()
    assert set(by_day["channel"]) <= {"electronic", "phone"} and by_day.height >= 48
