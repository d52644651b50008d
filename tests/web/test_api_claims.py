"""Group-cover claims over the API: enter one (idempotent by key and by claim number), read it with
its result lines and missing documents, and a program's documents checklist."""

from __future__ import annotations

import pytest

from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.imports import import_persons
from anxin.store.audit import SENSITIVE
from anxin.store.program_files import shipped_programs
from tests.integration.group_claims_support import GA, OLD, YEAR, elderly_roster
from tests.web.api_support import V1, key

MEDICAL = [
    "claim_form",
    "id_proof",
    "accident_report",
    "medical_invoices",
    "settlement_statement",
    "bank_account",
]


@pytest.fixture
def enrolled(web_db, tmp_path):  # type: ignore[no-untyped-def]
    """Three elderly residents enrolled in the Qingdao cover (Q1, Q2, Q3), by a roster import."""
    import_persons(web_db, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    return web_db


def claim(claim_no: str = "API-1", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "program_code": GA,
        "claim_no": claim_no,
        "claim_type": "accident_medical",
        "psn_no": "Q1",
        "due_on": "2024-01-10",
        "accident_on": "2024-01-05",
        "expense": "1100.00",
        "documents": ["id_proof", "medical_invoices"],
    }
    return body | changes


def test_a_claim_is_entered_read_and_explained_after_the_run(api, enrolled) -> None:  # type: ignore[no-untyped-def]
    clerk = api("clerk")
    first = clerk.post(f"{V1}/claims", json=claim(), headers=key())
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "created"
    assert [d["code"] for d in body["documents_missing"]] == [
        "claim_form", "accident_report", "settlement_statement", "bank_account"
    ]  # fmt: skip
    assert body["documents_missing"][1]["name_zh"] == "意外事故证明"

    # The same claim under a new key: nothing changes (200); the same key again: the first answer.
    again = clerk.post(f"{V1}/claims", json=claim(), headers=key())
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    conflict = clerk.post(f"{V1}/claims", json=claim(expense="1200.00"), headers=key())
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "claim_conflict"

    shown = api("reviewer").get(f"{V1}/claims/API-1").json()
    assert (shown["channel"], shown["entered_by"], shown["expense_yuan"]) == ("api", "clerk", "1100.00")
    assert shown["id_masked"] == "3702**********013X" and shown["results"] == []
    assert [d["code"] for d in shown["documents_received"]] == ["id_proof", "medical_invoices"]

    adjudicate_claims(enrolled, shipped_programs()[GA], actor="adjuster")
    (line,) = api("auditor").get(f"{V1}/claims/API-1").json()["results"]
    assert (line["status"], line["reason"], line["amount_yuan"]) == ("review", "documents_missing", "1000.00")
    assert line["reason_zh"] == "理赔材料不全，待审核"
    assert "意外事故证明" in line["explanation_zh"][-1] and "accident report" in line["explanation_en"][-1]


def test_the_key_replays_and_an_id_number_is_never_returned(api, enrolled) -> None:  # type: ignore[no-untyped-def]
    adjuster = api("adjuster")
    headers = key()
    body = claim("API-2", psn_no="", certno=OLD[1], documents=MEDICAL)
    first = adjuster.post(f"{V1}/claims", json=body, headers=headers)
    replay = adjuster.post(f"{V1}/claims", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["documents_missing"] == []
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    shown = adjuster.get(f"{V1}/claims/API-2").text
    assert OLD[1] not in shown and OLD[1] not in first.text
    assert "certno" in SENSITIVE


def test_bad_fields_are_named_in_both_languages(api, enrolled) -> None:  # type: ignore[no-untyped-def]
    clerk = api("clerk")
    bad = clerk.post(
        f"{V1}/claims", json=claim(accident_on="", expense="abc", documents=["passport"]), headers=key()
    )
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_claim"
    assert {p["column"] for p in error["problems"]} == {"accident_on", "expense", "documents"}
    assert "事故日期" in error["message"] and "accident_on" in error["message_en"]
    nobody = clerk.post(f"{V1}/claims", json=claim(psn_no="", certno=OLD[0][:-1] + "0"), headers=key())
    assert nobody.status_code == 422 and OLD[0][:-1] + "0" not in nobody.text
    wrong = clerk.post(f"{V1}/claims", json=claim(program_code="taian-ci"), headers=key())
    assert wrong.status_code == 404
    assert clerk.get(f"{V1}/claims/API-1").status_code == 404
    assert clerk.post(f"{V1}/claims", json=claim()).status_code == 428


def test_entering_needs_the_permission(api, enrolled) -> None:  # type: ignore[no-untyped-def]
    refused = api("reviewer").post(f"{V1}/claims", json=claim(), headers=key())
    assert refused.status_code == 403
    assert api(None).get(f"{V1}/claims/API-1").status_code == 401


def test_the_documents_checklist_per_claim_type(api) -> None:  # type: ignore[no-untyped-def]
    reader = api("finance")
    answer = reader.get(f"{V1}/programs/{GA}/claim-documents")
    assert answer.status_code == 200
    body = answer.json()
    assert body["confirmed"] is False and body["note"]
    by_type = {t["claim_type"]: t for t in body["claim_types"]}
    assert set(by_type) == {"death", "disability", "accident_medical", "hospital_allowance"}
    assert [d["name_zh"] for d in by_type["death"]["documents"]][:3] == ["理赔申请书", "身份证明", "死亡证明"]
    women = reader.get(f"{V1}/programs/heilongjiang-union-women-sd/claim-documents").json()
    assert [t["claim_type"] for t in women["claim_types"]] == ["specified_disease"]
    assert "pathology_report" in [d["code"] for d in women["claim_types"][0]["documents"]]
    assert reader.get(f"{V1}/programs/taian-ci/claim-documents").status_code == 404
