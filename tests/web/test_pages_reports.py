"""Reports through the pages: the program year's tables and the Excel export (audited)."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from anxin.domain.money import format_yuan
from anxin.services.reports import program_year_report
from anxin.store.schema import AuditEntry
from tests.web.conftest import PROGRAM, YEAR
from tests.web.test_pages_helpers import sign_in


def test_report_page_shows_the_tables_and_the_export_link(app, web_db):
    report = program_year_report(web_db, PROGRAM, YEAR)
    html = sign_in(app, "auditor").get("/reports").text
    for table in ("report-overview", "report-city", "report-tier", "report-vulnerable"):
        assert f'id="{table}"' in html
    assert format_yuan(report.paid_fen) in html and "一般人员" in html and "三级医院" in html
    assert f'<a id="export-xlsx" href="/reports/{PROGRAM}/{YEAR}/export.xlsx"' in html
    english = sign_in(app, "auditor", lang="en").get("/reports").text
    assert "By hospital tier" in english and "tier 3 hospital" in english


def test_export_downloads_a_valid_workbook_and_is_audited(app, web_db):
    answer = sign_in(app, "manager").get(f"/reports/{PROGRAM}/{YEAR}/export.xlsx")
    assert answer.status_code == 200
    assert (
        answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in answer.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["总览", "地市", "医院等级", "人员类别"]
    overview = {row[0]: row[1] for row in workbook["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["年度 year"] == str(YEAR) and "泰安" in overview["项目 program"]
    with web_db.session() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (entry.actor, entry.entity_id) == ("manager", f"{PROGRAM}:{YEAR}")


def test_reports_need_the_permission(app):
    assert sign_in(app, "clerk").get("/reports").status_code == 403
    assert sign_in(app, "clerk").get(f"/reports/{PROGRAM}/{YEAR}/export.xlsx").status_code == 403
    assert sign_in(app, "manager").get(f"/reports/Bad..Code/{YEAR}/export.xlsx").status_code == 404


def test_a_group_program_shows_its_claims_year_and_exports_it(app, web_db, tmp_path):
    from anxin.services.claims_reports import claims_summary_zh, claims_year_report
    from tests.integration.group_claims_support import GA
    from tests.web.claim_lines import claim_lines_in_review

    demo = claims_year_report(web_db, GA, 2023)  # the demo province's own claims of the program
    claim_lines_in_review(web_db, tmp_path)
    report = claims_year_report(web_db, GA, 2023)
    assert (report.claims - demo.claims, report.review_fen - demo.review_fen) == (2, 1_100_000)
    client = sign_in(app, "auditor")
    html = client.get(f"/reports?program={GA}&year=2023").text
    assert 'id="report-claim-type"' in html and 'id="report-tier"' not in html
    assert "理赔件数 claims" in html and "待复核明细 lines in review" in html
    assert f'<a id="export-xlsx" href="/reports/{GA}/2023/export.xlsx"' in html
    assert claims_summary_zh(report) in html and f"受理理赔{report.claims}件" in html
    answer = sign_in(app, "manager").get(f"/reports/{GA}/2023/export.xlsx")
    assert answer.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["总览", "理赔类型", "地市"]
    overview = {row[0]: row[1] for row in workbook["总览"].iter_rows(min_row=2, values_only=True)}
    assert overview["理赔件数 claims"] == str(report.claims)
    assert overview["待复核金额 amount in review"] == format_yuan(report.review_fen, grouping=False)
    with web_db.session() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "claims_year_report")).one()
    assert (entry.actor, entry.entity_id) == ("manager", f"{GA}:2023")
