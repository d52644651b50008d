"""The life-policy servicing scenarios of this folder again, on the database (SQLite and PostgreSQL):
the policies imported through the policies importer, the daily run (:func:`run_servicing_day`) on
every day, the requests through :func:`submit_request`; the same expectations as in memory (statuses,
premiums paid, debts and principals, amounts, explanation lines, refusals, the run's events)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import AnxinError
from anxin.domain.life.policy import LoanState, PolicyState
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.domain.money import parse_yuan
from anxin.engine.servicing_frames import loans_frame, policies_frame
from anxin.services.imports import import_persons, import_policies
from anxin.services.life_reports import life_report
from anxin.services.policy_records import load_policy
from anxin.services.servicing_requests import policy_requests, submit_request
from anxin.services.servicing_run import run_servicing_day
from anxin.store.schema import LifePolicy, PolicyEvent
from anxin.synth.life import write_policies_file
from tests.integration.care_support import RESIDENT, YEAR, certno
from tests.integration.group_claims_support import write
from tests.scenarios.life.scenario_support import CAMPAIGNS, SCENARIOS, load_scenario, play, policy_state

KINDS = {
    "pay_premium": RequestKind.PREMIUM_PAYMENT,
    "loan": RequestKind.LOAN,
    "repay": RequestKind.REPAYMENT,
    "reinstate": RequestKind.REINSTATEMENT,
    "cancel": RequestKind.COOLING_OFF_CANCELLATION,
    "surrender": RequestKind.SURRENDER,
}
EVENT_SCHEMA = {
    "policy_id": pl.String,
    "day": pl.Date,
    "event": pl.String,
    "debit": pl.String,
    "amount": pl.Int64,
}


class StoredBook:
    def __init__(self, db, scenario: dict, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.start: dt.date = scenario["start"]
        self.campaigns = [CAMPAIGNS[code] for code in scenario.get("campaigns", [])]
        self.day = self.start - dt.timedelta(days=1)
        roster = pl.DataFrame({"证件号码": [certno(1)], "人员编号": ["LP0001"]})
        import_persons(db, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
        policies = policies_frame(policy_state(row, self.start) for row in scenario["policies"])
        path = write_policies_file(policies, loans_frame([]), ["LP0001"], tmp_path / "policies.csv")
        import_policies(db, path)

    def run_to(self, last: dt.date) -> pl.DataFrame:
        """Run every day up to ``last``; the run's events of those days."""
        first = self.day + dt.timedelta(days=1)
        while self.day < last:
            self.day += dt.timedelta(days=1)
            run_servicing_day(self.db, self.day, campaigns=self.campaigns)
        with self.db.engine.connect() as connection:
            rows = connection.execute(
                sa.select(LifePolicy.policy_no, PolicyEvent.day, PolicyEvent.event, PolicyEvent.debit,
                          PolicyEvent.amount_fen)
                .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id)
                .where(PolicyEvent.run_id.is_not(None), PolicyEvent.day.between(first, last))
                .order_by(PolicyEvent.id)
            ).all()  # fmt: skip
        return pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")

    def state(self, policy_no: str) -> tuple[PolicyState, LoanState | None]:
        with self.db.engine.connect() as connection:
            stored = load_policy(connection, policy_no, lock=False)
        return stored.state, stored.loan

    def request(self, step: dict):  # type: ignore[no-untyped-def]
        details = {"amount_fen": parse_yuan(step["pay"])} if "pay" in step else {}
        return submit_request(
            self.db, step["policy"], KINDS[step["request"]], channel=Channel.COUNTER, day=step["day"],
            actor="scenario", details=details, campaigns=self.campaigns,
        )  # fmt: skip


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_on_the_database(database, tmp_path, path: Path) -> None:
    scenario = load_scenario(path)
    book = StoredBook(database, scenario, tmp_path)

    def refusal_stored(step: dict, refused: AnxinError) -> None:
        latest = policy_requests(database, step["policy"])[0]
        assert (latest.status, latest.amount_fen) == (RequestStatus.REFUSED, 0)
        assert latest.lines_zh == (refused.zh,)

    def request_stored(step: dict, result) -> None:  # type: ignore[no-untyped-def]
        assert policy_requests(database, step["policy"])[0] == result

    play(scenario, book, book.state, amount_of=lambda result: result.amount_fen,
         after_refusal=refusal_stored, after_request=request_stored)  # fmt: skip


def test_the_life_report_counts_the_maturities_of_the_maturity_scenario(database, tmp_path) -> None:
    path = next(p for p in SCENARIOS if p.stem == "maturity")
    scenario = load_scenario(path)
    book = StoredBook(database, scenario, tmp_path)
    play(scenario, book, book.state, amount_of=lambda result: result.amount_fen)
    totals = life_report(database, 2026).totals  # both reach their term in 2026
    # M1 in force at its term: 100,000 − its debt 10,121.92; M2 suspended: cash value 48,100 − 21,027.23
    assert (totals.maturities, totals.maturity_paid_fen) == (2, 8_987_808 + 2_707_277)
