"""A clerk enters a group-cover claim in Chromium: program → claim type (the form reloads in place),
the documents checklist ticked in part, the person by ID number; the claim page lists what is
missing, and after a claims run the result line is in review with the documents named."""

from __future__ import annotations

import pytest

from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.imports import import_persons
from anxin.store.program_files import shipped_programs
from tests.browser.conftest import sign_in
from tests.integration.group_claims_support import GA, OLD, YEAR, elderly_roster


@pytest.fixture
def enrolled(web_db, tmp_path):  # type: ignore[no-untyped-def]
    import_persons(web_db, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    return web_db


def test_a_clerk_enters_a_claim_with_documents_missing(page, live_server, enrolled, shot):  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "clerk")
    page.click("nav a[href='/claims/new']")
    page.wait_for_selector("select#claim-program")
    page.select_option("select#claim-program", GA)
    page.wait_for_selector("select#claim-type")
    page.select_option("select#claim-type", "accident_medical")
    page.wait_for_selector("form#claim-entry input[name=documents]")
    boxes = page.locator("#claim-documents input[name=documents]")
    assert boxes.count() == 6
    shot("checklist")

    page.fill("form#claim-entry input[name=claim_no]", "BR-1")
    page.fill("form#claim-entry input[name=certno]", OLD[0])
    page.fill("form#claim-entry input[name=accident_on]", "2024-01-05")
    page.fill("form#claim-entry input[name=due_on]", "2024-01-10")
    page.fill("form#claim-entry input[name=expense]", "1100.00")
    page.check("#claim-documents input[value=id_proof]")
    page.check("#claim-documents input[value=medical_invoices]")
    shot("filled")
    page.click("form#claim-entry button[type=submit]")
    page.wait_for_selector("#claim-facts")
    assert "/claims/BR-1" in page.url and OLD[0] not in page.url
    body = page.locator("main").inner_text()
    assert "已登记理赔" in body and OLD[0] not in body
    missing = page.locator("#claim-documents ul.missing").inner_text()
    assert "意外事故证明" in missing and "身份证明" not in missing
    shot("claim")

    adjudicate_claims(enrolled, shipped_programs()[GA], actor="adjuster")
    page.reload()
    page.wait_for_selector("#claim-results article.result-line")
    result = page.locator("#claim-results").inner_text()
    assert "理赔材料不全，待审核" in result and "1,000.00" in result
    shot("judged")
