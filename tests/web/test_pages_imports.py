"""Imports through the pages: uploading a file (saved under the data folder with a safe name), a
rejected file's problems in the browser and as an Excel file, and who may upload."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import InvalidInput
from anxin.services import uploads
from anxin.services.uploads import safe_name
from anxin.store.schema import Enrollment, ImportBatch
from tests.web.conftest import PROGRAM
from tests.web.test_pages_helpers import csrf, resident_id, sign_in, texts

GOOD = resident_id("37010219900101123")
ALSO_GOOD = resident_id("37098219851231456")
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # wrong check character


def persons_csv(*rows: tuple[str, str]) -> bytes:
    return ("证件号码,姓名,联系电话\n" + "".join(f"{n},{name},13800001111\n" for n, name in rows)).encode()


def upload(client, name: str, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "kind": "persons",
        "program": PROGRAM,
        "year": "2024",
        "csrf_token": csrf(client, "/imports"),
        **fields,
    }
    return client.post(
        "/imports/upload", data=data, files={"file": (name, content, "text/csv")}, follow_redirects=False
    )


def test_upload_form_is_there_for_clerks(app):
    html = sign_in(app, "clerk").get("/imports").text
    assert '<form id="import-upload"' in html and 'enctype="multipart/form-data"' in html
    assert '<input type="file" name="file"' in html and '<select name="kind"' in html
    assert "<progress data-upload" in html
    # the demo's imports are listed, newest first: its life year's premium collections come last
    assert 'id="imports"' in html and "premiums-2021-12-" in html


def test_a_file_with_one_bad_row_is_rejected_with_its_problem_listed_and_downloadable(app, web_db):
    client = sign_in(app, "clerk")
    answer = upload(client, f"名单 {GOOD}.csv", persons_csv((GOOD, "张三"), (BAD, "李四")))
    assert answer.status_code == 303
    location = answer.headers["location"]
    import_id = int(location.rsplit("/", 1)[1])

    page = client.get(location).text
    assert 'id="import-problems"' in page and "文件未导入" not in page  # the banner is for the upload answer
    rows = texts(page, r'<table id="import-problems">.*?<tbody>(.*?)</tbody>')
    assert "身份证号码无效" in rows[0] and BAD[:4] + "**********" + BAD[-4:] in rows[0]
    assert BAD not in page and GOOD not in page  # values masked; the file name too
    with web_db.session() as session:
        batch = session.get(ImportBatch, import_id)
        assert batch is not None and batch.status == "rejected" and batch.actor == "clerk"
        assert GOOD not in batch.file_name
        enrolled = session.scalar(sa.select(sa.func.count()).where(Enrollment.year == 2024))
    assert enrolled == 0  # all or nothing

    download = client.get(f"/imports/{import_id}/problems.xlsx")
    assert f'id="error-report-download" href="/imports/{import_id}/problems.xlsx"' in page
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("行号", "列", "值", "原因", "reason")
    assert values[1][0] == 3 and values[1][1] == "证件号码" and "invalid resident ID" in values[1][4]

    saved = list((web_db.settings.data_dir / "uploads").rglob("*.csv"))
    assert len(saved) == 1 and GOOD not in saved[0].name and "*" not in saved[0].name


def test_a_good_file_is_imported_and_shown_in_place_for_htmx(app, web_db):
    client = sign_in(app, "clerk")
    answer = upload(client, "ok.csv", persons_csv((GOOD, "张三"), (ALSO_GOOD, "王五")))
    assert answer.status_code == 303
    html = client.get(answer.headers["location"]).text
    assert "已导入" in html
    again = client.post(
        "/imports/upload",
        data={"kind": "persons", "program": PROGRAM, "year": "2024", "csrf_token": csrf(client, "/imports")},
        files={"file": ("ok.csv", persons_csv((GOOD, "张三"), (ALSO_GOOD, "王五")), "text/csv")},
        headers={"HX-Request": "true", "Idempotency-Key": "upload-again"},
    )
    assert again.status_code == 200 and "本次未做任何更改" in again.text  # the same file: nothing changes
    with web_db.session() as session:
        enrolled = session.scalar(sa.select(sa.func.count()).where(Enrollment.year == 2024))
    assert enrolled == 2


def test_upload_refusals(app):
    client = sign_in(app, "clerk")
    wrong_type = upload(client, "../../evil.sh", b"echo")
    assert wrong_type.status_code == 422 and "不支持的文件类型" in wrong_type.text
    no_program = upload(client, "ok.csv", persons_csv((GOOD, "张三")), program="")
    assert no_program.status_code == 422 and "须选择方案和年度" in no_program.text
    empty = upload(client, "empty.csv", b"")
    assert empty.status_code == 422
    no_csrf = client.post(
        "/imports/upload", data={"kind": "persons"}, files={"file": ("a.csv", b"x", "text/csv")}
    )
    assert no_csrf.status_code == 403


def test_only_uploading_roles_may_upload(app):
    auditor = sign_in(app, "auditor")
    assert "import-upload" not in auditor.get("/imports").text
    assert upload(auditor, "ok.csv", persons_csv((GOOD, "张三"))).status_code == 403
    assert sign_in(app, "finance").get("/imports").status_code == 403


def test_upload_names_are_made_safe():
    assert safe_name("C:\\Users\\a\\名单 2024.CSV") == "名单_2024.csv"
    assert safe_name("../../.hidden.xlsx") == "hidden.xlsx"
    assert safe_name(f"{GOOD}.csv") == f"{GOOD[:4]}{'x' * 10}{GOOD[-4:]}.csv"
    with pytest.raises(InvalidInput):
        safe_name("run.exe")


def test_names_are_masked_before_they_are_cut_and_an_oversized_file_leaves_nothing(tmp_path, monkeypatch):
    for padding in range(80, 100):
        name = safe_name("名" * padding + f"{GOOD}.csv")
        assert len(name) <= 104 and not re.search(r"\d{6}", name)
    monkeypatch.setattr(uploads, "MAX_BYTES", 10)
    with pytest.raises(InvalidInput) as refused:
        uploads.save_upload(tmp_path, "big.csv", io.BytesIO(b"x" * 11))
    assert refused.value.code == "bad_file_size"
    assert not [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]


def test_a_claims_file_is_uploaded_for_its_group_program(app, web_db, tmp_path):
    from anxin.store.schema import Claim
    from tests.integration.group_claims_support import GA, ga_claims
    from tests.web.claim_lines import CLAIMS, claims_file, enrol_roster

    enrol_roster(web_db, tmp_path)
    client = sign_in(app, "clerk")
    form = client.get("/imports").text
    assert '<option value="claims">理赔记录（团体保障）</option>' in form and 'id="claims-note"' in form
    content = claims_file(tmp_path).read_bytes()
    with web_db.session() as session:  # the demo province has claims of its own
        before = set(session.scalars(sa.select(Claim.claim_no).where(Claim.program_code == GA)))
    wrong = upload(client, "claims.csv", content, kind="claims", program=PROGRAM)
    assert wrong.status_code == 422 and "理赔导入只用于团体意外与健康、特定疾病" in wrong.text
    answer = upload(client, "claims.csv", content, kind="claims", program=GA)
    assert answer.status_code == 303
    html = client.get(answer.headers["location"]).text
    assert "已导入" in html and "理赔记录（团体保障）" in html
    with web_db.session() as session:
        stored = session.scalars(sa.select(Claim.claim_no).where(Claim.program_code == GA)).all()
    assert set(stored) - before == {row[0] for row in CLAIMS} and len(stored) == len(before) + len(CLAIMS)
    listed = client.get("/imports").text
    assert "理赔记录（团体保障）" in listed

    bad = ga_claims(
        tmp_path, [("GA-Y", "NOBODY", "意外医疗", "2024-01-10", "2024-01-05", None, None, None, "1")], "b.csv"
    )
    rejected = upload(client, "bad-claims.csv", bad.read_bytes(), kind="claims", program=GA)
    assert rejected.status_code == 303
    page = client.get(rejected.headers["location"]).text
    import_id = rejected.headers["location"].rsplit("/", 1)[-1]
    assert f'href="/imports/{import_id}/problems.xlsx"' in page
    assert client.get(f"/imports/{import_id}/problems.xlsx").status_code == 200
