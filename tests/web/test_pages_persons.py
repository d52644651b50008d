"""Persons: search by POST (masked ID, full ID, name), the person's page with settlements and their
explanations, and the full-ID view — only for roles allowed it, audited, shown once."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from anxin.domain.identity import mask
from anxin.domain.money import format_yuan
from anxin.store.schema import Adjudication, AuditEntry, Person, Settlement
from tests.web.conftest import PROGRAM
from tests.web.test_pages_helpers import csrf, sign_in, texts


@pytest.fixture
def claimant(web_db):  # type: ignore[no-untyped-def]
    """The person, settlement and amount of an approved payout in the demo province."""
    with web_db.session() as session:
        row = session.execute(
            sa.select(Person.id, Person.id_masked, Person.name, Settlement.setl_id, Adjudication.due_fen)
            .join(Adjudication, Adjudication.person_id == Person.id)
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(Adjudication.status == "approved", Adjudication.amount_fen > 100_000)
            .order_by(Adjudication.id)
            .limit(1)
        ).one()
    return row


def test_search_form_posts_so_no_id_or_name_reaches_a_url(app):
    html = sign_in(app, "clerk").get("/persons").text
    assert re.search(r'<form id="person-search" method="post" action="/persons"', html)
    for field in ("id_number", "name", "region"):
        assert f'name="{field}"' in html


def test_search_by_masked_id_and_by_name_finds_the_person(app, claimant):
    client = sign_in(app, "clerk")
    token = csrf(client, "/persons")
    for form in ({"id_number": claimant.id_masked}, {"name": claimant.name}):
        answer = client.post("/persons", data={**form, "csrf_token": token})
        assert answer.status_code == 200
        assert 'id="person-results"' in answer.text
        assert f'<a class="person-link" href="/persons/{claimant.id}">{claimant.id_masked}</a>' in answer.text
        assert answer.headers["cache-control"] == "no-store"


def test_search_by_full_id_uses_the_lookup_hash(app, web_db, claimant):
    with web_db.session() as session:
        cipher = session.scalar(sa.select(Person.id_cipher).where(Person.id == claimant.id))
    number = web_db.protector.decrypt(cipher)
    client = sign_in(app, "clerk")
    answer = client.post("/persons", data={"id_number": number, "csrf_token": csrf(client, "/persons")})
    assert f'href="/persons/{claimant.id}"' in answer.text
    assert number not in answer.text.replace(f'value="{number}"', "")  # only echoed in its own field


def test_empty_search_and_missing_csrf_are_refused(app):
    client = sign_in(app, "clerk")
    empty = client.post("/persons", data={"csrf_token": csrf(client, "/persons")})
    assert empty.status_code == 400 and "请至少输入证件号、姓名或地区之一" in empty.text
    assert client.post("/persons", data={"name": "张"}).status_code == 403


def test_person_page_lists_settlements_whose_explanation_shows_the_payout(app, web_db, claimant):
    client = sign_in(app, "adjuster")
    html = client.get(f"/persons/{claimant.id}").text
    assert 'id="settlements"' in html and claimant.id_masked in html
    link = f"/settlements/{claimant.setl_id}/explanation?program={PROGRAM}"
    assert f'class="explain-link" href="{link}"' in html
    with web_db.session() as session:
        cipher = session.scalar(sa.select(Person.id_cipher).where(Person.id == claimant.id))
    assert web_db.protector.decrypt(cipher) not in html  # the full number is never on the page

    page = client.get(link)
    assert page.status_code == 200 and 'id="explanation"' in page.text
    lines = texts(page.text, r"<li>(.*?)</li>")
    assert any(format_yuan(claimant.due_fen) in line and "本次大病保险赔付" in line for line in lines)

    fragment = client.get(link, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and format_yuan(claimant.due_fen) in fragment.text

    english = sign_in(app, "adjuster", lang="en").get(link).text
    assert f"<li>Payout: {format_yuan(claimant.due_fen)} yuan</li>" in english


def test_explanation_of_an_unknown_program_is_not_found(app, claimant):
    client = sign_in(app, "clerk")
    assert client.get(f"/settlements/{claimant.setl_id}/explanation?program=../../etc").status_code == 404


def test_full_id_is_shown_once_to_a_permitted_role_and_audited(app, web_db, claimant):
    client = sign_in(app, "adjuster")
    page = client.get(f"/persons/{claimant.id}").text
    assert 'id="reveal-form"' in page
    token = csrf(client, f"/persons/{claimant.id}")
    refused = client.post(f"/persons/{claimant.id}/reveal", data={"purpose": " ", "csrf_token": token})
    assert refused.status_code == 400 and "revealed-id" not in refused.text

    answer = client.post(
        f"/persons/{claimant.id}/reveal", data={"purpose": "核对理赔申请材料", "csrf_token": token}
    )
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    shown = texts(answer.text, r'id="revealed-id"[^>]*>(.*?)</p>')
    assert len(shown) == 1 and mask(shown[0]) == claimant.id_masked
    with web_db.session() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "id_number_viewed")).one()
    assert (entry.actor, entry.entity_id) == ("adjuster", str(claimant.id))
    assert json.loads(entry.detail)["after"]["purpose"] == "核对理赔申请材料"
    assert shown[0] not in entry.detail
    assert shown[0] not in client.get(f"/persons/{claimant.id}").text  # once
    keyed = client.post(
        f"/persons/{claimant.id}/reveal",
        data={"purpose": "核对", "csrf_token": token},
        headers={"Idempotency-Key": "reveal-1"},
    )
    assert keyed.status_code == 400 and shown[0] not in keyed.text  # never stored for replay


def test_full_id_is_refused_to_roles_without_the_permission(app, web_db, claimant):
    client = sign_in(app, "clerk")
    assert 'id="reveal-form"' not in client.get(f"/persons/{claimant.id}").text
    token = csrf(client, "/persons")
    answer = client.post(f"/persons/{claimant.id}/reveal", data={"purpose": "好奇", "csrf_token": token})
    assert answer.status_code == 403
    with web_db.session() as session:
        viewed = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "id_number_viewed")
        )
    assert viewed == 0
    assert sign_in(app, "finance").get(f"/persons/{claimant.id}").status_code == 403
