"""Programs: the catalogue, one program's versions, sources and parameters, and two versions side by
side. No shipped program has two versions yet, so the difference is tested on a program file written
here (the catalogue functions take a loaded Program; the pages read the shipped folder)."""

from __future__ import annotations

import shutil
from html import unescape

import pytest

from anxin.domain.errors import InvalidProgram, NotFound
from anxin.services.program_catalogue import catalogue, diff_versions, program_info, version_parameters
from anxin.store import program_files
from tests.web.test_pages_helpers import sign_in, texts

TWO_VERSIONS = """\
code = "demo-two-ci"
name_zh = "示例两版本大病保险"
name_en = "Example two-version critical-illness insurance"
kind = "critical_illness"
funder = "medical_insurance_fund"

[[versions]]
version = "2023"
effective_from = 2023-01-01

[versions.source]
title = "示例文件（2023）"
issuer = "示例医疗保障局"
reference = "示医保发〔2023〕1号"
published = 2022-12-20
url = "https://example.invalid/2023"

[versions.parameters]
deductible = "1.4万元"
cap = "40万元"

[[versions.parameters.bands]]
upto = "100000 元"
ratio = "60%"

[[versions.parameters.bands]]
ratio = "70%"

[[versions]]
version = "2024"
effective_from = 2024-01-01

[versions.source]
title = "示例文件（2024）"
confirmed = false

[versions.parameters]
deductible = "1.2万元"
cap = "40万元"

[[versions.parameters.bands]]
upto = "100000 元"
ratio = "65%"

[[versions.parameters.bands]]
ratio = "70%"

[[versions.parameters.tilts]]
groups = ["extreme_poverty"]
deductible_factor = "50%"
ratio_bump = "5pp"
remove_cap = true
"""


@pytest.fixture
def two_versions(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "demo-two-ci.toml"
    path.write_text(TWO_VERSIONS, encoding="utf-8")
    return program_files.load_program(path)


@pytest.fixture
def shipped_with_two_versions(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The shipped folder plus the two-version program, as the pages see it."""
    folder = tmp_path / "programs"
    shutil.copytree(program_files.SHIPPED_DIR, folder)
    (folder / "demo-two-ci.toml").write_text(TWO_VERSIONS, encoding="utf-8")
    monkeypatch.setattr(program_files, "SHIPPED_DIR", folder)
    return folder


def test_catalogue_lists_the_shipped_programs():
    codes = {p.code for p in catalogue()}
    assert {"taian-ci", "shandong-ci", "weihai-ci"} <= codes
    taian = program_info("taian-ci")
    assert taian.name_zh == "泰安市城乡居民大病保险" and not taian.latest.confirmed


def test_codes_are_looked_up_among_shipped_programs_only():
    for name in (
        "no-such-program",
        str(program_files.SHIPPED_DIR / "taian-ci.toml"),
        "../programs/taian-ci.toml",
    ):
        with pytest.raises(NotFound):
            program_info(name)
    with pytest.raises(InvalidProgram):
        version_parameters("taian-ci", "1999")


def test_version_parameters_read_as_yuan_and_percent():
    rows = {p.key: p for p in version_parameters("taian-ci", "2023")}
    assert rows["deductible"].value_text == "14,000.00 元"
    assert rows["deductible"].value("en") == "14,000.00 yuan"
    assert rows["cap"].value_text == "400,000.00 元"
    assert rows["band.1"].value_text.startswith("14,000.00 元–100,000.00 元：60%")
    assert rows["band.4"].value_text.startswith("300,000.00 元以上：75%")
    tilt = "tilt.extreme_poverty+subsistence_allowance"
    assert rows[f"{tilt}.deductible"].value_text == "一般起付线的50%（7,000.00 元）"
    assert rows[f"{tilt}.ratio_bump"].value_text == "+5pp"
    assert rows[f"{tilt}.cap"].value_text == "不设封顶线"


def test_diff_marks_changed_added_and_unchanged_parameters(two_versions):
    info = program_info(two_versions)
    assert [v.version for v in info.versions] == ["2023", "2024"]
    assert str(info.versions[0].effective_to) == "2023-12-31" and info.versions[1].effective_to is None
    assert info.versions[0].source.reference == "示医保发〔2023〕1号" and info.versions[0].confirmed
    assert not info.versions[1].confirmed
    rows = {d.key: d for d in diff_versions(two_versions, "2023", "2024")}
    assert rows["deductible"].changed and (rows["deductible"].before, rows["deductible"].after) == (
        "14,000.00 元",
        "12,000.00 元",
    )
    assert rows["band.1"].changed and "65%" in rows["band.1"].after
    assert not rows["cap"].changed and not rows["band_origin"].changed
    added = rows["tilt.extreme_poverty.deductible"]
    assert added.changed and added.before == "—" and "6,000.00 元" in added.after
    assert not any(
        d.changed for d in diff_versions(two_versions, "2024", "2024") if d.key != "effective_from"
    )


def test_programs_pages_list_versions_sources_and_parameters(app):
    client = sign_in(app, "clerk")
    listing = client.get("/programs").text
    assert 'href="/programs/taian-ci"' in listing and "泰安市城乡居民大病保险" in listing
    page = client.get("/programs/taian-ci").text
    assert "14,000.00 元" in page and "400,000.00 元" in page
    assert program_info("taian-ci").latest.parameter_hash in page
    assert "未核实" in page
    assert client.get("/programs/no-such").status_code == 404
    english = unescape(sign_in(app, "clerk", lang="en").get("/programs/taian-ci").text)
    assert "Tai'an residents' critical-illness insurance" in english and "14,000.00 yuan" in english


def test_diff_page_highlights_changed_parameters(app, shipped_with_two_versions):
    client = sign_in(app, "manager")
    page = client.get("/programs/demo-two-ci").text
    assert 'id="diff-link" href="/programs/demo-two-ci/diff?a=2023&amp;b=2024"' in page
    assert "示医保发〔2023〕1号" in page
    diff = client.get("/programs/demo-two-ci/diff?a=2023&b=2024").text
    changed = texts(diff, r'<tr data-key="([^"]+)" class="diff-changed">')
    assert {"effective_from", "deductible", "band.1"} <= set(changed)
    assert "cap" not in changed and "band.2" not in changed
    assert "tilt.extreme_poverty.deductible" in changed
    default = client.get("/programs/demo-two-ci/diff").text  # the last two versions
    assert texts(default, r'<tr data-key="([^"]+)" class="diff-changed">') == changed
