"""Programs, the program-year report (JSON and XLSX) and the audit trail over the API."""

from __future__ import annotations

import io

import polars as pl

from anxin.domain.money import format_yuan
from anxin.services.claims_reports import claims_year_report
from anxin.services.reports import program_year_report, summary_zh
from tests.web.api_support import V1
from tests.web.conftest import PROGRAM, YEAR


def test_programs_with_versions_sources_and_hashes(api) -> None:  # type: ignore[no-untyped-def]
    client = api("finance")
    listed = client.get(f"{V1}/programs").json()
    codes = [p["code"] for p in listed["items"]]
    assert PROGRAM in codes and listed["total"] == len(codes)
    detail = client.get(f"{V1}/programs/{PROGRAM}").json()
    version = detail["version_list"][0]
    assert version["effective_from"] == "2023-01-01" and len(version["parameter_hash"]) == 16
    assert version["parameter_hash"] == detail["latest_parameter_hash"]
    assert version["source"]["title"]
    keys = [p["key"] for p in version["parameters"]]
    assert keys[:2] == ["effective_from", "deductible"] and "cap" in keys
    assert version["deductible_fen"] == 1_400_000 and version["cap_fen"] == 40_000_000
    assert version["parameters_raw"]["deductible"] == "14000.00 元"
    missing = client.get(f"{V1}/programs/no-such-program")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_program"
    assert client.get(f"{V1}/programs/Not_A_Code").status_code == 422


def test_the_report_has_every_figure_and_the_summary(api, web_db) -> None:  # type: ignore[no-untyped-def]
    answer = api("manager").get(f"{V1}/reports/{PROGRAM}/{YEAR}")
    assert answer.status_code == 200
    body = answer.json()
    expected = program_year_report(web_db, PROGRAM, YEAR)
    assert body["summary_zh"] == summary_zh(expected)
    assert (body["insured"], body["claimants"], body["person_times"], body["paid_fen"]) == (
        expected.insured,
        expected.claimants,
        expected.person_times,
        expected.paid_fen,
    )
    assert sum(s["paid_fen"] for s in body["by_city"]) == body["paid_fen"]
    assert sum(s["settlements"] for s in body["by_tier"]) == body["settlements"]
    assert body["paid_yuan"] == f"{body['paid_fen'] // 100}.{body['paid_fen'] % 100:02d}"
    missing = api("manager").get(f"{V1}/reports/no-such-program/{YEAR}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_program"
    assert api("manager").get(f"{V1}/reports/{PROGRAM}/1800").status_code == 422
    assert api("clerk").get(f"{V1}/reports/{PROGRAM}/{YEAR}").status_code == 403


def test_the_report_downloads_as_a_workbook_and_is_audited(api) -> None:  # type: ignore[no-untyped-def]
    answer = api("finance").get(f"{V1}/reports/{PROGRAM}/{YEAR}.xlsx")
    assert answer.status_code == 200
    assert (
        answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f'filename="{PROGRAM}-{YEAR}.xlsx"' in answer.headers["content-disposition"]
    sheets = pl.read_excel(io.BytesIO(answer.content), sheet_id=0)
    assert list(sheets) == ["总览", "地市", "医院等级", "人员类别"]
    exports = api("auditor").get(f"{V1}/audit", params={"action": "export"}).json()
    assert exports["items"][0]["actor"] == "finance"
    assert exports["items"][0]["entity_id"] == f"{PROGRAM}:{YEAR}"


def test_the_audit_trail_is_newest_first_and_filtered(api) -> None:  # type: ignore[no-untyped-def]
    auditor = api("auditor")
    page = auditor.get(f"{V1}/audit", params={"limit": 5}).json()
    ids = [e["id"] for e in page["items"]]
    assert ids == sorted(ids, reverse=True) and page["total"] > 5
    imports = auditor.get(f"{V1}/audit", params={"entity": "import_batches", "action": "import"}).json()
    assert imports["total"] == len(imports["items"]) >= 2 and {e["actor"] for e in imports["items"]} == {
        "demo"
    }
    assert {"persons", "settlements"} <= {e["detail"]["after"]["kind"] for e in imports["items"]}
    assert api("manager").get(f"{V1}/audit").status_code == 403


def test_a_group_program_has_its_claims_year_and_workbook(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.group_claims_support import GA
    from tests.web.claim_lines import DEATH, claim_lines_in_review

    demo = claims_year_report(web_db, GA, 2023)  # the demo province's own claims of the program
    lines = claim_lines_in_review(web_db, tmp_path)
    for name in ("reviewer", "reviewer2"):  # four eyes: the death claim is above 5,000 yuan
        decided = api(name).post(
            f"{V1}/review/claims/{lines[DEATH]}/decisions",
            json={"decision": "approve"},
            headers={"Idempotency-Key": name},
        )
        assert decided.status_code == 201, decided.text
    answer = api("auditor").get(f"{V1}/reports/claims/{GA}/2023")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    added = (body["insured"] - demo.insured, body["claims"] - demo.claims,
             body["paid_claims"] - demo.paid_claims, body["claimants"] - demo.claimants)  # fmt: skip
    assert added == (3, 2, 1, 1)
    assert (body["paid_fen"] - demo.paid_fen, body["review_lines"] - demo.review_lines,
            body["review_fen"] - demo.review_fen) == (1_000_000, 1, 100_000)  # fmt: skip
    assert body["paid_yuan"] == format_yuan(body["paid_fen"], grouping=False)
    before = {s.key: s.paid_fen for s in demo.by_type}
    added_by_type = {s["key"]: s["paid_fen"] - before.get(s["key"], 0) for s in body["by_type"]}
    assert added_by_type["death"] == 1_000_000 and added_by_type["accident_medical"] == 0
    assert sum(added_by_type.values()) == 1_000_000
    assert body["summary_zh"].startswith("2023年度")
    wrong = api("auditor").get(f"{V1}/reports/{GA}/2023")
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_program_kind"
    assert api("auditor").get(f"{V1}/reports/claims/{PROGRAM}/{YEAR}").status_code == 422
    workbook = api("manager").get(f"{V1}/reports/claims/{GA}/2023.xlsx")
    assert (
        workbook.status_code == 200
        and f'filename="{GA}-2023.xlsx"' in workbook.headers["content-disposition"]
    )
    sheets = pl.read_excel(io.BytesIO(workbook.content), sheet_id=0)
    assert list(sheets) == ["总览", "理赔类型", "地市"]
    audit = api("auditor").get(f"{V1}/audit", params={"action": "export"}).json()["items"]
    assert next((e["actor"], e["entity"]) for e in audit) == ("manager", "claims_year_report")
