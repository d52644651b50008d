"""The program pages and API show the group accident & health and specified-disease programs: every
shipped program is listed, and each version's parameters read as yuan, percentages and days."""

from __future__ import annotations

from html import unescape

from anxin.services.program_catalogue import catalogue, program_info, version_parameters
from tests.web.test_pages_helpers import sign_in

GROUP_PROGRAMS = {
    "qingdao-elderly-ga": "青岛市60周岁以上老年人意外伤害保险（银龄安康）",
    "example-student-ga": "示例：学生平安保险（山东示例）",
    "wuhan-frontline-donated-ga": "中国人寿捐赠武汉抗疫医护人员保险保障（意外部分）",
    "heilongjiang-union-women-sd": "国寿团体女性安康保险（黑龙江省总工会）",
}


def test_catalogue_describes_group_programs():
    codes = {p.code for p in catalogue()}
    assert set(GROUP_PROGRAMS) <= codes
    rows = {p.key: p for p in version_parameters("qingdao-elderly-ga", "2018")}
    assert rows["death.sum_insured"].value_text == "10,000.00 元（未核实）"
    assert rows["accident_medical.deductible"].value("en") == "100.00 yuan (unconfirmed)"
    assert rows["hospital_allowance.max_days_per_year"].value_text == "180 天"
    assert rows["eligibility"].value_text.startswith("60 岁及以上")
    women = {p.key: p for p in version_parameters("heilongjiang-union-women-sd", "2008")}
    assert women["disease.breast_cancer"].value_text == "保险金额的 2 倍"
    assert women["disease.breast_cancer"].label_zh == "原发性乳腺癌"
    assert women["unit_premium"].value_text == "20.00 元"
    assert not program_info("heilongjiang-union-women-sd").latest.confirmed


def test_programs_pages_list_and_show_group_programs(app):
    client = sign_in(app, "clerk")
    listing = client.get("/programs").text
    for code, name in GROUP_PROGRAMS.items():
        assert f'href="/programs/{code}"' in listing and name in listing
        page = client.get(f"/programs/{code}")
        assert page.status_code == 200, code
    page = client.get("/programs/qingdao-elderly-ga").text
    assert "意外身故保险金额" in page and "10,000.00 元" in page and "团体意外与健康保险" in listing
    english = unescape(sign_in(app, "clerk", lang="en").get("/programs/heilongjiang-union-women-sd").text)
    assert "primary breast cancer" in english and "2 × the sum insured" in english
    api = sign_in(app, "clerk").get("/api/v1/programs/example-student-ga")
    assert api.status_code == 200 and "example-student-ga" in api.text
