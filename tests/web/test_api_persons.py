"""Persons over the API: search by full or masked ID number, name or region; detail with the ID
masked; the full number shown only to permitted roles, audited, and never stored."""

from __future__ import annotations

import json

import sqlalchemy as sa

from anxin.store.schema import AuditEntry, IdempotentRequest
from tests.web.api_support import V1


def reveal(client, person_id: int, purpose: str = "核对身份 checking identity"):  # type: ignore[no-untyped-def]
    return client.post(f"{V1}/persons/{person_id}/reveal-id", json={"purpose": purpose})


def test_search_by_full_and_masked_id_number_name_and_region(api) -> None:  # type: ignore[no-untyped-def]
    clerk = api("clerk")
    by_name = clerk.post(f"{V1}/persons/search", json={"name": "王"}, params={"limit": 3})
    assert by_name.status_code == 200
    page = by_name.json()
    assert page["limit"] == 3 and page["offset"] == 0 and page["total"] > 3 and len(page["items"]) == 3
    person = page["items"][0]
    assert person["name"].startswith("王") and person["id_masked"].count("*") == 10

    number = reveal(api("risk_officer"), person["id"]).json()["id_number"]
    assert len(number) == 18 and number[:4] == person["id_masked"][:4]
    full = clerk.post(f"{V1}/persons/search", json={"id_number": number.lower()}).json()
    assert [p["id"] for p in full["items"]] == [person["id"]]
    masked = clerk.post(f"{V1}/persons/search", json={"id_number": person["id_masked"]}).json()
    assert person["id"] in [p["id"] for p in masked["items"]]
    region = clerk.post(
        f"{V1}/persons/search", json={"region": person["region_code"][:4], "name": person["name"]}
    ).json()
    assert person["id"] in [p["id"] for p in region["items"]]
    assert all(p["region_code"].startswith(person["region_code"][:4]) for p in region["items"])
    second = clerk.post(f"{V1}/persons/search", json={"name": "王"}, params={"limit": 3, "offset": 3}).json()
    assert not {p["id"] for p in second["items"]} & {p["id"] for p in page["items"]}


def test_search_errors_never_echo_the_number(api) -> None:  # type: ignore[no-untyped-def]
    clerk = api("clerk")
    empty = clerk.post(f"{V1}/persons/search", json={})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty_search"
    wrong = "370102199001011235"  # check character wrong
    invalid = clerk.post(f"{V1}/persons/search", json={"id_number": wrong})
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "invalid_resident_id"
    assert wrong not in invalid.text
    unknown_field = clerk.post(f"{V1}/persons/search", json={"certno": wrong})
    assert unknown_field.status_code == 422 and wrong not in unknown_field.text
    assert api("finance").post(f"{V1}/persons/search", json={"name": "王"}).status_code == 403
    assert api(None).post(f"{V1}/persons/search", json={"name": "王"}).status_code == 401


def test_detail_and_enrolments(api) -> None:  # type: ignore[no-untyped-def]
    clerk = api("clerk")
    detail = clerk.get(f"{V1}/persons/1")
    assert detail.status_code == 200
    person = detail.json()
    assert person["id"] == 1 and person["id_masked"].count("*") == 10
    assert "****" in person["phone_masked"]
    assert "taian-ci" in {e["program_code"] for e in person["enrolments"]}
    settlement = person["settlements"][0]
    assert "taian-ci" in {d["program_code"] for d in settlement["due"]}
    assert settlement["base_yuan"] == f"{settlement['base_fen'] // 100}.{settlement['base_fen'] % 100:02d}"
    enrolments = clerk.get(f"{V1}/persons/1/enrolments").json()
    assert enrolments["total"] == len(person["enrolments"]) and enrolments["items"] == person["enrolments"]
    missing = clerk.get(f"{V1}/persons/99999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert clerk.get(f"{V1}/persons/0").status_code == 422


def test_reveal_is_permitted_audited_and_never_stored(api, web_db) -> None:  # type: ignore[no-untyped-def]
    refused = reveal(api("clerk"), 1)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    no_purpose = reveal(api("adjuster"), 1, " ")
    assert no_purpose.status_code == 400 and no_purpose.json()["error"]["code"] == "purpose_required"
    shown = reveal(api("adjuster"), 1)
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    number = shown.json()["id_number"]

    entries = api("auditor").get(f"{V1}/audit", params={"action": "id_number_viewed"}).json()
    assert entries["total"] == 1
    entry = entries["items"][0]
    assert (entry["actor"], entry["entity"], entry["entity_id"]) == ("adjuster", "person", "1")
    assert entry["detail"]["after"] == {"purpose": "核对身份 checking identity"}
    with web_db.session() as session:
        details = session.scalars(sa.select(AuditEntry.detail)).all()
        answers = session.scalars(sa.select(IdempotentRequest.response_body)).all()
    assert not any(number in text for text in details)
    assert not any(number in text for text in answers)
    assert number not in json.dumps(entries)
