"""Settlements over the API, and explanations whose steps add up to the payout."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from anxin.store.schema import Adjudication, Settlement
from tests.web.api_support import V1
from tests.web.conftest import PROGRAM


def largest(web_db, count: int = 5) -> list[str]:  # type: ignore[no-untyped-def]
    with web_db.session() as session:
        return list(
            session.scalars(
                sa.select(Settlement.setl_id)
                .join(Adjudication, Adjudication.settlement_id == Settlement.id)
                .order_by(Adjudication.due_fen.desc())
                .limit(count)
            )
        )


def test_settlement_detail_sums_its_lines(api, web_db) -> None:  # type: ignore[no-untyped-def]
    setl_id = largest(web_db, 1)[0]
    answer = api("clerk").get(f"{V1}/settlements/{setl_id}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["setl_id"] == setl_id and body["id_masked"].count("*") == 10
    ci = [line for line in body["lines"] if line["program_code"] == PROGRAM]
    due = {d["program_code"]: d for d in body["due"]}  # the supplementary program may have a line too
    assert due[PROGRAM] == {
        "program_code": PROGRAM,
        "due_fen": sum(line["amount_fen"] for line in ci),
        "due_yuan": due[PROGRAM]["due_yuan"],
    }
    assert ci[0]["kind"] == "payout" and ci[0]["status"] == "approved"


def test_explanation_steps_add_up_to_the_payout(api, web_db) -> None:  # type: ignore[no-untyped-def]
    client = api("reviewer")
    for setl_id in largest(web_db):
        answer = client.get(f"{V1}/settlements/{setl_id}/explanation", params={"program": PROGRAM})
        assert answer.status_code == 200, answer.text
        e = answer.json()
        assert e["payout_fen"] > 0
        total = sum(Decimal(band["contribution_yuan"]) for band in e["bands"])
        assert (
            total + Decimal(e["rounding_yuan"]) - Decimal(e["cap_cut_fen"]) / 100
            == Decimal(e["payout_fen"]) / 100
        )
        assert sum(band["amount_fen"] for band in e["bands"]) + e["deductible_applied_fen"] == e["base_fen"]
        assert e["lines"][0].startswith(f"结算 {setl_id}")
        assert any(
            line.startswith("本次大病保险赔付") and e["payout_yuan"] in line.replace(",", "")
            for line in e["lines"]
        )
    english = client.get(f"{V1}/settlements/{setl_id}/explanation", params={"lang": "en", "program": PROGRAM})
    assert english.status_code == 200, english.text
    english = english.json()
    assert english["lang"] == "en" and english["lines"][0].startswith(f"Settlement {setl_id}")
    assert english["payout_fen"] == e["payout_fen"]


def test_settlement_errors(api) -> None:  # type: ignore[no-untyped-def]
    client = api("clerk")
    missing = client.get(f"{V1}/settlements/NO-SUCH-ID")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_settlement"
    program = client.get(f"{V1}/settlements/NO-SUCH-ID/explanation")
    assert program.status_code == 404
    other = client.get(f"{V1}/settlements/37202300000000000001/explanation", params={"program": "weihai-ci"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "invalid_input"
    unknown = client.get(
        f"{V1}/settlements/37202300000000000001/explanation", params={"program": "no-such-program"}
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_program"
    language = client.get(f"{V1}/settlements/37202300000000000001/explanation", params={"lang": "fr"})
    assert language.status_code == 422 and language.json()["error"]["code"] == "invalid_request"
    assert api("finance").get(f"{V1}/settlements/37202300000000000001").status_code == 403
