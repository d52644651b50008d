"""Group accident & health and specified-disease programs: the files are checked key by key, the
parameter hash ignores notes, and the small rules (ages, grades, waiting periods, premiums) hold."""

from __future__ import annotations

import copy
import datetime as dt

import polars as pl
import pytest

from anxin.domain.errors import InvalidInput, InvalidProgram
from anxin.domain.group_accident import ClaimType, combined_grade
from anxin.domain.group_cover import Reason, age_in_years, in_waiting_period
from anxin.domain.programs import parse_program
from anxin.domain.programs.group_terms import WaitingPeriod
from anxin.domain.specified_disease import premium_fen
from anxin.engine.group_accident import evaluate
from anxin.store.program_files import SHIPPED_DIR, load_program

GA = {
    "code": "t-ga",
    "name_zh": "测试",
    "name_en": "test",
    "kind": "group_accident",
    "funder": "government",
    "versions": [
        {
            "version": "1",
            "effective_from": dt.date(2020, 1, 1),
            "source": {"title": "t"},
            "parameters": {
                "death": {"sum_insured": "1万元", "note": "说明"},
                "disability": {"sum_insured": "20000 元"},
                "accident_medical": {"deductible": "100 元", "ratio": "100%", "annual_limit": "5000 元"},
            },
        }
    ],
}


def _ga(**changes):
    data = copy.deepcopy(GA)
    data["versions"][0]["parameters"].update(changes)
    return data


def _refused(data, fragment: str) -> None:
    with pytest.raises(InvalidProgram) as caught:
        parse_program(data, source_name="t.toml")
    assert fragment in str(caught.value), str(caught.value)


def test_every_group_program_marks_what_is_unconfirmed():
    for path in sorted(SHIPPED_DIR.glob("*-ga.toml")) + sorted(SHIPPED_DIR.glob("*-sd.toml")):
        program = load_program(path)
        for version in program.versions:
            p = version.parameters
            blocks = [getattr(p, name, None) for name in type(p).model_fields]
            blocks += list(getattr(p, "diseases", ())) + list(
                getattr(getattr(p, "death", None), "age_bands", ()) or ()
            )
            for block in blocks:
                if getattr(block, "confirmed", True) is False:
                    assert block.note.strip(), (path.name, block)


def test_quantities_need_their_units():
    _refused(_ga(death={"sum_insured": 10000}), "需要写明单位")
    _refused(_ga(death={"sum_insured": "1万元", "within_days": 180}), "需要写明单位")
    _refused(_ga(death={"sum_insured": "1万元", "within_days": "180"}), "天数写作")
    _refused(_ga(eligibility={"min_age": "60"}), "年龄写作")
    _refused(_ga(accident_medical={"deductible": "100 元", "ratio": "0.8"}), "比例写作百分数")


def test_benefit_rules_are_checked():
    _refused(_ga(disability={"sum_insured": "1 元", "grade_ratios": ["100%"] * 9}), "10 项")
    _refused(_ga(disability={"sum_insured": "1 元", "grade_ratios": ["10%", *["20%"] * 9]}), "递减")
    _refused(_ga(death=None, disability=None, accident_medical=None), "至少要有一项保障")
    _refused(_ga(death=None, death_disability_limit="1万元"), "同时有身故与伤残")
    _refused(_ga(eligibility={"min_age": "60 岁", "max_age": "17 岁"}), "最低年龄不能高于最高年龄")
    _refused(_ga(death={"sum_insured": "1 元", "age_bands": [{"from_age": "80 岁", "sum_insured": "1 元"},
                                                              {"from_age": "70 岁", "sum_insured": "1 元"}]}), "严格递增")  # fmt: skip
    _refused(_ga(accident_medical={"deductible": "100 元", "ratio": "100%", "ceiling": "1 元"}), "不认识的键")


def test_parameter_hash_ignores_notes_but_not_figures():
    program = parse_program(GA, source_name="t.toml")
    noted = parse_program(
        _ga(death={"sum_insured": "1万元", "note": "另一说明", "confirmed": False}), source_name="t.toml"
    )
    richer = parse_program(_ga(death={"sum_insured": "1.1万元"}), source_name="t.toml")
    h = lambda p: p.parameter_hash(p.versions[0])  # noqa: E731
    assert h(program) == h(noted) != h(richer)
    women = load_program(SHIPPED_DIR / "heilongjiang-union-women-sd.toml")
    assert len(h(women)) == 16


def test_worst_grade_is_raised_once_when_shared():
    assert combined_grade((5, 5, 8)) == 4
    assert combined_grade((6, 6, 6)) == 5
    assert combined_grade((5, 8)) == 5
    assert combined_grade((1, 1)) == 1
    assert combined_grade((5, 5), raise_shared_worst=False) == 5


def test_ages_and_waiting_periods():
    leap = dt.date(2008, 2, 29)
    assert age_in_years(leap, dt.date(2026, 2, 28)) == 17 and age_in_years(leap, dt.date(2026, 3, 1)) == 18
    waiting = WaitingPeriod(days="30 天")
    start = dt.date(2023, 9, 1)
    assert in_waiting_period(waiting, start, dt.date(2023, 9, 30), renewed=False)
    assert not in_waiting_period(waiting, start, dt.date(2023, 10, 1), renewed=False)
    assert not in_waiting_period(waiting, start, dt.date(2023, 9, 2), renewed=True)
    assert in_waiting_period(
        WaitingPeriod(days="30 天", on_renewal=True), start, dt.date(2023, 9, 2), renewed=True
    )
    assert Reason.WAITING_PERIOD.rejects and not Reason.LIMIT_REACHED.rejects
    assert ClaimType.DISABILITY.label_zh == "意外伤残保险金"


def test_premium_is_units_times_the_unit_premium():
    women = load_program(SHIPPED_DIR / "heilongjiang-union-women-sd.toml").versions[0].parameters
    assert premium_fen(women, 3) == 6000  # 3 份 × 20 元


def _claim(**changes):
    row = {"person_id": "P", "claim_id": "C", "policy_year": 2020, "cover_from": dt.date(2020, 1, 1),
           "cover_to": dt.date(2020, 12, 31), "born_on": dt.date(1950, 1, 1), "claim_type": "accident_medical",
           "due_on": dt.date(2020, 5, 1), "accident_on": dt.date(2020, 5, 1), "expense_fen": 100}  # fmt: skip
    return row | changes


def test_bad_claims_are_refused_whole():
    program = parse_program(GA, source_name="t.toml")
    for rows, fragment in (
        ([_claim(claim_type="burns")], "不认识的保障项目"),
        ([_claim(accident_on=None)], "理赔数据不全或有误"),
        ([_claim(expense_fen=-1)], "理赔数据不全或有误"),
        ([_claim(), _claim(claim_id="D", cover_from=dt.date(2020, 2, 1))], "保险期间或出生日期不一致"),
        ([_claim(cover_from=dt.date(2019, 1, 1))], "尚未生效"),
    ):
        with pytest.raises(InvalidInput) as caught:
            evaluate(pl.DataFrame(rows, schema_overrides={"accident_on": pl.Date}), program)
        assert fragment in str(caught.value)
