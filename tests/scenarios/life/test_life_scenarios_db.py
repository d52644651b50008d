"""The life-policy servicing scenarios of this folder again, on the database (SQLite and PostgreSQL):
the policies imported through the policies importer, the daily run (:func:`run_servicing_day`) on
every day, the requests through :func:`submit_request`; the same expectations as in memory (statuses,
premiums paid, debts and principals, amounts, explanation lines, refusals, the run's events)."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import AnxinError
from anxin.domain.life.policy import LoanState
from anxin.domain.life.requests import Channel, RequestKind, RequestStatus
from anxin.domain.money import parse_yuan
from anxin.engine.servicing_frames import loans_frame, policies_frame
from anxin.services.imports import import_persons, import_policies
from anxin.services.policy_records import load_policy
from anxin.services.servicing_requests import policy_requests, submit_request
from anxin.services.servicing_run import run_servicing_day
from anxin.store.schema import LifePolicy, PolicyEvent
from anxin.synth.life import write_policies_file
from tests.integration.care_support import RESIDENT, YEAR, certno
from tests.integration.group_claims_support import write
from tests.scenarios.life.test_life_scenarios import CAMPAIGNS, SCENARIOS, _check_events, _policy

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
        policies = policies_frame(_policy(row, self.start) for row in scenario["policies"])
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

    def loan(self, policy_no: str) -> LoanState | None:
        with self.db.engine.connect() as connection:
            return load_policy(connection, policy_no, lock=False).loan

    def request(self, step: dict):  # type: ignore[no-untyped-def]
        details = {"amount_fen": parse_yuan(step["pay"])} if "pay" in step else {}
        return submit_request(
            self.db, step["policy"], KINDS[step["request"]], channel=Channel.COUNTER, day=step["day"],
            actor="scenario", details=details, campaigns=self.campaigns,
        )  # fmt: skip


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_on_the_database(database, tmp_path, path: Path) -> None:
    scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    book = StoredBook(database, scenario, tmp_path)
    for step in scenario["steps"]:
        events = book.run_to(step["run_to"] if "run_to" in step else step["day"])
        if "run_to" in step:
            pass
        elif "refused" in step:
            with pytest.raises(AnxinError) as refused:
                book.request(step)
            assert refused.value.code == step["refused"], refused.value
            latest = policy_requests(database, step["policy"])[0]
            assert (latest.status, latest.amount_fen) == (RequestStatus.REFUSED, 0)
            assert latest.lines_zh == (refused.value.zh,)
        else:
            result = book.request(step)
            if "amount" in step:
                assert result.amount_fen == parse_yuan(step["amount"]), result.lines_zh
            text = "\n".join(result.lines_zh)
            for line in step.get("explains", []):
                assert line in text, text
            assert result.lines_en and len(result.lines_en) == len(result.lines_zh)
            assert policy_requests(database, step["policy"])[0] == result
        _check_events(step.get("events", []), events)
        for want in step.get("no_events", []):
            hit = events.filter((pl.col("policy_id") == want["policy"]) & (pl.col("event") == want["event"]))
            assert not hit.height, f"unexpected {want}"
        for want in step.get("expect", []):
            with database.engine.connect() as connection:
                stored = load_policy(connection, want["policy"], lock=False)
            state, loan = stored.state, stored.loan
            day = book.day if "run_to" in step else step["day"]
            if "status" in want:
                assert state.status == want["status"], (want, state)
            if "premiums_paid" in want:
                assert state.premiums_paid == want["premiums_paid"], (want, state)
            if "suspended_on" in want:
                assert state.suspended_on == want["suspended_on"], (want, state)
            if "debt" in want:
                assert (loan.debt_on(day) if loan else 0) == parse_yuan(want["debt"]), (want, loan)
            if "principal" in want:
                assert (loan.principal if loan else 0) == parse_yuan(want["principal"]), (want, loan)
