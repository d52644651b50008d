"""Adjudication runs over the API: started by the caller, listed, counted."""

from __future__ import annotations

from tests.web.api_support import V1, key, psn_numbers, settlement_csv, upload
from tests.web.conftest import PROGRAM, YEAR


def test_a_run_adjudicates_new_settlements_as_the_caller(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (psn,) = psn_numbers(web_db, 1)
    upload(api("clerk"), settlement_csv(tmp_path, [("R1", psn, "30000")]))
    adjuster = api("adjuster")
    started = adjuster.post(f"{V1}/runs", json={"program": PROGRAM, "year": YEAR}, headers=key())
    assert started.status_code == 201, started.text
    summary = started.json()
    assert (summary["mode"], summary["persons"], summary["payout_lines"]) == ("incremental", 1, 1)
    assert summary["amount_fen"] == 960_000 and summary["amount_yuan"] == "9600.00"

    runs = api("manager").get(f"{V1}/runs", params={"program": PROGRAM}).json()
    assert runs["total"] == 2 and runs["items"][0]["id"] == summary["run_id"]
    assert runs["items"][0]["actor"] == "adjuster" and runs["items"][0]["status"] == "completed"
    detail = api("reviewer").get(f"{V1}/runs/{summary['run_id']}").json()
    assert detail["lines"] == [
        {"kind": "payout", "status": "approved", "lines": 1, "amount_fen": 960_000, "amount_yuan": "9600.00"}
    ]
    nothing = adjuster.post(f"{V1}/runs", json={"program": PROGRAM, "mode": "full"}, headers=key()).json()
    assert nothing["lines"] == 0 and nothing["mode"] == "full"
    # A year with no settlements at all (schemathesis found this was a server error).
    empty = adjuster.post(
        f"{V1}/runs", json={"program": PROGRAM, "mode": "full", "year": 1990}, headers=key()
    )
    assert empty.status_code == 201 and empty.json()["lines"] == 0


def test_run_errors(api) -> None:  # type: ignore[no-untyped-def]
    adjuster = api("adjuster")
    unknown = adjuster.post(f"{V1}/runs", json={"program": "no-such-program"}, headers=key())
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_program"
    mode = adjuster.post(f"{V1}/runs", json={"program": PROGRAM, "mode": "sometimes"}, headers=key())
    assert mode.status_code == 422 and mode.json()["error"]["code"] == "invalid_request"
    assert api("reviewer").post(f"{V1}/runs", json={"program": PROGRAM}, headers=key()).status_code == 403
    assert api("clerk").get(f"{V1}/runs").status_code == 403
    missing = adjuster.get(f"{V1}/runs/4242")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_run"
