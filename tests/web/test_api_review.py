"""The review queue and decisions over the API, with four eyes above 5,000 yuan."""

from __future__ import annotations

from tests.web.api_support import V1, key, lines_in_review


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
