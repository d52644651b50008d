"""The claim intake form and a claim's page: program → claim type → its documents checklist, the
person by number or ID, an error naming the field (the ID number never echoed), the claim page with
documents received and missing, and its result lines explained after a run."""

from __future__ import annotations

import pytest

from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.imports import import_persons
from anxin.store.program_files import shipped_programs
from tests.integration.group_claims_support import GA, OLD, SD, YEAR, elderly_roster, women_roster
from tests.web.test_pages_helpers import csrf, sign_in, texts


@pytest.fixture
def enrolled(web_db, tmp_path):  # type: ignore[no-untyped-def]
    import_persons(web_db, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    import_persons(web_db, women_roster(tmp_path), program_code=SD, year=2024)
    return web_db


def form(client, **fields: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "csrf_token": csrf(client, "/claims/new"),
        "program_code": GA,
        "claim_type": "accident_medical",
        "claim_no": "WEB-1",
        "psn_no": "Q1",
        "accident_on": "2024-01-05",
        "due_on": "2024-01-10",
        "expense": "1100.00",
        "basic_insurance": "是",
        "documents": ["id_proof", "medical_invoices"],
    }
    return data | fields


def test_the_form_shows_the_checklist_of_the_chosen_type(app, enrolled) -> None:  # type: ignore[no-untyped-def]
    clerk = sign_in(app, "clerk")
    start = clerk.get("/claims/new")
    assert start.status_code == 200 and 'href="/claims/new"' in start.text
    assert "请先选择方案" in start.text and GA in start.text
    chosen = clerk.get("/claims/new", params={"program": GA, "claim_type": "death"}).text
    boxes = texts(chosen, r'name="documents" value="([a-z_]+)"')
    assert boxes == [
        "claim_form",
        "id_proof",
        "death_certificate",
        "accident_report",
        "beneficiary_proof",
        "bank_account",
    ]
    assert "死亡证明" in chosen and "身故日期" in chosen and "未经正式文件核实" in chosen
    women = clerk.get("/claims/new", params={"program": SD}).text  # one claim type: chosen at once
    assert "病理诊断报告" in women and "原发性乳腺癌" in women
    english = sign_in(app, "adjuster", lang="en").get(
        "/claims/new", params={"program": GA, "claim_type": "disability"}
    )
    assert "disability assessment report" in english.text and "Enter the claim" in english.text


def test_a_claim_entered_by_the_form_and_judged(app, enrolled) -> None:  # type: ignore[no-untyped-def]
    clerk = sign_in(app, "clerk")
    sent = clerk.post("/claims/new", data=form(clerk), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/claims/WEB-1?entered=new"
    page = clerk.get(sent.headers["location"])  # the plain form's redirect still says what happened
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "已登记理赔" in page.text
    assert texts(page.text, r'<li data-code="([a-z_]+)">✓') == ["id_proof", "medical_invoices"]
    assert "accident_report" in texts(page.text, r'<li data-code="([a-z_]+)">✗')
    assert "网页表单" in page.text and "尚未理算" in page.text

    again = clerk.post("/claims/new", data=form(clerk), headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and "未作改动" in again.text

    adjudicate_claims(enrolled, shipped_programs()[GA], actor="adjuster")
    judged = sign_in(app, "auditor").get("/claims/WEB-1").text
    assert 'data-status="review"' in judged and "理赔材料不全，待审核" in judged
    assert "缺少：理赔申请书、意外事故证明" in judged


def test_errors_name_the_field_and_never_echo_the_id_number(app, enrolled) -> None:  # type: ignore[no-untyped-def]
    clerk = sign_in(app, "clerk")
    wrong = OLD[0][:-1] + ("0" if OLD[0][-1] != "0" else "1")
    bad = clerk.post("/claims/new", data=form(clerk, psn_no="", certno=wrong, expense="abc"))
    assert bad.status_code == 422
    assert 'data-field="expense"' in bad.text and "金额格式无效" in bad.text
    assert wrong not in bad.text and "WEB-1" in bad.text  # what was typed comes back, the ID does not
    missing_date = clerk.post("/claims/new", data=form(clerk, accident_on=""))
    assert missing_date.status_code == 422 and 'data-field="accident_on"' in missing_date.text
    by_id = clerk.post("/claims/new", data=form(clerk, psn_no="", certno=OLD[2], claim_no="WEB-3",
                                                accident_on="2023-11-20", due_on="2023-11-25"))  # fmt: skip
    assert by_id.status_code == 422 and "未参加本项目" in by_id.text and OLD[2] not in by_id.text
    assert clerk.get("/claims/NOPE").status_code == 404


def test_who_may_enter_and_read(app, enrolled) -> None:  # type: ignore[no-untyped-def]
    reviewer = sign_in(app, "reviewer")
    assert reviewer.get("/claims/new").status_code == 403
    assert 'href="/claims/new"' not in reviewer.get("/programs").text
    finance = sign_in(app, "finance")
    assert finance.get("/claims/WEB-1").status_code == 403
