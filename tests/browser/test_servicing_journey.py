"""A clerk services a life policy in Chromium: finds it, opens it, reads the surrender quote of a day
with its explanation, takes a loan through the request form and sees it in the result, the loan and
the ledger; then records the new-policy callback of another policy with all seven points confirmed."""

from __future__ import annotations

from anxin.domain.life.callbacks import CONFIRMATION_COLUMNS
from tests.browser.conftest import sign_in
from tests.web.test_api_policies import DAY, LOAN, NEW, full_id, small_book


def test_a_clerk_takes_a_loan_and_records_a_callback(page, live_server, web_db, tmp_path, shot):  # type: ignore[no-untyped-def]
    people = small_book(web_db, tmp_path)
    sign_in(page, live_server, "clerk")
    page.click("nav a[href='/policies']")
    page.fill("form#policy-search input[name=policy_no]", "P-LOAN")
    page.click("form#policy-search button[type=submit]")
    page.wait_for_selector("#policy-results a.policy-link")
    shot("list")
    page.click(f"#policy-results a.policy-link:text('{LOAN}')")
    page.wait_for_selector("#policy-contract")
    page.fill("form#quote-day input[name=day]", DAY.isoformat())
    page.click("form#quote-day button[type=submit]")
    page.wait_for_selector("#quote-surrender .amount")
    assert page.locator("#quote-surrender .amount").inner_text() == "11,000.00"
    assert "现金价值" in page.locator("#quote-surrender ol.explanation").inner_text()
    assert page.locator("#quote-loan .amount").inner_text() == "8,800.00"
    body = page.locator("main").inner_text()
    assert people["holder"].id_masked in body and full_id(web_db, people["holder"]) not in body
    shot("quotes")

    form = page.locator("form#request-form")
    form.locator("select[name=kind]").select_option("loan")
    form.locator("select[name=channel]").select_option("counter")
    form.locator("input[name=day]").fill(DAY.isoformat())
    form.locator("input[name=amount]").fill("5000.00")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#request-result")
    result = page.locator("#request-result").inner_text()
    assert "保单借款" in result and "5,000.00" in result
    assert "5,000.00" in page.locator("#policy-loan").inner_text()
    ledger = page.locator("#policy-events").inner_text()
    assert "保单贷款" in ledger and "保单质押贷款" in ledger and "2026-01-10" in ledger
    assert page.locator("#policy-requests article.request").count() == 1
    shot("loan")

    page.click("nav a[href='/callbacks']")
    page.wait_for_selector("form#callback-form")
    callback = page.locator("form#callback-form")
    callback.locator("input[name=policy_no]").fill(NEW)
    callback.locator("select[name=channel]").select_option("electronic")
    callback.locator("input[name=day]").fill("2026-01-09")
    for column in CONFIRMATION_COLUMNS:
        callback.locator(f"input[value={column}]").check()
    shot("callback-form")
    callback.locator("button[type=submit]").click()
    page.wait_for_selector("#callback-result")
    assert "七项均已确认" in page.locator("#callback-result").inner_text()
    shot("callback-done")
