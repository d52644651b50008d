"""Long-term care over the API: the registers and care bills uploaded as imports (a rejected file's
problems listed and downloadable), a program's year or month report with its export (audited), and
one care bill line explained. The care data is built here: the shared province is critical illness."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import polars as pl
import sqlalchemy as sa

from anxin.domain.money import format_yuan
from anxin.services.care_adjudication import adjudicate_care, explained_line
from anxin.services.care_reports import care_report, care_summary_zh
from anxin.store.database import Database
from anxin.store.program_files import shipped_programs
from anxin.store.schema import AuditEntry, CareBill, CareBillResult
from tests.integration.care_support import RESIDENT, YEAR, bills_frame, files, scenario
from tests.integration.group_claims_support import write
from tests.web.api_support import V1, key, upload
from tests.web.conftest import PROGRAM

MARCH = dt.date(2023, 3, 1)
#: The March payouts of the domain-payment-table scenario, to the fen.
MARCH_DUE_FEN = 1_552_351


def care_imported(api, folder: Path) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """The domain-payment-table scenario uploaded by the clerk: roster, providers, assessments, bills."""
    paths = files(scenario("domain-payment-table"), folder)
    clerk = api("clerk")
    return {
        "roster": upload(clerk, paths["roster"], "persons", program=RESIDENT, year=str(YEAR)),
        "providers": upload(clerk, paths["providers"], "care_providers"),
        "assessments": upload(clerk, paths["assessments"], "care_assessments"),
        "bills": upload(clerk, paths["bills"], "care_bills", program=RESIDENT),
    }


def care_run(api, db: Database, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """The scenario imported through the API and March run."""
    outcomes = care_imported(api, folder)
    assert all(o["status"] == "completed" for o in outcomes.values()), outcomes
    assert adjudicate_care(db, shipped_programs()[RESIDENT], MARCH).amount_fen == MARCH_DUE_FEN


def test_the_care_files_import_once_through_the_api(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outcomes = care_imported(api, tmp_path)
    assert {k: (o["kind"], o["status"], o["inserted"]) for k, o in outcomes.items()} == {
        "roster": ("persons", "completed", 8),
        "providers": ("care_providers", "completed", 4),
        "assessments": ("care_assessments", "completed", 8),
        "bills": ("care_bills", "completed", 8),
    }
    batch = outcomes["bills"]["import_id"]
    with web_db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).where(CareBill.import_id == batch)) == 8
    again = upload(api("clerk"), files(scenario("domain-payment-table"), tmp_path)["bills"], "care_bills",
                   program=RESIDENT)  # fmt: skip
    assert again["status"] == "already_imported"
    listed = api("auditor").get(f"{V1}/imports", params={"kind": "care_bills"}).json()
    assert listed["items"][0]["id"] == batch  # newest first (the demo's bills follow)
    assert {i["kind"] for i in listed["items"]} == {"care_bills"}


def test_a_care_bills_file_needs_its_care_program_and_shows_its_problems(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    care_imported(api, tmp_path)
    clerk = api("clerk")
    bad = [{"id": "X1", "person": "NOBODY", "provider": "N1", "service": "family_care", "month": "2023-04",
            "days": 3, "cost": "90.00"}]  # fmt: skip
    path = write(bills_frame(bad), tmp_path / "bad-bills.csv")
    for form, code in (({}, "program_required"), ({"program": PROGRAM}, "wrong_program_kind")):
        with path.open("rb") as handle:
            refused = clerk.post(f"{V1}/imports", files={"file": (path.name, handle, "text/csv")},
                                 data={"kind": "care_bills", **form}, headers=key())  # fmt: skip
        assert refused.status_code == 422 and refused.json()["error"]["code"] == code, refused.text
        assert refused.json()["error"]["message"] and refused.json()["error"]["message_en"]
    outcome = upload(clerk, path, "care_bills", program=RESIDENT)
    assert outcome["status"] == "rejected" and outcome["problems"] == 1 and outcome["inserted"] == 0
    problems = clerk.get(f"{V1}/imports/{outcome['import_id']}/problems").json()
    assert [p["row"] for p in problems["items"]] == [2] and problems["items"][0]["reason_zh"]
    text = clerk.get(f"{V1}/imports/{outcome['import_id']}/problems.csv")
    assert text.status_code == 200 and text.content.decode("utf-8-sig").count("\n") == 2
    assert (
        api("auditor").post(f"{V1}/imports", data={"kind": "care_providers"}, headers=key()).status_code
        == 403
    )


def test_the_care_report_has_the_figures_by_service_and_the_summary(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    care_run(api, web_db, tmp_path)
    manager = api("manager")
    month = manager.get(f"{V1}/reports/care/{RESIDENT}/{YEAR}", params={"month": 3})
    assert month.status_code == 200, month.text
    body = month.json()
    expected = care_report(web_db, RESIDENT, YEAR, 3)
    assert body["summary_zh"] == care_summary_zh(expected) and "1.55万元" in body["summary_zh"]
    assert (body["period"], body["bills"], body["persons"], body["due_fen"]) == (
        "2023-03",
        8,
        8,
        MARCH_DUE_FEN,
    )
    assert body["due_yuan"] == "15523.51" and sum(s["due_fen"] for s in body["by_service"]) == MARCH_DUE_FEN
    assert body["by_service"][0]["service_type"] == "hospital_special_care"
    year = manager.get(f"{V1}/reports/care/{RESIDENT}/{YEAR}").json()
    december = care_report(web_db, RESIDENT, YEAR, 12)  # the demo province's care bills
    assert december.bills == 6 and december.due_fen > 0
    assert (year["month"], year["period"]) == (None, "2023")
    assert (year["bills"], year["due_fen"]) == (8 + december.bills, MARCH_DUE_FEN + december.due_fen)
    assert manager.get(f"{V1}/reports/care/{RESIDENT}/{YEAR}", params={"month": 2}).json()["bills"] == 0
    assert manager.get(f"{V1}/reports/care/{RESIDENT}/{YEAR}", params={"month": 13}).status_code == 422
    wrong = manager.get(f"{V1}/reports/care/{PROGRAM}/{YEAR}")
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_program_kind"
    assert manager.get(f"{V1}/reports/care/no-such-program/{YEAR}").status_code == 404
    assert api("clerk").get(f"{V1}/reports/care/{RESIDENT}/{YEAR}").status_code == 403


def test_the_care_report_exports_as_xlsx_and_csv_and_is_audited(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    care_run(api, web_db, tmp_path)
    finance = api("finance")
    workbook = finance.get(f"{V1}/reports/care/{RESIDENT}/{YEAR}.xlsx", params={"month": 3})
    assert workbook.status_code == 200
    assert f'filename="{RESIDENT}-2023-03.xlsx"' in workbook.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["总览", "服务类型"]
    overview = {row[0]: row[1] for row in book["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["核定支付 due"] == "15523.51" and overview["期间 period"] == "2023-03"
    text = finance.get(f"{V1}/reports/care/{RESIDENT}/{YEAR}.csv")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(text.content), schema_overrides={"核定支付(元)": pl.String})
    year = care_report(web_db, RESIDENT, YEAR)
    assert frame["服务类型"].to_list()[-1] == "合计 total"
    assert frame["核定支付(元)"].to_list()[-1] == format_yuan(year.due_fen, grouping=False)
    assert frame["账单数"].to_list()[-1] == sum(frame["账单数"].to_list()[:-1]) == year.bills
    with web_db.session() as session:
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "care_report")).all()
    assert sorted((e.actor, e.entity_id) for e in entries) == [
        ("finance", f"{RESIDENT}:2023"),
        ("finance", f"{RESIDENT}:2023-03"),
    ]
    assert api("clerk").get(f"{V1}/reports/care/{RESIDENT}/{YEAR}.csv").status_code == 403


def test_a_care_line_is_explained(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    care_run(api, web_db, tmp_path)
    with web_db.session() as session:
        line_id = session.scalar(
            sa.select(CareBillResult.id).join(CareBill, CareBill.id == CareBillResult.bill_id)
            .where(CareBill.bill_no == case_bill("P1"))
        )  # fmt: skip
    assert line_id is not None
    answer = api("adjuster").get(f"{V1}/care-lines/{line_id}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    zh, en = explained_line(web_db, line_id)
    assert (body["lines_zh"], body["lines_en"]) == (zh, en)
    assert (body["amount_fen"], body["amount_yuan"], body["status"], body["kind"]) == (
        315000,
        "3150.00",
        "approved",
        "payout",
    )
    assert body["service_type"] == "hospital_special_care" and body["month"] == "2023-03-01"
    assert any("3,150.00" in line for line in body["lines_zh"])
    missing = api("adjuster").get(f"{V1}/care-lines/999999")
    assert missing.status_code == 404 and missing.json()["error"]["message_en"]
    assert api("finance").get(f"{V1}/care-lines/{line_id}").status_code == 403


def case_bill(person: str) -> str:
    """The bill number of ``person``'s bill in the domain-payment-table scenario."""
    return next(b["id"] for b in scenario("domain-payment-table")["bills"] if b["person"] == person)
