"""Uploads over the API: a rejected file is an outcome with its problems listed and downloadable."""

from __future__ import annotations

import io

import polars as pl

from tests.web.api_support import V1, key, psn_numbers, settlement_csv, upload
from tests.web.conftest import PROGRAM, YEAR


def test_a_file_with_a_bad_row_is_rejected_with_its_problems(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good, other = psn_numbers(web_db, 2)
    path = settlement_csv(tmp_path, [("B1", good, "1000"), ("B2", other, "12.345"), ("B3", other, "abc")])
    clerk = api("clerk")
    outcome = upload(clerk, path)
    assert outcome["status"] == "rejected" and outcome["import_id"] and outcome["problems"] == 2
    assert outcome["inserted"] == 0
    assert outcome["note_zh"] and outcome["note_en"]

    shown = clerk.get(f"{V1}/imports/{outcome['import_id']}").json()
    assert (
        shown["status"] == "rejected"
        and shown["actor"] == "clerk"
        and shown["file_name"] == "settlements.csv"
    )
    problems = clerk.get(f"{V1}/imports/{outcome['import_id']}/problems").json()
    assert problems["total"] == 2
    assert [(p["row"], p["column"]) for p in problems["items"]] == [
        (3, "eligible_owed"),
        (4, "eligible_owed"),
    ]
    assert all(p["reason_zh"] and p["reason_en"] for p in problems["items"])

    workbook = clerk.get(f"{V1}/imports/{outcome['import_id']}/problems.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in workbook.headers["content-disposition"]
    frame = pl.read_excel(io.BytesIO(workbook.content))
    assert frame.columns == ["行号", "列", "值", "原因", "reason"] and frame["行号"].to_list() == [3, 4]
    text = clerk.get(f"{V1}/imports/{outcome['import_id']}/problems.csv")
    assert text.status_code == 200 and text.content.startswith(b"\xef\xbb\xbf")
    assert text.content.decode("utf-8-sig").splitlines()[0] == "行号,列,值,原因,reason"

    listed = api("auditor").get(f"{V1}/imports", params={"status": "rejected"}).json()
    assert [i["id"] for i in listed["items"]] == [outcome["import_id"]]


def test_a_good_file_is_imported_once(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (psn,) = psn_numbers(web_db, 1)
    path = settlement_csv(tmp_path, [("G1", psn, "1000")])
    clerk = api("clerk")
    with path.open("rb") as handle:
        first = clerk.post(
            f"{V1}/imports",
            files={"file": ("../../etc/370102199001011234 上传.csv", handle, "text/csv")},
            data={"kind": "settlements"},
            headers=key(),
        )
    assert first.status_code == 201, first.text
    outcome = first.json()
    assert outcome["status"] == "completed" and outcome["inserted"] == 1
    assert outcome["file_name"] == "3701xxxxxxxxxx1234_上传.csv"
    saved = list((web_db.settings.data_dir / "uploads").rglob("*.csv"))
    assert [p.name for p in saved] == [outcome["file_name"]]
    again = upload(clerk, path)
    assert again["status"] == "already_imported" and again["import_id"] == outcome["import_id"]


def test_upload_errors(api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clerk = api("clerk")
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with path.open("rb") as handle:
        wrong = clerk.post(
            f"{V1}/imports",
            files={"file": ("notes.txt", handle)},
            data={"kind": "settlements"},
            headers=key(),
        )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "unsupported_file"
    csv = tmp_path / "persons.csv"
    csv.write_text("certno,name\n")
    with csv.open("rb") as handle:
        no_year = clerk.post(
            f"{V1}/imports", files={"file": ("persons.csv", handle)}, data={"kind": "persons"}, headers=key()
        )
    assert no_year.status_code == 422 and no_year.json()["error"]["code"] == "program_and_year_required"
    with csv.open("rb") as handle:
        empty = clerk.post(
            f"{V1}/imports",
            files={"file": ("persons.csv", handle)},
            data={"kind": "persons", "program": PROGRAM, "year": str(YEAR)},
            headers=key(),
        )
    assert empty.status_code == 201 and empty.json()["status"] == "completed" and empty.json()["rows"] == 0
    assert api("reviewer").get(f"{V1}/imports").status_code == 403
    assert api("auditor").post(f"{V1}/imports", headers=key()).status_code == 403
    missing = clerk.get(f"{V1}/imports/424242/problems.xlsx")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_import"


def test_a_claims_file_needs_its_group_program_and_is_imported_once(api, web_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.group_claims_support import GA, ga_claims
    from tests.web.claim_lines import CLAIMS, claims_file, enrol_roster

    enrol_roster(web_db, tmp_path)
    clerk = api("clerk")
    path = claims_file(tmp_path)
    with path.open("rb") as handle:
        missing = clerk.post(
            f"{V1}/imports",
            files={"file": (path.name, handle, "text/csv")},
            data={"kind": "claims"},
            headers=key(),
        )
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "program_required"
    with path.open("rb") as handle:
        wrong = clerk.post(
            f"{V1}/imports",
            files={"file": (path.name, handle, "text/csv")},
            data={"kind": "claims", "program": PROGRAM},
            headers=key(),
        )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_program_kind"

    done = upload(clerk, path, kind="claims", program=GA)
    assert (done["status"], done["kind"], done["rows"], done["inserted"]) == ("completed", "claims", 2, 2)
    again = upload(clerk, path, kind="claims", program=GA)
    assert again["status"] == "already_imported" and again["inserted"] == 0
    listed = api("auditor").get(f"{V1}/imports", params={"kind": "claims"}).json()
    # newest first; the demo province's own claims imports follow
    assert listed["items"][0]["id"] == done["import_id"]
    assert {i["kind"] for i in listed["items"]} == {"claims"}

    # A claim of a person not on the roster: rejected, its problem listed and downloadable.
    bad = ga_claims(
        tmp_path,
        [*CLAIMS, ("GA-X", "NOBODY", "意外医疗", "2024-01-10", "2024-01-05", None, None, None, "10.00")],
        name="bad.csv",
    )
    rejected = upload(clerk, bad, kind="claims", program=GA)
    assert rejected["status"] == "rejected" and rejected["problems"] >= 1
    problems = clerk.get(f"{V1}/imports/{rejected['import_id']}/problems").json()
    assert problems["items"][0]["row"] == 4 and problems["items"][0]["reason_en"]
    workbook = clerk.get(f"{V1}/imports/{rejected['import_id']}/problems.xlsx")
    assert workbook.status_code == 200 and workbook.headers["content-type"].startswith(
        "application/vnd.openxml"
    )
    frame = pl.read_excel(io.BytesIO(workbook.content))
    assert frame["行号"].to_list()[0] == 4
