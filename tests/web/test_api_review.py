"""The review queue and decisions over the API, with four eyes above 5,000 yuan."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from anxin.domain.errors import Conflict
from anxin.services import review
from anxin.store.schema import Adjudication, Payment, ReviewDecision
from tests.web.api_support import V1, key, lines_in_review
from tests.web.conftest import PROGRAM


def decide(client, line_id: int, decision: str, reason: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"{V1}/review/{line_id}/decisions", json={"decision": decision, "reason": reason}, headers=key()
    )


def test_a_large_line_needs_two_different_reviewers(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    large, small = lines_in_review(api, web_db, tmp_path, ["60000", "20000"])
    assert large["amount_fen"] == 2_760_000 and large["needs_two"] and large["status"] == "review"
    assert small["amount_fen"] == 360_000 and not small["needs_two"]
    assert large["id_masked"].count("*") == 10 and large["run_actor"] == "adjuster"

    refused = decide(api("adjuster"), large["line_id"], "approve")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "four_eyes"

    first = decide(api("reviewer"), large["line_id"], "approve")
    assert first.status_code == 201
    assert first.json() | {"status_zh": ""} == {
        "line_id": large["line_id"],
        "status": "second",
        "status_zh": "",
        "status_en": "awaiting second approval",
        "needs_second": True,
    }
    again = decide(api("reviewer"), large["line_id"], "approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "four_eyes"
    assert again.json()["error"]["message"].startswith("四眼原则")

    second = decide(api("reviewer2"), large["line_id"], "approve")
    assert second.status_code == 201 and second.json()["status"] == "approved"

    detail = api("auditor").get(f"{V1}/review/{large['line_id']}").json()
    assert [(d["actor"], d["status_after"]) for d in detail["decisions"]] == [
        ("reviewer", "second"),
        ("reviewer2", "approved"),
    ]
    done = decide(api("reviewer2"), large["line_id"], "reject", "too late")
    assert done.status_code == 409 and done.json()["error"]["code"] == "conflict"

    # Below the four-eyes amount one approval is enough.
    assert decide(api("reviewer"), small["line_id"], "approve").json()["status"] == "approved"


def test_reject_and_send_back_need_a_reason(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    returned, rejected = lines_in_review(api, web_db, tmp_path, ["30000", "40000"])
    reviewer = api("reviewer")
    missing = decide(reviewer, returned["line_id"], "send_back")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "reason_required"
    assert decide(reviewer, returned["line_id"], "send_back", "发票缺页").json()["status"] == "returned"
    assert decide(reviewer, rejected["line_id"], "reject", "重复结算").json()["status"] == "rejected"

    queue = reviewer.get(f"{V1}/review", params={"status": "returned"}).json()
    assert [item["line_id"] for item in queue["items"]] == [returned["line_id"]]
    assert queue["items"][0]["status_zh"] == "已退回"
    # A line sent back is open again: it can be approved later.
    assert decide(api("reviewer2"), returned["line_id"], "approve").json()["status"] == "second"

    invalid = decide(reviewer, rejected["line_id"], "maybe")
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"


def test_queue_filters_and_permissions(api) -> None:  # type: ignore[no-untyped-def]
    queue = api("risk_officer").get(f"{V1}/review", params={"reason": "bureau_differs", "limit": 3})
    assert queue.status_code == 200
    body = queue.json()
    assert body["total"] == 8 and len(body["items"]) == 3 and body["limit"] == 3
    assert {item["review_reason"] for item in body["items"]} == {"bureau_differs"}
    assert api("clerk").get(f"{V1}/review").status_code == 403
    refused = api("risk_officer").post(
        f"{V1}/review/1/decisions", json={"decision": "approve"}, headers=key()
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    missing = api("reviewer").get(f"{V1}/review/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def flag(client, line_id: int, reason: str | None):  # type: ignore[no-untyped-def]
    body = {} if reason is None else {"reason": reason}
    return client.post(f"{V1}/review/{line_id}/flag", json=body, headers=key())


def approved_lines(api, web_db, tmp_path, owed: tuple[str, ...] = ("20000",)) -> list[dict]:  # type: ignore[no-untyped-def]
    """New lines below the four-eyes amount, approved by the reviewer and not paid."""
    lines = lines_in_review(api, web_db, tmp_path, list(owed))
    for line in lines:
        assert decide(api("reviewer"), line["line_id"], "approve").json()["status"] == "approved"
    return lines


def test_flag_an_approved_line_then_the_usual_review_applies(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (line,) = approved_lines(api, web_db, tmp_path)
    line_id = line["line_id"]
    risk = api("risk_officer")

    blank = flag(risk, line_id, "  ")
    assert blank.status_code == 400 and blank.json()["error"]["code"] == "reason_required"
    assert blank.json()["error"]["message"] == "标记复核须写明原因"
    assert flag(risk, line_id, None).status_code == 422  # the reason is a required field
    for role in ("clerk", "finance", "auditor", "manager"):
        refused = flag(api(role), line_id, "x")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    done = flag(risk, line_id, "住院天数与费用明显不符")
    assert done.status_code == 201, done.text
    assert done.json() == {
        "line_id": line_id,
        "status": "review",
        "status_zh": "待审核",
        "status_en": "in review",
        "needs_second": False,
    }
    queue = api("reviewer").get(f"{V1}/review", params={"reason": "flagged"}).json()
    assert [item["line_id"] for item in queue["items"]] == [line_id]
    assert (queue["items"][0]["reason_zh"], queue["items"][0]["reason_en"]) == ("人工标记", "flagged")

    again = flag(api("adjuster"), line_id, "再次标记")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_flaggable"

    assert decide(api("reviewer2"), line_id, "approve").json()["status"] == "approved"
    detail = api("auditor").get(f"{V1}/review/{line_id}").json()
    assert [(d["actor"], d["decision"], d["status_after"]) for d in detail["decisions"]] == [
        ("reviewer", "approve", "approved"),
        ("risk_officer", "flag", "review"),
        ("reviewer2", "approve", "approved"),
    ]
    assert detail["decisions"][1]["reason"] == "住院天数与费用明显不符"
    audit = api("auditor").get(f"{V1}/audit", params={"action": "review_flag"}).json()["items"]
    assert [(e["actor"], e["entity_id"]) for e in audit] == [("risk_officer", str(line_id))]
    assert audit[0]["detail"]["after"]["review_reason"] == "flagged"


def test_a_paid_line_cannot_be_flagged_until_its_payment_is_reversed(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (line,) = approved_lines(api, web_db, tmp_path)
    paid = api("finance").post(f"{V1}/payments/batches", json={"program": PROGRAM}, headers=key())
    assert paid.status_code == 201 and paid.json()["payments"] >= 1
    refused = flag(api("reviewer"), line["line_id"], "金额可疑")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "already_paid" and error["message"].startswith("该结果行已支付")
    assert "cannot be flagged" in error["message_en"]
    assert api("reviewer").get(f"{V1}/review/{line['line_id']}").json()["status"] == "approved"

    with web_db.session() as session:
        payment_id = session.scalar(sa.select(Payment.id).where(Payment.adjudication_id == line["line_id"]))
    reversal = api("finance").post(
        f"{V1}/payments/{payment_id}/reversal", json={"reason": "待复核"}, headers=key()
    )
    assert reversal.status_code == 201
    assert flag(api("reviewer"), line["line_id"], "冲正后复核").json()["status"] == "review"


def test_flag_loses_to_a_payment_or_a_decision_made_a_moment_earlier(
    api, web_db, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The checks before the update read a state that has changed by the time of the update: the
    conditional update changes nothing, and the answer says why."""
    paid_line, open_line = approved_lines(api, web_db, tmp_path, ("20000", "18000"))
    with web_db.session() as session, session.begin():  # someone sent the second back into review
        session.execute(
            sa.update(Adjudication).where(Adjudication.id == open_line["line_id"]).values(status="review")
        )
    batch = api("finance").post(f"{V1}/payments/batches", json={"program": PROGRAM}, headers=key())
    assert batch.status_code == 201 and review.is_paid(web_db, paid_line["line_id"])
    stale = review.review_item
    monkeypatch.setattr(review, "is_paid", lambda db, line_id: False)  # the payment not seen yet
    monkeypatch.setattr(
        review,
        "review_item",
        lambda db, line_id: (dataclasses.replace(stale(db, line_id)[0], status="approved"), []),
    )
    with pytest.raises(Conflict) as lost_to_payment:
        review.flag(web_db, paid_line["line_id"], actor="reviewer", reason="x")
    assert lost_to_payment.value.code == "already_paid"
    with pytest.raises(Conflict) as lost_to_decision:
        review.flag(web_db, open_line["line_id"], actor="reviewer", reason="x")
    assert lost_to_decision.value.code == "conflict"
    assert lost_to_decision.value.en == "someone else has just changed this line; reload it"
    with web_db.session() as session:
        flags = session.scalar(
            sa.select(sa.func.count()).select_from(ReviewDecision).where(ReviewDecision.decision == "flag")
        )
        statuses = dict(
            session.execute(
                sa.select(Adjudication.id, Adjudication.status).where(
                    Adjudication.id.in_([paid_line["line_id"], open_line["line_id"]])
                )
            ).all()
        )
    assert flags == 0
    assert statuses == {paid_line["line_id"]: "approved", open_line["line_id"]: "review"}


def decide_claim(client, line_id: int, decision: str, reason: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"{V1}/review/claims/{line_id}/decisions",
        json={"decision": decision, "reason": reason},
        headers=key(),
    )


def test_claim_lines_share_the_queue_and_the_four_eyes(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.group_claims_support import GA
    from tests.web.claim_lines import DEATH, MEDICAL, claim_lines_in_review

    lines = claim_lines_in_review(web_db, tmp_path)
    death, medical = lines[DEATH], lines[MEDICAL]
    queue = api("reviewer").get(f"{V1}/review", params={"limit": 200}).json()
    sources = {item["source"] for item in queue["items"]}
    assert sources == {"settlement", "claim"}
    claims = api("reviewer").get(f"{V1}/review", params={"source": "claim"}).json()
    assert claims["total"] == 2
    first = claims["items"][0]
    assert (first["line_id"], first["claim_no"], first["claim_type"], first["program_code"]) == (
        death,
        DEATH,
        "death",
        GA,
    )
    assert (first["amount_fen"], first["needs_two"], first["source_zh"], first["setl_id"]) == (
        1_000_000,
        True,
        "团体理赔",
        "",
    )
    assert (first["reason_zh"], first["outcome"], first["outcome_en"]) == ("超过审核金额", "paid", "paid")
    assert first["id_masked"].count("*") == 10 and first["run_actor"] == "adjuster"

    detail = api("auditor").get(f"{V1}/review/claims/{death}", params={"lang": "en"}).json()
    assert detail["claim"]["claim_no"] == DEATH and detail["claim"]["accident_on"] == "2024-01-10"
    assert detail["claim"]["channel"] == "file" and detail["claim"]["entered_by"] == "clerk"
    assert detail["explanation"][0].startswith(f"Claim {DEATH}") and detail["decisions"] == []
    assert api("auditor").get(f"{V1}/review/claims/999999").status_code == 404

    refused = decide_claim(api("adjuster"), death, "approve")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "four_eyes"
    assert decide_claim(api("reviewer"), death, "approve").json()["status"] == "second"
    again = decide_claim(api("reviewer"), death, "approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "four_eyes"
    assert decide_claim(api("reviewer2"), death, "approve").json()["status"] == "approved"
    missing = decide_claim(api("reviewer"), medical, "reject")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "reason_required"
    assert (
        api("clerk")
        .post(f"{V1}/review/claims/{medical}/decisions", json={"decision": "approve"}, headers=key())
        .status_code
        == 403
    )

    paid = api("finance").post(f"{V1}/payments/batches", json={"program": GA}, headers=key())
    assert paid.status_code == 201 and paid.json()["payments"] == 1
    assert paid.json()["payouts_fen"] == 1_000_000 and paid.json()["payee"] == "person"
    after = decide_claim(api("reviewer"), death, "reject", "重复")
    assert after.status_code == 409 and after.json()["error"]["code"] == "already_paid"
    detail = api("auditor").get(f"{V1}/review/claims/{death}").json()
    assert [(d["actor"], d["status_after"]) for d in detail["decisions"]] == [
        ("reviewer", "second"),
        ("reviewer2", "approved"),
    ]
    audit = api("auditor").get(f"{V1}/audit", params={"action": "review_approve"}).json()["items"]
    assert ("reviewer2", "claim_result", str(death)) in {
        (e["actor"], e["entity"], e["entity_id"]) for e in audit
    }
    assert api("reviewer").get(f"{V1}/review", params={"source": "claim"}).json()["total"] == 1


def test_openapi_documents_the_claim_review(api) -> None:  # type: ignore[no-untyped-def]
    paths = api(None).get("/api/openapi.json").json()["paths"]
    assert "/api/v1/review/claims/{line_id}" in paths and "/api/v1/review/claims/{line_id}/decisions" in paths
    sources = paths["/api/v1/review"]["get"]["parameters"]
    assert any(p["name"] == "source" for p in sources)
