"""The policy pages: the list (search, status filter), a policy's page (masked IDs only, contract,
history with its cause, quote lines of the chosen day), the request form (a loan through a plain form
and through htmx; a refusal showing both languages and keeping the values), and who may use them."""

from __future__ import annotations

from tests.web.test_api_policies import DAY, LOAN, NEW, SUSPENDED, full_id, requests_of_book, small_book
from tests.web.test_pages_helpers import csrf, sign_in, texts


def test_the_list_searches_and_filters(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    home = clerk.get("/policies", params={"policy_no": "P-"})
    assert home.status_code == 200 and 'href="/policies"' in home.text and 'href="/callbacks"' in home.text
    assert texts(home.text, r'<a class="policy-link" href="[^"]+">([^<]+)</a>') == [LOAN, NEW, SUSPENDED]
    suspended = clerk.get("/policies", params={"status": "suspended", "policy_no": "P-"}).text
    assert texts(suspended, r'<a class="policy-link" href="[^"]+">([^<]+)</a>') == [SUSPENDED]
    assert "效力中止" in suspended
    assert texts(
        clerk.get("/policies", params={"policy_no": "P-NEW"}).text, r'class="policy-link"[^>]*>([^<]+)<'
    ) == [NEW]
    # a manager reads policies but has no callbacks link nor request form
    manager = sign_in(app, "manager")
    page = manager.get(f"/policies/{LOAN}").text
    assert 'href="/callbacks"' not in page and 'id="request-form"' not in page
    assert sign_in(app, "finance").get("/policies").status_code == 403


def test_the_policy_page_shows_masked_ids_history_and_quotes(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    people = small_book(web_db, tmp_path)
    page = sign_in(app, "clerk").get(f"/policies/{LOAN}", params={"day": DAY.isoformat()})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert people["holder"].id_masked in html and people["insured"].id_masked in html
    assert full_id(web_db, people["holder"]) not in html and full_id(web_db, people["insured"]) not in html
    assert "安心终身寿险（示例）" in html and "100,000.00" in html and "AG007" in html
    assert texts(html, r'<tr data-event="imported"><td>([^<]+)</td>') == ["2020-03-01"]
    assert "保单导入" in html
    surrender = texts(html, r'id="quote-surrender">\s*<h3>[^<]*<span class="amount">([^<]+)</span>')
    loan = texts(html, r'id="quote-loan">\s*<h3>[^<]*<span class="amount">([^<]+)</span>')
    assert (surrender, loan) == (["11,000.00"], ["8,800.00"])
    assert "现金价值" in html  # the quote's explanation lines
    english = (
        sign_in(app, "clerk", lang="en").get(f"/policies/{SUSPENDED}", params={"day": DAY.isoformat()}).text
    )
    assert "Reinstatement costs" in english and "not available in this status" in english
    assert sign_in(app, "clerk").get("/policies/NOPE").status_code == 404


def loan_form(client, **fields: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, f"/policies/{LOAN}"), "kind": "loan", "channel": "counter",
            "day": DAY.isoformat(), "amount": "5000.00"}  # fmt: skip
    return data | fields


def test_a_loan_by_the_plain_form_then_by_htmx(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    sent = clerk.post(f"/policies/{LOAN}/requests", data=loan_form(clerk), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location.startswith(f"/policies/{LOAN}?day=2026-01-10&done=")
    page = clerk.get(location).text
    assert 'id="request-result" data-status="done"' in page and "保单借款" in page
    assert texts(page, r'id="request-result".*?<strong class="amount">([^<]+)</strong>') == ["5,000.00"]
    assert texts(page, r'<tr data-event="loan_taken"><td>([^<]+)</td>') == ["2026-01-10"]
    assert "保单质押贷款" in page and "无保单贷款" not in page
    # htmx with the page's key: the page itself, once however often it is sent
    headers = {"HX-Request": "true", "Idempotency-Key": "form-key-1"}
    first = clerk.post(f"/policies/{LOAN}/requests", data=loan_form(clerk, amount="100.00"), headers=headers)
    again = clerk.post(f"/policies/{LOAN}/requests", data=loan_form(clerk, amount="100.00"), headers=headers)
    assert first.status_code == again.status_code == 200 and "HX-Push-Url" in first.headers
    assert 'id="request-result" data-status="done"' in first.text
    assert requests_of_book(web_db) == ["done", "done"]


def test_a_refusal_shows_both_languages_and_keeps_the_values(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    refused = clerk.post(
        f"/policies/{LOAN}/requests", data=loan_form(clerk, amount="9000.00", channel="phone")
    )
    assert refused.status_code == 422
    html = refused.text
    assert "超出可贷金额" in html and "is above the 8,800.00 available" in html
    assert 'name="amount" value="9000.00"' in html and '<option value="phone" selected>' in html
    assert '<option value="loan" selected>' in html
    assert requests_of_book(web_db) == ["refused"]
    # a contact change without phone or address; a beneficiary line that cannot be read
    contact = clerk.post(
        f"/policies/{LOAN}/requests", data=loan_form(clerk, kind="contact_change", amount="")
    )
    assert contact.status_code == 422 and 'id="request-error"' in contact.text
    lines = loan_form(clerk, kind="beneficiary_change", beneficiaries="张三, 1", insured_consent="1")
    unreadable = clerk.post(f"/policies/{LOAN}/requests", data=lines)
    assert (
        unreadable.status_code == 422
        and "受益人第 1 行" in unreadable.text
        and "张三, 1</textarea>" in unreadable.text
    )


def test_a_beneficiary_change_by_the_form(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    clerk = sign_in(app, "clerk")
    lines = "张三, , 1, 60%\n李四, , 1, 40%"
    data = loan_form(clerk, kind="beneficiary_change", beneficiaries=lines, insured_consent="1", amount="")
    sent = clerk.post(f"/policies/{LOAN}/requests", data=data)
    assert sent.status_code == 200, sent.text  # followed the redirect
    rows = texts(sent.text, r'<tr class="beneficiary">(.*?)</tr>')
    assert rows == [
        '<td>1</td><td>张三</td><td>—</td><td>—</td><td class="num">60.00%</td>',
        '<td>1</td><td>李四</td><td>—</td><td>—</td><td class="num">40.00%</td>',
    ]
    assert 'id="request-result" data-status="done"' in sent.text and "受益人变更" in sent.text


def test_only_staff_with_the_permission_may_submit(app, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_book(web_db, tmp_path)
    auditor = sign_in(app, "auditor")
    token = csrf(auditor, f"/policies/{LOAN}")
    data = {
        "csrf_token": token,
        "kind": "loan",
        "channel": "counter",
        "day": DAY.isoformat(),
        "amount": "100.00",
    }
    assert auditor.post(f"/policies/{LOAN}/requests", data=data).status_code == 403
    assert requests_of_book(web_db) == []
