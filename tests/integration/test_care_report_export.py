"""``anxin report care --out``: a long-term care year or month exported to XLSX or CSV through the same
service as the web download (audited), on SQLite and PostgreSQL; the service's tables reconcile."""

from __future__ import annotations

import datetime as dt

import openpyxl
import polars as pl
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.services.care_adjudication import adjudicate_care
from anxin.services.care_reports import care_line, care_report, person_care_lines
from anxin.services.report_export import care_report_tables
from anxin.store.program_files import shipped_programs
from anxin.store.schema import AuditEntry, CareBillResult

from .care_support import RESIDENT, YEAR, load, scenario


def test_report_care_out_writes_the_tables_and_is_audited(database, tmp_path):
    load(database, scenario("domain-payment-table"), tmp_path)
    adjudicate_care(database, shipped_programs()[RESIDENT], dt.date(2023, 3, 1))
    runner = CliRunner(env={"COLUMNS": "200"})
    book = tmp_path / "out" / "care.xlsx"
    answer = runner.invoke(root, ["report", "care", "-p", RESIDENT, "-y", "2023", "-m", "3", "--out",
                                  str(book), "--actor", "tester"])  # fmt: skip
    assert answer.exit_code == 0, answer.output
    assert "已导出 / exported" in answer.output and book.exists()
    workbook = openpyxl.load_workbook(book)
    assert workbook.sheetnames == ["总览", "服务类型"]
    overview = {row[0]: row[1] for row in workbook["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["核定支付 due"] == "15523.51" and overview["护理账单 bills"] == "8"
    csv = tmp_path / "out" / "care.csv"
    assert (
        runner.invoke(root, ["report", "care", "-p", RESIDENT, "-y", "2023", "--out", str(csv)]).exit_code
        == 0
    )
    services = pl.read_csv(
        tmp_path / "out" / "care_service.csv", schema_overrides={"核定支付(元)": pl.String}
    )
    assert services["服务类型"].to_list()[-1] == "合计 total" and services["核定支付(元)"][-1] == "15523.51"
    assert pl.read_csv(csv)["指标"].to_list()[0] == "项目 program"
    with database.session() as session:
        audited = session.execute(
            sa.select(AuditEntry.actor, AuditEntry.entity_id).where(AuditEntry.entity == "care_report")
        ).all()
    assert sorted(a[1] for a in audited) == [f"{RESIDENT}:2023", f"{RESIDENT}:2023-03"]
    assert ("tester", f"{RESIDENT}:2023-03") in [tuple(a) for a in audited]


def test_the_service_table_reconciles_and_lines_are_found(database, tmp_path):
    load(database, scenario("month-days-limit"), tmp_path)
    program = shipped_programs()[RESIDENT]
    for month in (2, 3, 4):
        adjudicate_care(database, program, dt.date(YEAR, month, 1))
    report = care_report(database, RESIDENT, YEAR)
    table = care_report_tables(report)[1].frame
    due = [int(v * 100) for v in table["核定支付(元)"].to_list()]
    assert sum(due[:-1]) == due[-1] == report.due_fen and table["账单数"][-1] == report.bills
    with database.session() as session:
        first = session.scalar(sa.select(sa.func.min(CareBillResult.id)))
    line = care_line(database, first)
    assert line is not None and line.bill_no and line.service_label
    lines = person_care_lines(database, line.person_id)
    assert line in lines and [c.month for c in lines] == sorted((c.month for c in lines), reverse=True)
    assert care_line(database, 10**9) is None
