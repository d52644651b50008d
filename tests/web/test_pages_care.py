"""Long-term care through the pages: the care files uploaded on the imports page, a program's year or
month on the reports page with its Excel and CSV export (audited), a person's care bills and one care
bill line explained. The care data is built here (tests.integration.care_support)."""

from __future__ import annotations

import io
from html import unescape
from pathlib import Path

import openpyxl
import polars as pl
import sqlalchemy as sa

from anxin.domain.money import format_yuan
from anxin.services.care_adjudication import explained_line
from anxin.services.care_reports import care_report, care_summary_zh
from anxin.store.schema import AuditEntry, CareBill, CareBillResult, ImportBatch, Person
from tests.integration.care_support import RESIDENT, YEAR, files, scenario
from tests.web.conftest import PROGRAM
from tests.web.test_api_care import MARCH_DUE_FEN, care_run, case_bill
from tests.web.test_pages_helpers import csrf, sign_in, texts


def page_upload(client, path: Path, kind: str, program: str = "", year: str = ""):  # type: ignore[no-untyped-def]
    data = {"kind": kind, "program": program, "year": year, "csrf_token": csrf(client, "/imports")}
    with path.open("rb") as handle:
        return client.post("/imports/upload", data=data, files={"file": (path.name, handle, "text/csv")},
                           follow_redirects=False)  # fmt: skip


def test_the_care_files_are_uploaded_on_the_imports_page(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(app, "clerk")
    html = client.get("/imports").text
    for kind in ("care_assessments", "care_providers", "care_bills"):
        assert f'<option value="{kind}"' in html
    assert "护理账单（长护险）" in html and 'id="care-note"' in html
    paths = files(scenario("domain-payment-table"), tmp_path)
    assert page_upload(client, paths["roster"], "persons", RESIDENT, str(YEAR)).status_code == 303
    assert page_upload(client, paths["providers"], "care_providers", PROGRAM, "2023").status_code == 303
    assert page_upload(client, paths["assessments"], "care_assessments").status_code == 303
    wrong = page_upload(client, paths["bills"], "care_bills", PROGRAM)
    assert wrong.status_code == 422 and "长期护理保险" in unescape(wrong.text)
    missing = page_upload(client, paths["bills"], "care_bills")
    assert missing.status_code == 422 and "护理账单须选择长期护理保险方案" in unescape(missing.text)
    answer = page_upload(client, paths["bills"], "care_bills", RESIDENT)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "护理账单（长护险）" in page and "已导入" in page
    with web_db.session() as session:
        batches = session.execute(
            sa.select(ImportBatch.kind, ImportBatch.status, ImportBatch.inserted)
            .where(ImportBatch.kind.like("care_%"), ImportBatch.actor == "clerk")
            .order_by(ImportBatch.id)
        ).all()
    assert [tuple(b) for b in batches] == [
        ("care_providers", "completed", 4),
        ("care_assessments", "completed", 8),
        ("care_bills", "completed", 8),
    ]
    listing = client.get("/imports").text
    assert "失能评估（长护险）" in listing and "护理机构（长护险）" in listing


def test_the_reports_page_shows_a_care_month_and_exports_it(app, api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    care_run(api, web_db, tmp_path)
    client = sign_in(app, "auditor")
    html = client.get(f"/reports?program={RESIDENT}&year={YEAR}&month=3").text
    assert 'id="report-care-service"' in html and 'id="report-city"' not in html
    assert care_summary_zh(care_report(web_db, RESIDENT, YEAR, 3)) in html
    rows = texts(html, r'<table id="report-care-service">.*?<tbody>(.*?)</tbody>')
    assert "医疗专护" in rows[0] and "居家自护" in rows[0]
    assert 'data-key="total"' in html and format_yuan(MARCH_DUE_FEN) in html
    assert f'href="/reports/{RESIDENT}/{YEAR}/export.xlsx?month=3"' in html
    assert f'href="/reports/{RESIDENT}/{YEAR}/export.csv?month=3"' in html
    assert '<option value="3" selected>' in html
    year = client.get(f"/reports?program={RESIDENT}&year={YEAR}").text
    assert f'href="/reports/{RESIDENT}/{YEAR}/export.xlsx"' in year and "年度报表" in year
    assert client.get(f"/reports?program={RESIDENT}&year={YEAR}&month=13").status_code == 404
    english = sign_in(app, "auditor", lang="en").get(f"/reports?program={RESIDENT}&year={YEAR}&month=3").text
    assert "By service type" in english

    manager = sign_in(app, "manager")
    workbook = manager.get(f"/reports/{RESIDENT}/{YEAR}/export.xlsx?month=3")
    assert workbook.status_code == 200
    assert f'filename="report-{RESIDENT}-2023-03.xlsx"' in workbook.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["总览", "服务类型"]
    services = list(book["服务类型"].iter_rows(min_row=2, values_only=True))
    assert services[-1][1] == "合计 total" and sum(r[2] for r in services[:-1]) == services[-1][2] == 8
    text = manager.get(f"/reports/{RESIDENT}/{YEAR}/export.csv?month=3")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(text.content), schema_overrides={"核定支付(元)": pl.String})
    assert frame["核定支付(元)"].to_list()[-1] == "15523.51"
    with web_db.session() as session:
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "care_report")).all()
    assert [(e.actor, e.entity_id) for e in entries] == [("manager", f"{RESIDENT}:2023-03")] * 2
    assert manager.get(f"/reports/{PROGRAM}/{YEAR}/export.csv").status_code == 404
    assert sign_in(app, "clerk").get(f"/reports/{RESIDENT}/{YEAR}/export.csv").status_code == 403


def test_a_persons_care_bills_link_to_their_explanation(app, api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    care_run(api, web_db, tmp_path)
    bill_no = case_bill("P1")
    with web_db.session() as session:
        person_id = session.scalar(sa.select(Person.id).where(Person.psn_no == "P1"))
        line_id = session.scalar(
            sa.select(CareBillResult.id).join(CareBill, CareBill.id == CareBillResult.bill_id)
            .where(CareBill.bill_no == bill_no)
        )  # fmt: skip
    client = sign_in(app, "adjuster")
    person = client.get(f"/persons/{person_id}").text
    assert 'id="care-lines"' in person and bill_no in person and "2023-03" in person
    assert f'<a class="care-explain-link" href="/care-lines/{line_id}">' in person
    page = client.get(f"/care-lines/{line_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    zh, en = explained_line(web_db, line_id)
    steps = texts(page.text, r'<ol class="explanation" id="care-explanation">(.*?)</ol>')[0]
    assert all(unescape(step) in unescape(steps) for step in zh) and "3,150.00" in page.text
    assert bill_no in page.text and "医疗专护" in page.text
    english = sign_in(app, "adjuster", lang="en").get(f"/care-lines/{line_id}").text
    assert unescape(en[0]) in unescape(english)
    assert client.get("/care-lines/999999").status_code == 404
    assert sign_in(app, "finance").get(f"/care-lines/{line_id}").status_code == 403
    assert 'id="care-lines"' not in client.get(f"/persons/{_without_care(web_db)}").text


def _without_care(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        billed = sa.exists().where(CareBill.person_id == Person.id)
        return int(session.scalar(sa.select(Person.id).where(~billed).limit(1)) or 0)
