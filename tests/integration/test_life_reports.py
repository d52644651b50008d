"""The life-servicing report (保全报表) on SQLite and PostgreSQL, from a small stored book run through
the daily run over the Henan flood campaign's window and a few servicing requests written as the
requests service writes them: exact counts and fen by month and region, and the reconciliations
with the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput
from anxin.domain.life import servicing
from anxin.domain.life.policy import PolicyState, PolicyStatus
from anxin.domain.life.relief import ReliefTerms, relief_on
from anxin.engine.servicing_frames import loan_states, policies_frame, policy_states
from anxin.services.imports import import_persons, import_policies
from anxin.services.life_report_export import export_life_report
from anxin.services.life_reports import TOTAL_MONTH, life_report
from anxin.services.policy_book import POLICY_COLUMNS, STATE, read_book
from anxin.services.servicing_run import run_servicing_day
from anxin.store.life_files import shipped_campaigns, shipped_products
from anxin.store.schema import (
    AuditEntry,
    LifePolicy,
    PolicyEvent,
    PolicyLoan,
    PolicyStatusChange,
    ServicingRequest,
)
from anxin.synth.life import write_policies_file

from .care_support import RESIDENT, YEAR, certno
from .group_claims_support import write

PRODUCTS = shipped_products()
HENAN = shipped_campaigns()["henan-flood-2021"]
WHOLE_LIFE = "anxin-whole-life-2026"
PEOPLE = [f"LR{i:03d}" for i in range(6)]
D = dt.date


def _policy(no: str, region: str, issue: dt.date, paid: int, **state) -> PolicyState:  # type: ignore[no-untyped-def]
    product = PRODUCTS[WHOLE_LIFE]
    sum_insured = 10_000_000
    base = PolicyState(
        policy_id=no, product=WHOLE_LIFE, region=region, sum_insured=sum_insured,
        premium=product.modal_premium(sum_insured), issue_date=issue, received_on=issue, apl=False,
        status=PolicyStatus.IN_FORCE, status_since=issue, premiums_paid=paid, last_run_day=D(2021, 5, 31),
    )  # fmt: skip
    return dataclasses.replace(base, **state)


#: H1 郑州, H3 洛阳, S1 青岛: premium due 2021-07-01 unpaid; H2 郑州 and S2 青岛 take loans on
#: 2021-06-01 (maturing 2021-11-28); T1 青岛 suspended since 2019-11-01 (window over 2021-10-31);
#: C1 郑州 issued 2021-09-01 and cancelled in its cooling-off period.
BOOK = [
    _policy("H1", "410102", D(2019, 7, 1), 2),
    _policy("H3", "410302", D(2019, 7, 1), 2),
    _policy("S1", "370202", D(2019, 7, 1), 2),
    _policy("H2", "410102", D(2015, 6, 1), 7),
    _policy("S2", "370202", D(2015, 6, 1), 7),
    _policy("T1", "370202", D(2017, 9, 1), 2, status=PolicyStatus.SUSPENDED, status_since=D(2019, 11, 1),
            due_on=D(2019, 9, 1), suspended_on=D(2019, 11, 1)),
    _policy("C1", "410102", D(2021, 9, 1), 1),
]  # fmt: skip
#: What the interest-free reinstatement of H1 on 2021-12-30 waives: 2,500 × 5 % × 122 ÷ 365.
H1_WAIVED = 4178


def request(db, policy_no: str, kind: str, day: dt.date, decide, details: dict | None = None):  # type: ignore[no-untyped-def]
    """A servicing request decided by the domain and written as the requests service writes it: the
    request, its postings, the status change, the policy's new state and loan account."""
    with db.engine.begin() as connection:
        frame, loans = read_book(connection, LifePolicy.policy_no == policy_no)
        policy_id = int(frame["_id"][0])
        state = policy_states(frame.drop("_id"))[0]
        loan = next(iter(loan_states(loans)), None)
        outcome = decide(state, loan)
        request_id = connection.execute(
            sa.insert(ServicingRequest).values(
                request_no=f"R-{policy_no}-{day}", policy_id=policy_id, kind=kind, channel="counter",
                status="done", day=day, amount_fen=outcome.amount, details=json.dumps(details or {}),
                explanation_zh="\n".join(outcome.lines_zh), explanation_en="\n".join(outcome.lines_en),
                entered_by="tester",
            ).returning(ServicingRequest.id)
        ).scalar_one()  # fmt: skip
        after = outcome.state
        moved = after.status is not state.status
        rows = [(p.debit.value, p.credit.value, p.amount) for p in outcome.postings] or [(None, None, 0)]
        for debit, credit, amount in rows:
            connection.execute(
                sa.insert(PolicyEvent).values(
                    request_id=request_id, policy_id=policy_id, day=day, event=outcome.event.value,
                    status_from=state.status.value if moved else None,
                    status_to=after.status.value if moved else None,
                    debit=debit, credit=credit, amount_fen=amount,
                )
            )  # fmt: skip
        if moved:
            connection.execute(
                sa.insert(PolicyStatusChange).values(
                    policy_id=policy_id, day=day, status_from=state.status.value, status_to=after.status.value,
                    event=outcome.event.value, request_id=request_id,
                )
            )  # fmt: skip
        row = policies_frame([after]).to_dicts()[0]
        connection.execute(
            sa.update(LifePolicy)
            .where(LifePolicy.id == policy_id)
            .values({POLICY_COLUMNS[n]: row[n] for n in STATE})
        )
        connection.execute(sa.delete(PolicyLoan).where(PolicyLoan.policy_id == policy_id))
        if outcome.loan is not None:
            new = outcome.loan
            connection.execute(
                sa.insert(PolicyLoan).values(
                    policy_id=policy_id, principal_fen=new.principal, start=new.start, maturity=new.maturity,
                    rate_bp=new.rate_bp, interest_fen=new.interest,
                )
            )  # fmt: skip
    return outcome


def build_book(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The book above imported, run on the days where something happens from 2021-06-01 to
    2022-01-01 with the shipped campaigns, and its requests made on their days."""
    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(len(PEOPLE))], "人员编号": PEOPLE})
    import_persons(db, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    empty = pl.DataFrame(schema={"policy_id": pl.String}).join(
        pl.DataFrame(schema=dict.fromkeys(["principal", "rate_bp", "interest"], pl.Int64)), how="cross"
    )
    loans = empty.with_columns(start=pl.lit(None, pl.Date), maturity=pl.lit(None, pl.Date))
    import_policies(db, write_policies_file(policies_frame(BOOK), loans, PEOPLE, tmp_path / "policies.csv"))
    product = PRODUCTS[WHOLE_LIFE]

    def run(*days: dt.date) -> None:
        for day in days:
            run_servicing_day(db, day)

    run(D(2021, 6, 1))
    for no in ("H2", "S2"):
        request(
            db,
            no,
            "loan",
            D(2021, 6, 1),
            lambda s, x: servicing.take_loan(s, x, product, D(2021, 6, 1), 500_000),
        )
    run(D(2021, 7, 1), D(2021, 8, 31))
    request(db, "C1", "cooling_off_cancellation", D(2021, 9, 10),
            lambda s, x: servicing.cancel_in_cooling_off(s, x, product, D(2021, 9, 10)))  # fmt: skip
    run(D(2021, 11, 28))
    request(
        db,
        "S2",
        "surrender",
        D(2021, 12, 15),
        lambda s, x: servicing.surrender(s, x, product, D(2021, 12, 15)),
    )
    run(D(2021, 12, 29))
    day = D(2021, 12, 30)

    def reinstate(s, x):  # type: ignore[no-untyped-def]
        return servicing.reinstate(s, x, product, day, relief_on([HENAN], s.region, day))

    free = servicing.reinstate(policy_states(_frame(db, "H1"))[0], None, product, day, ReliefTerms())
    waived = free.amount - product.modal_premium(10_000_000)
    assert waived == H1_WAIVED
    details = {"waived_interest_fen": waived, "campaigns": [HENAN.code]}
    request(db, "H1", "interest_free_reinstatement", day, reinstate, details)
    request(db, "S1", "reinstatement", day, reinstate, {"waived_interest_fen": 0, "campaigns": []})
    run(D(2022, 1, 1))


def _frame(db, policy_no: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return read_book(connection, LifePolicy.policy_no == policy_no)[0].drop("_id")


def _row(report, month: str, region: str):  # type: ignore[no-untyped-def]
    return next(r for r in report.rows if r.month == month and r.region == region)


def _figures(row) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {k: v for k, v in dataclasses.asdict(row).items() if k not in ("month", "region") and v}


#: S2's surrender on 2021-12-15: cash value year 7 (136 元 per thousand) 13,600 元 less the debt
#: 5,000 + 123.29 capitalised on 2021-11-28 + 11.93 interest for 17 days = 5,135.22 元.
S2_DEBT = 500_000 + 12_329 + 1_193
S2_REFUND = 1_360_000 - S2_DEBT


def test_the_year_by_month_and_province(database, tmp_path):
    build_book(database, tmp_path)
    report = life_report(database, 2021)
    assert (report.year, report.level, report.regions) == (2021, "province", ["37", "41"])
    assert [r.month for r in report.rows[::2]] == [f"2021-{m:02d}" for m in range(1, 13)]
    assert _figures(_row(report, "2021-05", "41")) == {"policies_in_force": 3}
    assert _figures(_row(report, "2021-05", "37")) == {"policies_in_force": 2}
    assert _figures(_row(report, "2021-06", "41")) == {
        "policies_in_force": 3, "loans_taken": 1, "loans_taken_fen": 500_000, "loans_outstanding_fen": 500_000,
    }  # fmt: skip
    assert _figures(_row(report, "2021-08", "37")) == {
        "policies_in_force": 1, "suspensions": 1, "loans_outstanding_fen": 500_000,
    }  # fmt: skip
    # C1 enters the book on 2021-09-01 and leaves it on 2021-09-10: never in force at a month's end
    assert _figures(_row(report, "2021-09", "41")) == {
        "policies_in_force": 3, "cooling_off_cancellations": 1, "loans_outstanding_fen": 500_000,
    }  # fmt: skip
    # S2's loan matures 2021-11-28 outside the campaign: 5,000 × 5 % × 180 ÷ 365 = 123.29 capitalised;
    # T1's reinstatement window is over: terminated; H2's interest is deferred (Henan)
    assert _figures(_row(report, "2021-11", "37")) == {
        "policies_in_force": 1, "terminations": 1, "loans_outstanding_fen": 512_329, "loan_interest_fen": 12_329,
    }  # fmt: skip
    assert _figures(_row(report, "2021-11", "41")) == {
        "policies_in_force": 3,
        "loans_outstanding_fen": 500_000,
    }
    assert _figures(_row(report, "2021-12", "37")) == {
        "policies_in_force": 1, "reinstatements": 1, "surrenders": 1, "surrender_paid_fen": S2_REFUND,
        "loan_interest_fen": 1_193,
    }  # fmt: skip
    # H1 and H3 kept in grace to 2021-12-28 by the campaign, suspended 2021-12-29; H1 reinstated
    assert _figures(_row(report, "2021-12", "41")) == {
        "policies_in_force": 2, "suspensions": 2, "reinstatements": 1, "loans_outstanding_fen": 500_000,
    }  # fmt: skip
    assert report.totals.month == TOTAL_MONTH
    assert _figures(report.totals) == {
        "policies_in_force": 3, "suspensions": 3, "reinstatements": 2, "surrenders": 1,
        "surrender_paid_fen": S2_REFUND, "cooling_off_cancellations": 1, "terminations": 1, "loans_taken": 2,
        "loans_taken_fen": 1_000_000, "loans_outstanding_fen": 500_000, "loan_interest_fen": 13_522,
    }  # fmt: skip
    # 2022: H2's deferred interest is charged on 2022-01-01 (214 days: 146.58 元); the report stops in January
    later = life_report(database, 2022)
    assert [r.month for r in later.rows] == ["2022-01", "2022-01"]
    assert _figures(_row(later, "2022-01", "41")) == {
        "policies_in_force": 2, "loans_outstanding_fen": 514_658, "loan_interest_fen": 14_658,
    }  # fmt: skip


def test_city_level_and_one_region(database, tmp_path):
    build_book(database, tmp_path)
    report = life_report(database, 2021, level="city")
    assert report.regions == ["3702", "4101", "4103"]
    assert _figures(_row(report, "2021-12", "4103")) == {"suspensions": 1}
    assert _figures(_row(report, "2021-12", "4101")) == {
        "policies_in_force": 2, "suspensions": 1, "reinstatements": 1, "loans_outstanding_fen": 500_000,
    }  # fmt: skip
    henan = life_report(database, 2021, level="city", region="410000")
    assert henan.regions == ["4101", "4103"] and henan.region == "41"
    assert henan.totals.suspensions == 2 and henan.totals.surrenders == 0
    with pytest.raises(InvalidInput):
        life_report(database, 2021, level="district")
    with pytest.raises(InvalidInput):
        life_report(database, 2021, region="41'; --")


def test_every_figure_reconciles_with_the_ledger_and_the_history(database, tmp_path):
    build_book(database, tmp_path)
    report = life_report(database, 2021, level="city")
    e = PolicyEvent
    in_year = e.day.between(D(2021, 1, 1), D(2021, 12, 31))
    with database.session() as session:

        def total(*where) -> int:  # type: ignore[no-untyped-def]
            return int(
                session.execute(
                    sa.select(sa.func.coalesce(sa.func.sum(e.amount_fen), 0)).where(*where)
                ).scalar_one()
            )

        refunds = total(in_year, e.event == "surrendered", e.credit == "refunds_payable")
        interest = total(in_year, e.credit == "loan_interest_income")
        lent = total(in_year, e.event == "loan_taken", e.credit == "cash")
        loans_in = total(e.day <= D(2021, 12, 31), e.debit == "policy_loans")
        loans_out = total(e.day <= D(2021, 12, 31), e.credit == "policy_loans")
        suspended = session.execute(
            sa.select(sa.func.count()).where(
                PolicyStatusChange.status_to == "suspended", PolicyStatusChange.day.between(D(2021, 1, 1), D(2021, 12, 31))
            )
        ).scalar_one()  # fmt: skip
    assert sum(r.surrender_paid_fen for r in report.rows) == refunds == S2_REFUND
    assert sum(r.loan_interest_fen for r in report.rows) == interest == 13_522
    assert sum(r.loans_taken_fen for r in report.rows) == lent == 1_000_000
    december = [r for r in report.rows if r.month == "2021-12"]
    assert sum(r.loans_outstanding_fen for r in december) == loans_in - loans_out == 500_000
    assert sum(r.suspensions for r in report.rows) == suspended == report.totals.suspensions == 3
    province = life_report(database, 2021)
    for name in ("suspensions", "surrender_paid_fen", "loan_interest_fen", "policies_in_force"):
        assert getattr(province.totals, name) == getattr(report.totals, name)


def test_export_is_audited(database, tmp_path):
    build_book(database, tmp_path)
    report = life_report(database, 2021)
    [path] = export_life_report(report, tmp_path / "life.xlsx", db=database, actor="tester")
    sheets = pl.read_excel(path, sheet_id=0)
    assert list(sheets) == ["总览", "月度地区"]
    table = sheets["月度地区"]
    assert table.height == len(report.rows) + 1
    assert table.row(-1, named=True)["月份"] == TOTAL_MONTH
    paths = export_life_report(report, tmp_path / "life.csv", db=database, actor="tester")
    assert [p.name for p in paths] == ["life.csv", "life_months.csv"]
    months = pl.read_csv(paths[1], infer_schema=False)
    assert (
        months.filter(pl.col("月份") == "2021-12", pl.col("地区") == "37")["退保金额(元)"].item() == "8464.78"
    )
    with database.session() as session:
        audited = session.execute(
            sa.select(AuditEntry.entity_id).where(AuditEntry.entity == "life_report", AuditEntry.action == "export")
        ).scalars().all()  # fmt: skip
    assert audited == ["2021:province", "2021:province"]


def test_the_service_rates_come_by_month_and_region_and_add_up_to_the_year(database, tmp_path):
    build_book(database, tmp_path)
    report = life_report(database, 2021, level="city")
    assert [v.code for v in report.rates] == ["e-callback-rate", "e-servicing-rate"]
    with database.engine.connect() as connection:
        days = connection.execute(
            sa.select(ServicingRequest.day).where(ServicingRequest.status == "done")
        ).scalars().all()  # fmt: skip
    servicing = report.rates[1]
    # every request here came to the counter: none through the app
    assert (servicing.numerator, servicing.denominator) == (0, sum(d.year == 2021 for d in days))
    assert servicing.denominator > 0 and servicing.rate_bp == 0
    monthly = [report.rates_of(row)[1] for row in report.rows]
    assert sum(v.denominator for v in monthly if v is not None) == servicing.denominator
    months = {row.month for row, v in zip(report.rows, monthly, strict=True) if v is not None}
    assert months == {f"2021-{d.month:02d}" for d in days if d.year == 2021}
    assert report.rates_of(report.totals) == report.rates
