"""A day's work in the browser: find a person and see why a settlement paid what it paid, approve a
large payout with four eyes, upload an import with a bad row and read its report, export a report
and a payment batch. Every page visited is kept as a screenshot."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import sqlalchemy as sa

from anxin.store.schema import Adjudication, PaymentBatch, Person, Settlement
from tests.browser.conftest import sign_in
from tests.web.test_pages_helpers import add_line, resident_id

GOOD = resident_id("37010219900101123")
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # wrong check character


def _largest_payout(db) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as c:
        return c.execute(
            sa.select(Person.id_masked, Settlement.setl_id)
            .join(Adjudication, Adjudication.person_id == Person.id)
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .order_by(Adjudication.amount_fen.desc())
            .limit(1)
        ).one()


def test_chinese_is_rendered_with_a_cjk_font(page, live_server, shot):
    sign_in(page, live_server, "manager")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '大病保险')")
    width = page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
                   c.font = '16px "Noto Sans CJK SC"'; return c.measureText('赔').width; }"""
    )
    assert width >= 14  # a full-width glyph, not a missing-glyph box of another font's width
    shot("dashboard")


def test_find_a_person_and_open_a_payout_explanation(page, live_server, web_db, shot):
    masked, setl_id = _largest_payout(web_db)
    sign_in(page, live_server, "adjuster")
    page.goto(f"{live_server}/persons")
    page.fill("form#person-search input[name=id_number]", masked)
    shot("search-form")
    page.click("form#person-search button[type=submit]")
    page.wait_for_selector("table#person-results a.person-link")
    assert masked in page.locator("table#person-results").inner_text()
    assert "/persons" in page.url and masked not in page.url
    shot("search-results")
    page.click("table#person-results a.person-link")
    page.wait_for_selector("table#settlements")
    shot("person")
    row = page.locator("table#settlements tr", has_text=setl_id)
    row.locator("a.explain-link").first.click()
    page.wait_for_selector("#explanation")
    explanation = page.locator("#explanation").inner_text()
    assert "起付线" in explanation and "赔付" in explanation
    shot("explanation")


def test_a_large_payout_needs_two_different_approvers(page, live_server, web_db, shot):
    line = add_line(web_db, amount_fen=800_000, actor="adjuster")
    sign_in(page, live_server, "reviewer")
    page.goto(f"{live_server}/review")
    page.wait_for_selector(f"table#review-queue tr[data-line-id='{line}']")
    shot("queue")
    page.click(f"table#review-queue tr[data-line-id='{line}'] a.review-link")
    page.wait_for_selector("form#review-decision")
    page.fill("form#review-decision textarea[name=reason]", "金额核实无误")
    page.click("form#review-decision button[name=decision][value=approve]")
    page.wait_for_function("document.querySelector('.badge.status').innerText.includes('待复核')")
    shot("first-approval")
    page.fill("form#review-decision textarea[name=reason]", "再次通过")
    page.click("form#review-decision button[name=decision][value=approve]")
    page.wait_for_selector("text=四眼原则")
    shot("same-person-refused")
    page.click("header form button[type=submit]")  # sign out
    sign_in(page, live_server, "reviewer2")
    page.goto(f"{live_server}/review/{line}")
    page.fill("form#review-decision textarea[name=reason]", "复核通过")
    page.click("form#review-decision button[name=decision][value=approve]")
    page.wait_for_function("document.querySelector('.badge.status').innerText.includes('已通过')")
    shot("second-approval")
    with web_db.engine.connect() as c:
        assert (
            c.execute(sa.select(Adjudication.status).where(Adjudication.id == line)).scalar_one()
            == "approved"
        )


def test_upload_a_file_with_a_bad_row_and_read_its_report(page, live_server, tmp_path, shot):
    roster = tmp_path / "名单.csv"
    roster.write_text(
        f"证件号码,姓名,联系电话\n{GOOD},张三,13800001111\n{BAD},李四,13800002222\n", encoding="utf-8"
    )
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/imports")
    page.select_option("form#import-upload select[name=kind]", "persons")
    page.set_input_files("form#import-upload input[type=file][name=file]", str(roster))
    shot("upload-form")
    page.click("form#import-upload button[type=submit]")
    page.wait_for_selector("table#import-problems")
    problems = page.locator("table#import-problems").inner_text()
    assert "身份证号码无效" in problems and BAD not in page.content()
    shot("import-report")
    with page.expect_download() as download:
        page.click("a#error-report-download")
    saved = tmp_path / "problems.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "3" in cells and "身份证号码无效" in cells


def test_export_the_program_year_report(page, live_server, tmp_path, shot):
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server}/reports")
    page.wait_for_selector("a#export-xlsx")
    assert "泰安" in page.locator("main").inner_text()
    shot("report")
    with page.expect_download() as download:
        page.click("a#export-xlsx")
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert len(book.sheetnames) >= 3
    first = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)
    assert "赔付" in first


def test_export_a_payment_batch(page, live_server, web_db, tmp_path, shot):
    with web_db.engine.connect() as c:
        total_fen = c.execute(sa.select(PaymentBatch.total_fen).where(PaymentBatch.id == 1)).scalar_one()
    sign_in(page, live_server, "finance")
    page.goto(f"{live_server}/payments/batches/1")
    page.wait_for_selector("a#export-payments-xlsx")
    shot("payment-batch")
    with page.expect_download() as download:
        page.click("a#export-payments-xlsx")
    saved = tmp_path / "batch.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames == ["批次", "支付明细"]
    amounts = [Decimal(str(row[6])) for row in book["支付明细"].iter_rows(min_row=2, values_only=True)]
    assert sum(amounts) * 100 == total_fen
