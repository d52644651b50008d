"""Payments through the pages: paying approved lines once whatever the retries (the Idempotency-Key
header and the form's own key), reversing a payment, the reconciliation summary."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import sqlalchemy as sa

from anxin.store.schema import AuditEntry, Payment, PaymentBatch
from tests.web.conftest import PROGRAM
from tests.web.test_pages_helpers import add_line, csrf, sign_in, texts

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def batches(web_db) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    with web_db.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                sa.select(PaymentBatch.id, PaymentBatch.payments, PaymentBatch.total_fen).order_by(
                    PaymentBatch.id
                )
            )
        ]


def test_payments_page_lists_batches_and_reconciles_the_year(app):
    html = sign_in(app, "finance").get("/payments").text
    assert 'id="payment-batches"' in html and 'href="/payments/batches/1"' in html
    assert 'id="reconciliation"' in html and "金额不一致 differing" in html
    assert '<form id="pay-form"' in html
    auditor = sign_in(app, "auditor").get("/payments").text
    assert 'id="payment-batches"' in auditor and "pay-form" not in auditor
    assert sign_in(app, "clerk").get("/payments").status_code == 403


def test_pay_then_replay_with_the_same_idempotency_key_pays_once(app, web_db):
    add_line(web_db, amount_fen=123_456, status="approved")
    before = batches(web_db)
    client = sign_in(app, "finance")
    page = client.get("/payments").text
    key = KEY.search(page).group(1)  # type: ignore[union-attr]
    assert f'"Idempotency-Key": "{key}"' in page  # htmx sends the same key as a header
    form = {
        "program": PROGRAM,
        "payee": "fund",
        "idempotency_key": key,
        "csrf_token": csrf(client, "/payments"),
    }
    headers = {"Idempotency-Key": key, "HX-Request": "true"}

    first = client.post("/payments/pay", data=form, headers=headers)
    assert first.status_code == 200 and "已生成支付批次：1 笔，合计 1,234.56 元" in first.text
    replay = client.post("/payments/pay", data=form, headers=headers)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.text == first.text

    plain = client.post("/payments/pay", data=form, follow_redirects=False)  # a plain form sent again
    assert plain.status_code == 303 and plain.headers["location"].endswith("?made=again")
    assert "没有重复支付" in client.get(plain.headers["location"]).text

    after = batches(web_db)
    assert len(after) == len(before) + 1 and after[-1][1:] == (1, 123_456)


def test_a_reversal_is_a_new_payment_and_cannot_be_repeated(app, web_db):
    with web_db.session() as session:
        payment_id, amount = session.execute(
            sa.select(Payment.id, Payment.amount_fen).order_by(Payment.id).limit(1)
        ).one()
    client = sign_in(app, "finance")
    page = client.get(f"/payments/{payment_id}").text
    assert 'id="reverse-form"' in page
    token = csrf(client, "/payments")
    no_reason = client.post(f"/payments/{payment_id}/reverse", data={"csrf_token": token})
    assert no_reason.status_code == 400 and "冲正须说明原因" in no_reason.text

    done = client.post(f"/payments/{payment_id}/reverse", data={"reason": "重复支付", "csrf_token": token})
    assert done.status_code == 200 and "已冲正支付" in done.text  # after the redirect to its batch
    assert f'href="/payments/{payment_id}">#{payment_id}</a>' in done.text
    with web_db.session() as session:
        reversal = session.scalars(sa.select(Payment).where(Payment.reverses_payment_id == payment_id)).one()
    assert reversal.amount_fen == -amount
    assert 'id="reverse-form"' not in client.get(f"/payments/{payment_id}").text
    twice = client.post(f"/payments/{payment_id}/reverse", data={"reason": "again", "csrf_token": token})
    assert twice.status_code == 400 and "已由支付" in twice.text
    assert 'id="reverse-form"' not in sign_in(app, "auditor").get(f"/payments/{reversal.id}").text


def test_batch_page_lists_its_payments_with_masked_ids(app):
    html = sign_in(app, "auditor").get("/payments/batches/1").text
    rows = texts(html, r'<tr data-payment-id="(\d+)">')
    assert len(rows) == 100 and 'rel="next"' in html
    assert re.search(r"<td>\d{4}\*{10}[\dX]{4}</td>", html)
    assert sign_in(app, "auditor").get("/payments/batches/999").status_code == 404


def test_batch_page_links_its_excel_export_which_reconciles_and_is_audited(app, web_db):
    add_line(web_db, amount_fen=123_457, status="approved")
    client = sign_in(app, "finance")
    form = {"program": PROGRAM, "payee": "fund", "csrf_token": csrf(client, "/payments")}
    made = client.post("/payments/pay", data=form, follow_redirects=False)
    batch_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    html = client.get(f"/payments/batches/{batch_id}").text
    assert f'<a id="export-payments-xlsx" href="/payments/batches/{batch_id}/export.xlsx" download>' in html

    answer = sign_in(app, "auditor").get(f"/payments/batches/{batch_id}/export.xlsx")
    assert answer.status_code == 200
    assert (
        answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f'filename="payment-batch-{batch_id}.xlsx"' in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    (row,) = list(book["支付明细"].iter_rows(min_row=2, values_only=True))
    assert Decimal(str(row[6])) == Decimal("1234.57") and row[3].count("*") == 10
    header = {r[0]: r[1] for r in book["批次"].iter_rows(min_row=2, values_only=True)}
    assert header["合计 total (payouts − recoveries)"] == "1234.57"
    assert header["合计（分）total in fen"] == "123457" and header["导出人 exported by"] == "auditor"
    with web_db.session() as session:
        audited = session.scalars(
            sa.select(AuditEntry.actor).where(
                AuditEntry.action == "export", AuditEntry.entity == "payment_batch"
            )
        ).all()
    assert audited == ["auditor"]
    assert sign_in(app, "clerk").get(f"/payments/batches/{batch_id}/export.xlsx").status_code == 403
    assert sign_in(app, "auditor").get("/payments/batches/999999/export.xlsx").status_code == 404
