"""The review queue and decisions through the pages: filters, four eyes (two different approvers
above the threshold), reasons required, and CSRF."""

from __future__ import annotations

import sqlalchemy as sa

from anxin.store.schema import Adjudication, AuditEntry, Payment, ReviewDecision
from tests.web.test_pages_helpers import add_line, csrf, sign_in, texts

ABOVE = 800_000  # 8,000 yuan: above the test threshold of 5,000 yuan


def status_of(web_db, line_id: int) -> str:  # type: ignore[no-untyped-def]
    with web_db.session() as session:
        return session.scalar(sa.select(Adjudication.status).where(Adjudication.id == line_id))


def badge(html: str) -> str:
    return texts(html, r'<span class="badge status (\w+)">')[0]


def test_queue_lists_open_lines_with_links_and_filters(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE)
    client = sign_in(app, "reviewer")
    html = client.get("/review").text
    assert 'id="review-queue"' in html
    rows = texts(html, r'<tr data-line-id="(\d+)">')
    assert rows[0] == str(line_id)  # largest amount first
    assert f'<a class="review-link" href="/review/{line_id}">' in html
    assert "8,000.00" in html
    filtered = client.get("/review?status=second").text
    assert 'id="review-queue"' not in filtered and "没有待审核的明细" in filtered
    by_reason = client.get("/review?reason=bureau_differs").text
    assert str(line_id) not in texts(by_reason, r'<tr data-line-id="(\d+)">')


def test_four_eyes_two_different_approvers_through_the_pages(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE)
    first = sign_in(app, "reviewer")
    page = first.get(f"/review/{line_id}").text
    assert 'id="review-decision"' in page and 'id="explanation"' in page
    for value in ("approve", "reject", "send_back"):
        assert f'<button type="submit" name="decision" value="{value}"' in page
    assert "双人复核线" in page and badge(page) == "review"

    token = csrf(first, "/review")
    answer = first.post(f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": token})
    assert answer.status_code == 200 and badge(answer.text) == "second"
    assert "待复核（双人）" in answer.text
    assert status_of(web_db, line_id) == "second"

    again = first.post(f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": token})
    assert again.status_code == 400
    assert "四眼原则：超额赔付须由另一人复核通过" in again.text
    english = sign_in(app, "reviewer", lang="en")
    refused = english.post(
        f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": csrf(english, "/review")}
    )
    assert "a second, different person must approve" in refused.text
    assert "awaiting second approval" in refused.text
    assert status_of(web_db, line_id) == "second"

    second = sign_in(app, "reviewer2")
    done = second.post(
        f"/review/{line_id}/decide",
        data={"decision": "approve", "reason": "复核无误", "csrf_token": csrf(second, "/review")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/review/{line_id}?decided=approved"
    assert status_of(web_db, line_id) == "approved"
    final = second.get(done.headers["location"]).text
    assert badge(final) == "approved" and 'id="review-decision"' not in final
    assert texts(final, r'<table id="decision-history">.*?</table>')
    with web_db.session() as session:
        actors = session.scalars(
            sa.select(ReviewDecision.actor)
            .where(ReviewDecision.adjudication_id == line_id)
            .order_by(ReviewDecision.id)
        ).all()
        audited = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "review_approve")
        )
    assert actors == ["reviewer", "reviewer2"] and audited == 2


def test_the_person_who_started_the_run_cannot_approve(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE, actor="reviewer")
    client = sign_in(app, "reviewer")
    answer = client.post(
        f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": csrf(client)}
    )
    assert answer.status_code == 400 and "发起理算的人不能审批" in answer.text


def test_reject_and_send_back_need_a_reason(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE)
    client = sign_in(app, "adjuster")
    token = csrf(client)
    missing = client.post(f"/review/{line_id}/decide", data={"decision": "reject", "csrf_token": token})
    assert missing.status_code == 400 and "拒绝或退回须写明原因" in missing.text
    back = client.post(
        f"/review/{line_id}/decide",
        data={"decision": "send_back", "reason": "缺少出院小结", "csrf_token": token},
        headers={"HX-Request": "true", "Idempotency-Key": "send-back-1"},
    )
    assert back.status_code == 200 and badge(back.text) == "returned"
    assert back.headers["hx-push-url"] == f"/review/{line_id}?decided=returned"


def test_deciding_without_the_csrf_token_is_forbidden(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE)
    client = sign_in(app, "reviewer")
    answer = client.post(f"/review/{line_id}/decide", data={"decision": "approve"})
    assert answer.status_code == 403
    wrong = client.post(f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert status_of(web_db, line_id) == "review"


def test_reading_roles_see_no_decision_form_and_cannot_decide(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE)
    auditor = sign_in(app, "auditor")
    page = auditor.get(f"/review/{line_id}").text
    assert 'id="review-decision"' not in page and "无权审核" in page
    answer = auditor.post(
        f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": csrf(auditor)}
    )
    assert answer.status_code == 403
    assert sign_in(app, "clerk").get("/review").status_code == 403


def person_of(web_db, line_id: int) -> int:  # type: ignore[no-untyped-def]
    with web_db.session() as session:
        return session.scalar(sa.select(Adjudication.person_id).where(Adjudication.id == line_id))


def test_flag_an_approved_line_from_the_person_page_then_four_eyes(app, web_db):
    line_id = add_line(web_db, amount_fen=ABOVE, status="approved")
    person = f"/persons/{person_of(web_db, line_id)}"
    link = f'<a class="flag-link" href="/review/{line_id}#flag-form">'
    risk = sign_in(app, "risk_officer")
    assert link in risk.get(person).text
    assert link not in sign_in(app, "clerk").get(person).text  # may read persons, not flag lines

    page = risk.get(f"/review/{line_id}").text
    assert badge(page) == "approved" and 'id="flag-form"' in page and 'id="review-decision"' not in page
    assert 'id="flag-form"' not in sign_in(app, "auditor").get(f"/review/{line_id}").text

    token = csrf(risk, "/review")
    missing = risk.post(f"/review/{line_id}/flag", data={"reason": " ", "csrf_token": token})
    assert missing.status_code == 400 and "标记复核须写明原因" in missing.text
    assert status_of(web_db, line_id) == "approved"
    done = risk.post(
        f"/review/{line_id}/flag",
        data={"reason": "同一住院重复结算？", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/review/{line_id}?flagged=1"
    flagged = risk.get(done.headers["location"]).text
    assert "已标记复核" in flagged and badge(flagged) == "review" and "人工标记" in flagged
    assert "标记复核" in texts(flagged, r'<table id="decision-history">(.*?)</table>')[0]
    assert status_of(web_db, line_id) == "review"
    assert link not in risk.get(person).text

    reviewer = sign_in(app, "reviewer")
    queue = reviewer.get("/review?reason=flagged").text
    assert texts(queue, r'<tr data-line-id="(\d+)">') == [str(line_id)]
    assert '<option value="flagged" selected>' in queue
    token = csrf(reviewer, "/review")
    first = reviewer.post(f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": token})
    assert first.status_code == 200 and badge(first.text) == "second"  # above the amount: four eyes
    second = sign_in(app, "reviewer2")
    second.post(f"/review/{line_id}/decide", data={"decision": "approve", "csrf_token": csrf(second)})
    assert status_of(web_db, line_id) == "approved"
    with web_db.session() as session:
        decisions = session.execute(
            sa.select(ReviewDecision.actor, ReviewDecision.decision)
            .where(ReviewDecision.adjudication_id == line_id)
            .order_by(ReviewDecision.id)
        ).all()
        audited = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "review_flag")
        )
    assert [tuple(d) for d in decisions] == [
        ("risk_officer", "flag"),
        ("reviewer", "approve"),
        ("reviewer2", "approve"),
    ]
    assert audited == 1


def test_a_paid_line_cannot_be_flagged_through_the_pages(app, web_db):
    with web_db.session() as session:
        line_id = session.scalar(sa.select(Payment.adjudication_id).order_by(Payment.id).limit(1))
    client = sign_in(app, "adjuster")
    assert 'id="flag-form"' not in client.get(f"/review/{line_id}").text
    english = sign_in(app, "adjuster", lang="en")
    refused = english.post(f"/review/{line_id}/flag", data={"reason": "check", "csrf_token": csrf(english)})
    assert refused.status_code == 409 and "has been paid and cannot be flagged" in refused.text
    assert status_of(web_db, line_id) == "approved"
    finance = sign_in(app, "finance")
    token = csrf(finance)
    assert (
        finance.post(f"/review/{line_id}/flag", data={"reason": "x", "csrf_token": token}).status_code == 403
    )


def test_claim_lines_in_the_queue_and_decided_with_four_eyes(app, web_db, tmp_path):
    from anxin.services.payments import pay
    from anxin.store.schema import ClaimResult, ClaimReviewDecision
    from tests.integration.group_claims_support import GA
    from tests.web.claim_lines import DEATH, MEDICAL, claim_lines_in_review

    lines = claim_lines_in_review(web_db, tmp_path)
    death, medical = lines[DEATH], lines[MEDICAL]
    first = sign_in(app, "reviewer")
    queue = first.get("/review").text
    assert f'<a class="review-link" href="/review/claims/{death}">' in queue
    assert '<span class="badge source claim">团体理赔</span>' in queue and DEATH in queue
    assert "意外身故保险金" in queue and "10,000.00" in queue
    only_claims = first.get("/review?source=claim").text
    assert sorted(texts(only_claims, r'<tr data-line-id="(\d+)">')) == sorted([str(death), str(medical)])
    assert 'class="badge source settlement"' not in only_claims
    assert 'class="badge source claim"' not in first.get("/review?source=settlement").text

    page = first.get(f"/review/claims/{death}").text
    assert 'id="claim-facts"' in page and "2024-01-10" in page and 'id="claim-documents"' in page
    assert f"理赔 {DEATH}" in page and "意外身故保险金额" in page  # the explanation, line by line
    assert "双人复核线" in page and badge(page) == "review"
    assert f'action="/review/claims/{death}/decide"' in page
    english = sign_in(app, "auditor", lang="en").get(f"/review/claims/{death}").text
    assert f"Claim {DEATH}" in english and 'id="review-decision"' not in english

    token = csrf(first, "/review")
    answer = first.post(f"/review/claims/{death}/decide", data={"decision": "approve", "csrf_token": token})
    assert answer.status_code == 200 and badge(answer.text) == "second"
    again = first.post(f"/review/claims/{death}/decide", data={"decision": "approve", "csrf_token": token})
    assert again.status_code == 400 and "四眼原则：超额赔付须由另一人复核通过" in again.text
    second = sign_in(app, "reviewer2")
    done = second.post(
        f"/review/claims/{death}/decide", data={"decision": "approve", "csrf_token": csrf(second, "/review")}
    )
    assert done.status_code == 200 and badge(done.text) == "approved"
    blank = first.post(f"/review/claims/{medical}/decide", data={"decision": "reject", "csrf_token": token})
    assert blank.status_code == 400 and "拒绝或退回须写明原因" in blank.text
    no_csrf = first.post(f"/review/claims/{medical}/decide", data={"decision": "approve"})
    assert no_csrf.status_code == 403
    assert pay(web_db, GA, actor="finance").payouts_fen == 1_000_000
    paid = second.post(
        f"/review/claims/{death}/decide",
        data={"decision": "reject", "reason": "x", "csrf_token": csrf(second, "/review")},
    )
    assert paid.status_code == 409 and "该理赔结果行已支付" in paid.text
    with web_db.session() as session:
        statuses = dict(session.execute(sa.select(ClaimResult.id, ClaimResult.status)).all())
        decided = session.scalar(sa.select(sa.func.count()).select_from(ClaimReviewDecision))
    assert (statuses[death], statuses[medical], decided) == ("approved", "review", 2)
