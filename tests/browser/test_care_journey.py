"""Long-term care in the browser: choose the demo's long-term care program on the reports page, narrow
it to December, read the figures by service type, then open a billed person and a care bill's
explanation. Every page visited is kept as a screenshot."""

from __future__ import annotations

import sqlalchemy as sa

from anxin.services.care_reports import care_report
from anxin.store.schema import CareBill, CareBillResult
from tests.browser.conftest import sign_in
from tests.integration.care_support import RESIDENT


def test_open_the_care_report_and_a_care_bill_explanation(page, live_server, web_db, shot):
    december = care_report(web_db, RESIDENT, 2023, 12)
    assert december.bills > 0  # the demo province bills its long-term care program in December
    sign_in(page, live_server, "auditor")
    page.goto(f"{live_server}/reports")
    page.select_option("form.selector select[name=program]", RESIDENT)
    page.select_option("form.selector select[name=year]", "2023")
    page.click("form.selector button[type=submit]")
    page.wait_for_selector("table#report-care-service")
    page.select_option("form.selector select[name=month]", "12")
    page.click("form.selector button[type=submit]")
    page.wait_for_selector("a#export-csv")
    assert "month=12" in page.url
    table = page.locator("table#report-care-service").inner_text()
    assert "合计" in table and f"{december.bills}" in table
    assert "2023年12月" in page.locator("p.summary").inner_text()
    shot("care-report-december")
    with web_db.engine.connect() as c:
        person_id, line_id, bill_no = c.execute(
            sa.select(CareBillResult.person_id, CareBillResult.id, CareBill.bill_no)
            .join(CareBill, CareBill.id == CareBillResult.bill_id)
            .where(CareBillResult.status == "approved")
            .order_by(CareBillResult.id)
            .limit(1)
        ).one()
    page.goto(f"{live_server}/persons/{person_id}")
    page.wait_for_selector("table#care-lines")
    shot("person-care-bills")
    page.locator(f"table#care-lines tr[data-care-line='{line_id}'] a.care-explain-link").click()
    page.wait_for_selector("ol#care-explanation li")
    assert bill_no in page.locator("h1").inner_text()
    assert page.locator("ol#care-explanation li").count() >= 2
    shot("care-line-explained")
