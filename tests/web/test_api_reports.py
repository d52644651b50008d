"""Programs, the program-year report (JSON and XLSX) and the audit trail over the API."""

from __future__ import annotations

import io

import polars as pl

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
    assert imports["total"] == 2 and {e["actor"] for e in imports["items"]} == {"demo"}
    assert imports["items"][0]["detail"]["after"]["kind"] in ("persons", "settlements")
    assert api("manager").get(f"{V1}/audit").status_code == 403
