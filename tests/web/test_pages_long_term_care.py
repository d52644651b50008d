"""The program pages show the shipped long-term care programs, their parameters read through
``describe()``, in Chinese and in English."""

from __future__ import annotations

from html import unescape

from anxin.services.program_catalogue import program_info, version_parameters
from tests.web.test_pages_helpers import sign_in

CODES = ("shandong-city-ltc-resident", "shandong-city-ltc-employee")


def test_catalogue_reads_the_care_programs() -> None:
    info = program_info("shandong-city-ltc-resident")
    assert info.kind == "long_term_care" and info.kind_zh == "长期护理保险"
    assert not info.latest.confirmed
    rows = {p.key: p for p in version_parameters("shandong-city-ltc-resident", "2023")}
    assert (
        rows["service.hospital_special_care.3"].value_text
        == "按费用的 70% 支付，每日最多 120.00 元（未核实）"
    )
    assert rows["service.family_care"].value("en") == "flat 30.00 yuan a day (unconfirmed)"


def test_programs_pages_list_and_show_the_care_programs(app) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(app, "clerk")
    listing = client.get("/programs").text
    for code in CODES:
        assert f'href="/programs/{code}"' in listing
    assert "长期护理保险" in listing
    page = client.get("/programs/shandong-city-ltc-resident").text
    assert page.count('data-key="service.') == 6
    assert "医疗专护（三级医院）" in page and "每日定额 30.00 元" in page and "重度失能Ⅰ级" in page
    assert program_info("shandong-city-ltc-resident").latest.parameter_hash in page
    english = unescape(sign_in(app, "clerk", lang="en").get("/programs/shandong-city-ltc-employee").text)
    assert "employees' long-term care insurance" in english and "at most 120.00 yuan a day" in english
