"""Monthly long-term care runs on SQLite and PostgreSQL: the stored payouts equal the scenarios of the
program files to the fen (and the kernel run on the same registers); a second run writes nothing; a
correcting bill gives adjustment lines; approved lines are paid once to the fen; the month's report."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import InvalidInput, NotFound
from anxin.domain.money import parse_yuan
from anxin.engine import long_term_care
from anxin.services.care_adjudication import adjudicate_care, explained_line
from anxin.services.care_reports import care_report
from anxin.services.imports import import_care_bills, import_persons
from anxin.services.payments import pay
from anxin.store.program_files import shipped_programs
from anxin.store.schema import CareBill, CareBillResult, Payment
from anxin.synth.care import write_care_files

from .care_support import RESIDENT, YEAR, bills_frame, expected, load, scenario
from .group_claims_support import GA, write

MARCH, APRIL, FEBRUARY = dt.date(2023, 3, 1), dt.date(2023, 4, 1), dt.date(2023, 2, 1)


def lines(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        statement = (
            sa.select(
                CareBill.bill_no, CareBillResult.kind, CareBillResult.amount_fen, CareBillResult.due_fen,
                CareBillResult.status, CareBillResult.reason,
            )
            .join(CareBill, CareBill.id == CareBillResult.bill_id)
            .order_by(CareBillResult.id)
        )  # fmt: skip
        return [tuple(row) for row in connection.execute(statement).all()]


@pytest.mark.parametrize("name", ["domain-payment-table", "month-days-limit", "assessment-expiry"])
def test_stored_payouts_equal_the_scenarios_to_the_fen(database, tmp_path, name):
    case = scenario(name)
    load(database, case, tmp_path)
    program = shipped_programs()[RESIDENT]
    months = sorted({dt.date.fromisoformat(f"{b['month']}-01") for b in case["bills"]})
    runs = [adjudicate_care(database, program, month) for month in months]
    stored = {bill: due for bill, kind, _, due, *_ in lines(database) if kind == "payout"}
    assert stored == expected(case)
    assert sum(r.amount_fen for r in runs) == sum(expected(case).values())
    for month in months:
        assert adjudicate_care(database, program, month).lines == 0
        assert adjudicate_care(database, program, month, mode="full").lines == 0
    assert len(lines(database)) == len(case["bills"])


def test_the_kernel_on_the_same_registers_agrees_and_explanations_are_stored(database, tmp_path):
    case = scenario("domain-payment-table")
    load(database, case, tmp_path)
    program = shipped_programs()[RESIDENT]
    summary = adjudicate_care(database, program, MARCH)
    assert (summary.persons, summary.payout_lines, summary.rejected_lines) == (8, 8, 0)
    reg = long_term_care.registers(
        pl.DataFrame(
            [{"person_id": a["person"], "assessed_on": a["assessed_on"], "method": "national_2021",
              "level": {"severe_1": 3, "severe_2": 4, "severe_3": 5}[a["level"]]} for a in case["assessments"]]
        ),
        pl.DataFrame({"person_id": [e["person"] for e in case["enrolments"]],
                      "enrolled_from": [dt.date(2023, 1, 1)] * 8, "enrolled_to": [dt.date(2023, 12, 31)] * 8}),
        pl.DataFrame([{"provider_code": p["code"], "provider_name": p["name"], "tier": p.get("tier"),
                       "service_types": p["services"]} for p in case["providers"]]),
    )  # fmt: skip
    bills = pl.DataFrame(
        [{"bill_id": b["id"], "person_id": b["person"], "provider_code": b["provider"], "service_type": b["service"],
          "month": MARCH, "days": b["days"], "cost_fen": parse_yuan(b.get("cost", "0")),
          "service_from": b.get("from"), "service_to": b.get("to")} for b in case["bills"]]
    )  # fmt: skip
    kernel = dict(long_term_care.evaluate(bills, reg, program).select("bill_id", "payout_fen").iter_rows())
    assert {bill: due for bill, _, _, due, *_ in lines(database)} == kernel
    with database.engine.connect() as connection:
        b5 = (
            connection.execute(sa.select(CareBillResult).join(CareBill).where(CareBill.bill_no == "B5"))
            .mappings()
            .one()
        )
    assert b5["version"] == "2023" and b5["param_hash"] == program.parameter_hash(program.versions[0])
    assert json.loads(b5["explanation"])["ratio_bp"] == 9000
    zh, en = explained_line(database, b5["id"], program)
    assert "本账单长期护理保险支付：486.00 元" in zh[-1] and en[-1] == "Payout: 486.00 yuan"
    assert explained_line(database, b5["id"]) == (zh, en)
    with pytest.raises(NotFound):
        explained_line(database, 999)


def test_a_correcting_bill_gives_adjustments_and_payments_follow_to_the_fen(database, tmp_path):
    case = scenario("month-days-limit")
    load(database, case, tmp_path)
    program = shipped_programs()[RESIDENT]
    adjudicate_care(database, program, APRIL)
    first = pay(database, RESIDENT, actor="tester")
    assert (first.payments, first.total_fen) == (2, 150000)
    # B1 (20 days) is corrected to 10 days at 800.00: B2 now gets all its 20 days
    fix = [{**case["bills"][0], "id": "B1-C", "days": 10, "cost": "800.00", "replaces": "B1"}]
    import_care_bills(database, write(bills_frame(fix), tmp_path / "fix.csv"), program_code=RESIDENT)
    run = adjudicate_care(database, program, APRIL)
    assert (run.payout_lines, run.adjustment_lines, run.amount_fen) == (1, 2, -120000 + 60000 + 30000)
    assert sorted(lines(database)[2:]) == [
        ("B1", "adjustment", -120000, 0, "approved", "bill_replaced"),
        ("B1-C", "payout", 60000, 60000, "approved", ""),
        ("B2", "adjustment", 30000, 60000, "approved", ""),
    ]
    assert adjudicate_care(database, program, APRIL, mode="full").lines == 0
    second = pay(database, RESIDENT, actor="tester")
    assert (second.payments, second.payouts_fen, second.recoveries_fen) == (3, 90000, 120000)
    assert pay(database, RESIDENT, actor="tester").payments == 0
    with database.engine.connect() as connection:
        paid = connection.scalar(
            sa.select(sa.func.sum(Payment.amount_fen)).where(Payment.care_result_id.isnot(None))
        )
    assert paid == 120000  # 600 + 600 due in April, to the fen
    replaced = [line for line in lines(database) if line[0] == "B1"][-1]
    assert replaced[3] == 0
    april = care_report(database, RESIDENT, YEAR, 4)
    assert (april.bills, april.persons, april.days, april.paid_days) == (2, 1, 30, 30)
    assert (april.cost_fen, april.due_fen, april.paid_fen) == (80000, 120000, 120000)
    by_service = {row.service_type: (row.bills, row.due_fen) for row in april.by_service}
    assert by_service == {"institutional_care": (1, 60000), "family_care": (1, 60000)}
    adjudicate_care(database, program, FEBRUARY)  # P2's February: 720.00 + 480.00, not paid yet
    year = care_report(database, RESIDENT, YEAR)
    assert (year.bills, year.persons, year.due_fen, year.paid_fen) == (4, 2, 240000, 120000)


def test_a_bill_replaced_before_any_run_is_refused_and_refusals_are_rejected(database, tmp_path):
    case = scenario("assessment-expiry")
    load(database, case, tmp_path)
    first = case["bills"][0]
    fix = [{**first, "id": f"{first['id']}-C", "days": 5, "replaces": first["id"]}]
    import_care_bills(database, write(bills_frame(fix), tmp_path / "fix.csv"), program_code=RESIDENT)
    program = shipped_programs()[RESIDENT]
    month = dt.date.fromisoformat(f"{first['month']}-01")
    adjudicate_care(database, program, month)
    stored = {line[0]: line for line in lines(database)}
    assert stored[first["id"]][1:] == ("payout", 0, 0, "rejected", "bill_replaced")
    assert stored[fix[0]["id"]][1] == "payout"
    rejected = [line for line in lines(database) if line[4] == "rejected" and line[5] != "bill_replaced"]
    assert all(line[3] == 0 for line in rejected)
    with pytest.raises(InvalidInput):
        adjudicate_care(database, shipped_programs()[GA], month)


def test_cli_runs_a_month_explains_and_reports(database, tmp_path):
    load(database, scenario("domain-payment-table"), tmp_path)
    runner = CliRunner(env={"COLUMNS": "200"})
    run = runner.invoke(root, ["care", "adjudicate", "-p", RESIDENT, "--month", "2023-03"])
    assert run.exit_code == 0, run.output
    assert "新赔付行 payout lines" in run.output and "15,523.51" in run.output
    explained = runner.invoke(root, ["care", "explain", "1", "--en"])
    assert explained.exit_code == 0 and "3,150.00" in explained.output and "Payout" in explained.output
    report = runner.invoke(root, ["report", "care", "-p", RESIDENT, "-y", "2023", "-m", "3"])
    assert report.exit_code == 0, report.output
    assert "医疗专护" in report.output and "15,523.51" in report.output
    bad = runner.invoke(root, ["care", "adjudicate", "-p", RESIDENT, "--month", "2023-13"])
    assert bad.exit_code == 2 and "月份无效" in bad.output


def test_synthetic_care_files_import_and_run(database, tmp_path):
    persons = pl.DataFrame({"psn_no": [f"S{i:04d}" for i in range(300)]})
    from .care_support import certno

    roster = pl.DataFrame({"证件号码": [certno(i + 1) for i in range(300)], "人员编号": persons["psn_no"]})
    import_persons(database, write(roster, tmp_path / "roster.csv"), program_code=RESIDENT, year=YEAR)
    made = write_care_files(persons, tmp_path / "a", MARCH, seed=7, assessed_share=0.2)
    same = write_care_files(persons, tmp_path / "b", MARCH, seed=7, assessed_share=0.2)
    assert made.bills.read_bytes() == same.bills.read_bytes() and made.assessed > 30
    from anxin.services.imports import import_assessments, import_providers

    import_providers(database, made.providers)
    import_assessments(database, made.assessments)
    assert import_care_bills(database, made.bills, program_code=RESIDENT).inserted == made.bills_written
    summary = adjudicate_care(database, shipped_programs()[RESIDENT], MARCH)
    assert summary.payout_lines == made.bills_written and summary.amount_fen > 0
    assert care_report(database, RESIDENT, YEAR, 3).due_fen == summary.amount_fen


def test_a_run_killed_between_chunks_resumes_without_writing_twice(database, tmp_path, monkeypatch):
    from anxin.services import care_adjudication

    case = scenario("domain-payment-table")
    load(database, case, tmp_path)
    program = shipped_programs()[RESIDENT]
    real, calls = care_adjudication._chunk, []

    def dies_on_the_fourth(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(care_adjudication, "_chunk", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        adjudicate_care(database, program, MARCH, chunk_persons=2)
    assert len(lines(database)) == 6
    monkeypatch.setattr(care_adjudication, "_chunk", real)
    resumed = adjudicate_care(database, program, MARCH, chunk_persons=2)
    assert (resumed.persons, resumed.lines) == (2, 2)
    assert {bill: due for bill, _, _, due, *_ in lines(database)} == expected(case)
