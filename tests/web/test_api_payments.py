"""Payment batches over the API: idempotency keys, exactly once, reversals, reconciliation."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import sqlalchemy as sa

from anxin.store.schema import AuditEntry, Payment, PaymentBatch
from tests.web.api_support import V1, key, lines_in_review
from tests.web.conftest import PROGRAM, YEAR


def approve_small_lines(api, web_db, tmp_path) -> list[dict]:  # type: ignore[no-untyped-def]
    lines = lines_in_review(api, web_db, tmp_path, ["20000", "18000"])
    for line in lines:
        answer = api("reviewer").post(
            f"{V1}/review/{line['line_id']}/decisions", json={"decision": "approve"}, headers=key()
        )
        assert answer.json()["status"] == "approved"
    return lines


def test_a_batch_is_paid_once_and_a_retry_replays_it(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = approve_small_lines(api, web_db, tmp_path)
    finance = api("finance")
    headers = key()
    first = finance.post(f"{V1}/payments/batches", json={"program": PROGRAM}, headers=headers)
    assert first.status_code == 201, first.text
    batch = first.json()
    assert batch["payments"] == 2 and batch["total_fen"] == sum(line["amount_fen"] for line in lines)
    assert batch["total_yuan"] == "6000.00" and not batch["replayed"]
    assert batch["journals"] == [f"PB{batch['batch_id']}-accrue", f"PB{batch['batch_id']}-transfer"]

    again = finance.post(f"{V1}/payments/batches", json={"program": PROGRAM}, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == batch
    with web_db.session() as session:
        paid = session.scalar(
            sa.select(sa.func.count()).where(Payment.adjudication_id.in_([line["line_id"] for line in lines]))
        )
    assert paid == 2

    # A new key finds nothing left to pay: an empty batch, nothing paid twice.
    empty = finance.post(f"{V1}/payments/batches", json={"program": PROGRAM}, headers=key()).json()
    assert empty["payments"] == 0 and empty["batch_id"] != batch["batch_id"]

    listed = finance.get(f"{V1}/payments/batches", params={"program": PROGRAM}).json()
    assert listed["total"] == 3 and listed["items"][0]["id"] == empty["batch_id"]
    detail = api("auditor").get(f"{V1}/payments/batches/{batch['batch_id']}").json()
    assert sorted(p["adjudication_id"] for p in detail["items"]["items"]) == sorted(
        line["line_id"] for line in lines
    )
    assert detail["summary"]["payouts_fen"] == batch["payouts_fen"]
    assert all("*" in p["id_masked"] for p in detail["items"]["items"])


def test_idempotency_key_is_required_and_bound_to_its_request(api) -> None:  # type: ignore[no-untyped-def]
    finance = api("finance")
    missing = finance.post(f"{V1}/payments/batches", json={"program": PROGRAM})
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "idempotency_key_required"
    headers = key()
    assert (
        finance.post(f"{V1}/payments/batches", json={"program": PROGRAM}, headers=headers).status_code == 201
    )
    reused = finance.post(
        f"{V1}/payments/batches", json={"program": PROGRAM, "payee": "person"}, headers=headers
    )
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    unknown = finance.post(f"{V1}/payments/batches", json={"program": "no-such-program"}, headers=key())
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_program"


def test_reversal_is_a_new_payment_and_happens_once(api, web_db) -> None:  # type: ignore[no-untyped-def]
    finance = api("finance")
    payment = finance.get(f"{V1}/payments/batches/1", params={"limit": 1}).json()["items"]["items"][0]
    missing_reason = finance.post(f"{V1}/payments/{payment['id']}/reversal", json={}, headers=key())
    assert missing_reason.status_code == 422
    done = finance.post(
        f"{V1}/payments/{payment['id']}/reversal", json={"reason": "重复支付 duplicate"}, headers=key()
    )
    assert done.status_code == 201, done.text
    reversal = done.json()
    assert reversal["reverses_payment_id"] == payment["id"]
    assert reversal["amount_fen"] == -payment["amount_fen"]
    assert reversal["journal"] == f"RV{reversal['payment_id']}"
    twice = finance.post(f"{V1}/payments/{payment['id']}/reversal", json={"reason": "again"}, headers=key())
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reversed"
    of_reversal = finance.post(
        f"{V1}/payments/{reversal['payment_id']}/reversal", json={"reason": "x"}, headers=key()
    )
    assert of_reversal.status_code == 409 and of_reversal.json()["error"]["code"] == "not_reversible"
    unknown = finance.post(f"{V1}/payments/99999999/reversal", json={"reason": "x"}, headers=key())
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_payment"
    shown = finance.get(f"{V1}/payments/batches/1", params={"limit": 1}).json()["items"]["items"][0]
    assert shown["reversed_by_payment_id"] == reversal["payment_id"]
    assert (
        api("auditor").post(f"{V1}/payments/1/reversal", json={"reason": "x"}, headers=key()).status_code
        == 403
    )


def test_reconciliation_lists_the_differences(api) -> None:  # type: ignore[no-untyped-def]
    answer = api("finance").get(
        f"{V1}/payments/reconciliation", params={"program": PROGRAM, "year": YEAR, "limit": 5}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["differing"] == 8 and not body["clean"]
    assert body["differences"]["total"] == 8 and len(body["differences"]["items"]) == 5
    first = body["differences"]["items"][0]
    assert first["difference_fen"] == first["bureau_fen"] - first["ours_fen"]
    assert first["person"].count("*") == 10
    assert body["bureau_fen"] - body["ours_fen"] == body["difference_fen"]


def fen_of(cell: object) -> int:
    """An amount cell (a number of yuan, two places at most) as fen, exactly."""
    value = Decimal(str(cell))
    assert value == value.quantize(Decimal("0.01")), cell
    return int(value * 100)


def test_a_batch_as_xlsx_reconciles_to_the_fen(api, web_db) -> None:  # type: ignore[no-untyped-def]
    with web_db.session() as session:
        batch = session.get(PaymentBatch, 1)
        assert batch is not None and batch.payments > 100
        expected = dict(
            session.execute(sa.select(Payment.id, Payment.amount_fen).where(Payment.batch_id == 1)).all()
        )
        total_fen = batch.total_fen
    answer = api("finance").get(f"{V1}/payments/batches/1.xlsx")
    assert answer.status_code == 200, answer.text
    assert (
        answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert answer.headers["content-disposition"] == 'attachment; filename="payment-batch-1.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["批次", "支付明细"]
    header = {row[0]: row[1] for row in book["批次"].iter_rows(min_row=2, values_only=True)}
    assert header["批次 batch"] == "1" and header["方案 program"] == PROGRAM
    assert header["支付笔数 payments"] == str(len(expected))
    assert header["合计（分）total in fen"] == str(total_fen)
    assert fen_of(header["合计 total (payouts − recoveries)"]) == total_fen
    assert fen_of(header["明细金额之和 sum of the payments sheet"]) == total_fen

    rows = list(book["支付明细"].iter_rows(values_only=True))
    assert rows[0] == (
        "支付编号",
        "明细编号",
        "结算ID",
        "证件号码（脱敏）",
        "方案",
        "年度",
        "金额(元)",
        "冲正支付编号",
    )
    listed = {row[0]: fen_of(row[6]) for row in rows[1:]}
    assert listed == expected and sum(listed.values()) == total_fen
    assert all(row[1] and row[2] and row[3].count("*") == 10 for row in rows[1:])
    assert {(row[4], row[5]) for row in rows[1:]} == {(PROGRAM, YEAR)}
    with web_db.session() as session:
        entry = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.entity == "payment_batch")
        ).one()
    assert (entry.actor, entry.entity_id) == ("finance", "1")


def test_a_reversal_batch_as_xlsx_names_the_reversed_line(api, web_db) -> None:  # type: ignore[no-untyped-def]
    finance = api("finance")
    payment = finance.get(f"{V1}/payments/batches/1", params={"limit": 1}).json()["items"]["items"][0]
    done = finance.post(
        f"{V1}/payments/{payment['id']}/reversal", json={"reason": "重复"}, headers=key()
    ).json()
    answer = api("auditor").get(f"{V1}/payments/batches/{done['batch_id']}.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    (row,) = list(book["支付明细"].iter_rows(min_row=2, values_only=True))
    assert row[0] == done["payment_id"] and row[1] == payment["adjudication_id"]
    assert row[2] == payment["setl_id"] and row[7] == payment["id"]
    assert fen_of(row[6]) == -payment["amount_fen"]
    header = {r[0]: r[1] for r in book["批次"].iter_rows(min_row=2, values_only=True)}
    assert header["合计（分）total in fen"] == str(-payment["amount_fen"])


def test_batch_xlsx_needs_the_permission_and_a_batch(api) -> None:  # type: ignore[no-untyped-def]
    refused = api("clerk").get(f"{V1}/payments/batches/1.xlsx")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    missing = api("manager").get(f"{V1}/payments/batches/999999.xlsx")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_payment_batch"
