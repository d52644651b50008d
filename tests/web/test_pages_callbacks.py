"""The callbacks page: open tasks (and overdue ones on a day), the form with the channel and the seven
confirmations: an attempt listing the points not confirmed, a callback completing the task, a refusal
in both languages keeping what was ticked, and who may use it."""

from __future__ import annotations

from anxin.domain.life.callbacks import CONFIRMATION_COLUMNS
from tests.web.test_api_policies import LOAN, NEW, small_book
from tests.web.test_pages_helpers import csrf, sign_in, texts


def form(client, confirmed: list[str], **fields: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"csrf_token": csrf(client, "/callbacks"), "policy_no": NEW, "channel": "phone",
                               "day": "2026-01-08", "confirmed": confirmed}  # fmt: skip
    return data | fields


def test_open_and_overdue_tasks_are_listed(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    page = clerk.get("/callbacks", params={"region": "99"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert texts(page.text, r'<tr data-policy="([^"]+)" data-status="open"') == [NEW]
    assert texts(page.text, r'name="confirmed" value="([a-z_]+)"') == list(CONFIRMATION_COLUMNS)
    assert "知晓犹豫期权利" in page.text and "电话回访" in page.text
    on_time = clerk.get("/callbacks", params={"region": "99", "overdue_on": "2026-01-20"}).text
    assert 'id="callback-tasks-empty"' in on_time
    late = clerk.get("/callbacks", params={"region": "99", "overdue_on": "2026-01-21"}).text
    assert texts(late, r'<tr data-policy="([^"]+)"') == [NEW]
    prefilled = clerk.get("/callbacks", params={"policy": NEW}).text
    assert f'name="policy_no" value="{NEW}"' in prefilled
    assert sign_in(app, "auditor").get("/callbacks").status_code == 403


def test_an_attempt_then_a_completed_callback(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    six = list(CONFIRMATION_COLUMNS[:6])
    sent = clerk.post("/callbacks", data=form(clerk, six), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/callbacks?recorded={NEW}"
    attempt = clerk.get(sent.headers["location"]).text
    assert 'id="callback-result" data-status="open"' in attempt and "第 1 次" in attempt
    assert texts(attempt, r'<li data-column="([a-z_]+)">') == ["knows_payment_schedule"]

    headers = {"HX-Request": "true", "Idempotency-Key": "callback-1"}
    complete = form(clerk, list(CONFIRMATION_COLUMNS), channel="electronic", day="2026-01-09")
    done = clerk.post("/callbacks", data=complete, headers=headers)
    assert done.status_code == 200 and 'id="callback-result" data-status="done"' in done.text
    assert "七项均已确认" in done.text
    replay = clerk.post("/callbacks", data=complete, headers=headers)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    listed = clerk.get("/callbacks", params={"status": "done", "region": "99"}).text
    row = texts(listed, rf'<tr data-policy="{NEW}" data-status="done">(.*?)</tr>')[0]
    assert "电子化回访" in row and "2026-01-09" in row and '<td class="num">2</td>' in row


def test_a_refusal_keeps_what_was_ticked(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    ticked = list(CONFIRMATION_COLUMNS[:2])
    refused = clerk.post("/callbacks", data=form(clerk, ticked, policy_no=LOAN, channel="electronic"))
    assert refused.status_code == 404
    assert "没有回访任务" in refused.text and "has no callback task" in refused.text
    assert f'name="policy_no" value="{LOAN}"' in refused.text
    assert texts(refused.text, r'value="([a-z_]+)"[^>]*checked') == ticked
    assert '<option value="electronic" selected>' in refused.text
    unknown = clerk.post("/callbacks", data=form(clerk, ["sings_well"]))
    assert unknown.status_code == 422 and "unknown callback confirmation" in unknown.text
