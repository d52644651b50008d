"""What every endpoint shares: pagination limits, the error shape and its stable codes, signing in."""

from __future__ import annotations

from tests.web.api_support import V1, key


def test_pagination_is_capped(api) -> None:  # type: ignore[no-untyped-def]
    auditor = api("auditor")
    for params in ({"limit": 201}, {"limit": 0}, {"offset": -1}, {"limit": "many"}):
        answer = auditor.get(f"{V1}/audit", params=params)
        assert answer.status_code == 422, params
        error = answer.json()["error"]
        assert error["code"] == "invalid_request" and error["message"] and error["message_en"]
        assert error["fields"][0]["location"][0] == "query"
    assert auditor.get(f"{V1}/audit", params={"limit": 200}).json()["limit"] == 200
    default = auditor.get(f"{V1}/imports").json()
    assert (default["limit"], default["offset"]) == (50, 0)
    assert set(default) == {"items", "total", "limit", "offset"}


def test_errors_have_one_shape_and_stable_codes(api) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (api(None).get(f"{V1}/runs"), 401, "not_signed_in"),
        (api("clerk").get(f"{V1}/runs"), 403, "forbidden"),
        (api("clerk").get(f"{V1}/no-such-thing"), 404, "not_found"),
        (api("clerk").delete(f"{V1}/programs", headers=key()), 405, "method_not_allowed"),
        (api("adjuster").post(f"{V1}/runs", json={"program": "taian-ci"}), 428, "idempotency_key_required"),
        (api("adjuster").get(f"{V1}/runs/abc"), 422, "invalid_request"),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, (status, answer.text)
        error = answer.json()["error"]
        assert error["code"] == code
        assert error["message"] and error["message_en"] and error["message"] != error["message_en"]


def test_a_bad_token_is_not_signed_in(api) -> None:  # type: ignore[no-untyped-def]
    client = api(None)
    client.headers["Authorization"] = "Bearer anx_not-a-token"
    assert client.get(f"{V1}/me").status_code == 401


def test_the_openapi_document_describes_every_endpoint(api) -> None:  # type: ignore[no-untyped-def]
    document = api(None).get("/api/openapi.json").json()
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 26
    for path, method, op in operations:
        assert op.get("summary"), (path, method)
        assert "200" in op["responses"] or "201" in op["responses"], (path, method)
    page = document["components"]["schemas"]["Page_PersonOut_"]
    assert set(page["required"]) == {"items", "total", "limit", "offset"}
    limit = next(p for p in document["paths"]["/api/v1/audit"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200 and limit["schema"]["default"] == 50
