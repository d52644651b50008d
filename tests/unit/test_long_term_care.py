"""Long-term care rules in the domain: assessment scoring and levels, validity dates, the program
file's parameters (parsing, errors, the hash, how they read), and one bill's payment by hand."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib

import pytest

from anxin.domain.errors import InvalidInput, InvalidProgram
from anxin.domain.long_term_care import (
    ADL_ITEMS,
    COGNITION_ITEMS,
    PERCEPTION_ITEMS,
    AssessmentMethod,
    CareLevel,
    Grade,
    ServiceType,
    add_months,
    assess_barthel,
    assess_national,
    grade_of,
    reassessment_due,
    valid_until,
)
from anxin.domain.programs import parse_program
from anxin.domain.programs.long_term_care import LongTermCareProgram
from anxin.store.program_files import SHIPPED_DIR, load_program

RESIDENT = SHIPPED_DIR / "shandong-city-ltc-resident.toml"
CUTOFFS = {"adl": (100, 65, 45), "cognition": (16, 12, 4), "perception": (12, 8, 4)}


@pytest.fixture(scope="module")
def resident() -> LongTermCareProgram:
    program = load_program(RESIDENT)
    assert isinstance(program, LongTermCareProgram)
    return program


def _data() -> dict:
    return tomllib.loads(RESIDENT.read_text(encoding="utf-8"))


def _scores(adl: int, cognition: int, perception: int) -> dict[str, dict[str, int]]:
    """Item scores adding up to the given totals (each item filled up to its maximum in turn)."""

    def fill(items, total):
        out = {}
        for item in items:
            out[item.code] = min(item.most, total)
            total -= out[item.code]
        assert total == 0
        return out

    return {
        "adl": fill(ADL_ITEMS, adl),
        "cognition": fill(COGNITION_ITEMS, cognition),
        "perception": fill(PERCEPTION_ITEMS, perception),
    }


# ── assessment ───────────────────────────────────────────────────────────────────────────────────


def test_instrument_totals_are_100_16_12() -> None:
    assert sum(i.most for i in ADL_ITEMS) == 100 and len(ADL_ITEMS) == 10
    assert sum(i.most for i in COGNITION_ITEMS) == 16 and len(COGNITION_ITEMS) == 4
    assert sum(i.most for i in PERCEPTION_ITEMS) == 12 and len(PERCEPTION_ITEMS) == 3


@pytest.mark.parametrize(
    ("total", "grade"),
    [(100, Grade.INTACT), (95, Grade.MILD), (65, Grade.MILD), (60, Grade.MODERATE), (45, Grade.MODERATE),
     (40, Grade.SEVERE), (0, Grade.SEVERE)],
)  # fmt: skip
def test_barthel_grades_as_domain_md(total: int, grade: Grade) -> None:
    # Barthel grades: 100 intact; 65–95 mild; 45–60 moderate; ≤ 40 severe
    assert assess_barthel(total, (100, 65, 45)) == (total, grade)
    assert grade_of(total, (100, 65, 45)) is grade


def test_barthel_from_items_and_bad_totals() -> None:
    items = {item.code: item.most for item in ADL_ITEMS} | {"walking": 0, "stairs": 0, "bathing": 0}
    assert assess_barthel(items, (100, 65, 45)) == (70, Grade.MILD)
    for bad in (101, -5, 42):
        with pytest.raises(InvalidInput):
            assess_barthel(bad, (100, 65, 45))


def test_national_assessment_every_cell_of_the_matrix(resident: LongTermCareProgram) -> None:
    grading = resident.versions[0].parameters.assessment.national
    assert grading is not None
    # one total per grade for each indicator: intact, mild, moderate, severe
    adl_totals, cognition_totals, perception_totals = (100, 80, 50, 20), (16, 13, 8, 2), (12, 9, 5, 1)
    expected = grading.levels()
    for row, adl in enumerate(adl_totals):
        for cog_grade, cognition in enumerate(cognition_totals):
            for per_grade, perception in enumerate(perception_totals):
                result = assess_national(
                    _scores(adl, cognition, perception), grading.cutoffs(), grading.levels()
                )
                assert (result.adl_grade, result.cognition_grade, result.perception_grade) == (
                    row,
                    cog_grade,
                    per_grade,
                )
                assert result.level == expected[row][max(cog_grade, per_grade)]


def test_national_assessment_worked_examples(resident: LongTermCareProgram) -> None:
    grading = resident.versions[0].parameters.assessment.national
    assert grading is not None
    # ADL 30 (severe), cognition 10 (moderate), perception 11 (mild): severe row, moderate column
    result = assess_national(_scores(30, 10, 11), grading.cutoffs(), grading.levels())
    assert (result.adl_total, result.cognition_total, result.perception_total) == (30, 10, 11)
    assert result.level is CareLevel.SEVERE_2
    assert result.level.label_zh == "4级（重度失能Ⅱ级）"
    # ADL 100, cognition 16, perception 12: everything intact
    assert (
        assess_national(_scores(100, 16, 12), grading.cutoffs(), grading.levels()).level is CareLevel.NORMAL
    )


def test_item_scores_are_checked() -> None:
    scores = _scores(100, 16, 12)
    for indicator, item, value in (("adl", "eating", 7), ("adl", "walking", 20), ("cognition", "memory", 5)):
        bad = copy.deepcopy(scores)
        bad[indicator][item] = value
        with pytest.raises(InvalidInput) as caught:
            assess_national(bad, CUTOFFS, ((0,) * 4,) * 4)
        assert caught.value.zh and caught.value.en
    missing = copy.deepcopy(scores)
    del missing["perception"]["hearing"]
    with pytest.raises(InvalidInput, match="hearing"):
        assess_national(missing, CUTOFFS, ((0,) * 4,) * 4)


# ── validity ─────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("assessed", "months", "until", "due"),
    [
        (dt.date(2023, 1, 10), 24, dt.date(2025, 1, 9), dt.date(2025, 1, 10)),
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 28), dt.date(2024, 2, 29)),  # clamped to Feb 29
        (dt.date(2023, 3, 31), 11, dt.date(2024, 2, 28), dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 27), dt.date(2025, 2, 28)),
    ],
)
def test_validity_and_reassessment_dates(
    assessed: dt.date, months: int, until: dt.date, due: dt.date
) -> None:
    assert valid_until(assessed, months) == until
    assert reassessment_due(assessed, months) == due
    assert add_months(assessed, months) == due


# ── the program file ─────────────────────────────────────────────────────────────────────────────


def test_shipped_files_parse_with_the_domain_table(resident: LongTermCareProgram) -> None:
    params = resident.versions[0].parameters
    assert params.assessment.method is AssessmentMethod.NATIONAL_2021
    assert params.assessment.valid_for == 24
    assert params.assessment.eligible_levels() == {3, 4, 5}
    table = {
        (t.service.value, t.tier): (t.ratio, t.daily_cap, t.flat_daily) for t in params.services
    }  # ratio in basis points, money in fen
    assert table == {
        ("hospital_special_care", 1): (8000, 8000, None),
        ("hospital_special_care", 2): (7500, 10000, None),
        ("hospital_special_care", 3): (7000, 12000, None),
        ("institutional_care", None): (7500, 6000, None),
        ("home_visit", None): (9000, 4500, None),
        ("family_care", None): (None, None, 3000),
    }
    assert not params.all_confirmed()
    employee = load_program(SHIPPED_DIR / "shandong-city-ltc-employee.toml")
    assert employee.versions[0].parameters.scheme.value == "employee" and params.scheme.value == "resident"
    assert employee.code != resident.code


def test_notes_and_confirmed_flags_do_not_change_the_hash() -> None:
    data = _data()
    before = parse_program(data, source_name="x.toml")
    changed = copy.deepcopy(data)
    parameters = changed["versions"][0]["parameters"]
    parameters["assessment"]["note"] = "checked"
    parameters["assessment"]["confirmed"] = True
    parameters["assessment"]["national"]["confirmed"] = True
    parameters["services"][0]["note"] = "seen in the document"
    parameters["services"][0]["confirmed"] = True
    after = parse_program(changed, source_name="x.toml")
    assert before.parameter_hash(before.versions[0]) == after.parameter_hash(after.versions[0])
    parameters["services"][0]["daily_cap"] = "81 元"
    costlier = parse_program(changed, source_name="x.toml")
    assert costlier.parameter_hash(costlier.versions[0]) != before.parameter_hash(before.versions[0])


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (lambda p: p["services"][3].update(daily_cap=60), "需要写明单位"),
        (lambda p: p["services"][3].update(ratio="0.75"), "比例写作百分数"),
        (lambda p: p["services"][0].pop("tier"), "需要 tier"),
        (lambda p: p["services"][3].update(tier=2), "不能有 tier"),
        (lambda p: p["services"][5].update(ratio="50%"), "只写 flat_daily"),
        (lambda p: p["services"].append(dict(p["services"][4])), "只能写一次"),
        (lambda p: p["assessment"].update(eligible=["severe"]), "eligible 中有该评估方法没有的结果"),
        (lambda p: p["assessment"].update(valid_for="24"), "期限写作"),
        (lambda p: p["assessment"].update(method="barthel", eligible=["severe"]), "需要且只需要 [barthel]"),
        (lambda p: p["assessment"]["national"].update(adl=[100, 45, 65]), "分级下限"),
        (lambda p: p["assessment"]["national"]["matrix"][0].__setitem__(0, "severe_3"), "不降低"),
        (lambda p: p["assessment"]["national"]["matrix"][1].__setitem__(2, "level_9"), "未知等级"),
        (lambda p: p.update(deductible="100 元"), "不认识的键"),
    ],
)
def test_bad_files_are_refused_with_the_key_and_a_reason(edit, phrase: str) -> None:
    data = _data()
    edit(data["versions"][0]["parameters"])
    with pytest.raises(InvalidProgram) as caught:
        parse_program(data, source_name="bad.toml")
    assert phrase in caught.value.zh, caught.value.zh
    assert "bad.toml: versions[0].parameters" in caught.value.zh and caught.value.en


def test_barthel_program_parses_and_describes() -> None:
    data = _data()
    assessment = data["versions"][0]["parameters"]["assessment"]
    del assessment["national"]
    assessment.update(
        method="barthel", eligible=["severe"], valid_for="2年", barthel={"cutoffs": [100, 65, 45]}
    )
    program = parse_program(data, source_name="barthel.toml")
    params = program.versions[0].parameters
    assert params.assessment.valid_for == 24 and params.assessment.eligible_levels() == {Grade.SEVERE}
    lines = {line.key: line for line in params.describe()}
    assert lines["grading.barthel"].value_zh.startswith("生活自理 100 分；轻度依赖 65–99 分")
    assert "重度依赖" in lines["assessment.eligible"].value_zh


def test_describe_reads_in_both_languages(resident: LongTermCareProgram) -> None:
    lines = {line.key: line for line in resident.versions[0].parameters.describe()}
    tier3 = lines["service.hospital_special_care.3"]
    assert (
        tier3.label_zh == "医疗专护（三级医院）"
        and tier3.label_en == "hospital special care (tier-3 hospital)"
    )
    assert tier3.value_zh == "按费用的 70% 支付，每日最多 120.00 元（未核实）"
    assert tier3.value_en == "70% of the cost, at most 120.00 yuan a day (unconfirmed)"
    assert lines["service.family_care"].value_zh == "每日定额 30.00 元（未核实）"
    assert lines["assessment.valid_for"].value_en == "24 months (unconfirmed)"
    assert "5级（重度失能Ⅲ级）" in lines["grading.matrix.severe"].value_zh
    assert all(line.label_zh and line.label_en and line.value_zh and line.value_en for line in lines.values())


# ── one bill by hand ─────────────────────────────────────────────────────────────────────────────


def test_one_bill_paid_by_hand(resident: LongTermCareProgram) -> None:
    params = resident.versions[0].parameters
    tier3 = params.terms_for(ServiceType.HOSPITAL_SPECIAL_CARE, 3)
    assert tier3 is not None
    # 30 days at 150 yuan: min(4,500 × 70 % = 3,150, 30 × 120 = 3,600) = 3,150.00
    assert tier3.pay(days=30, paid=30, cost=450_000).payout == 315_000
    # 10 of 30 days paid: cost 4,500 × 10/30 = 1,500.00; × 70 % = 1,050.00 < 10 × 120 = 1,200
    assert tier3.pay(days=30, paid=10, cost=450_000).payout == 105_000
    family = params.terms_for(ServiceType.FAMILY_CARE, None)
    assert family is not None and family.pay(days=31, paid=31, cost=0).payout == 93_000
    assert params.terms_for(ServiceType.HOSPITAL_SPECIAL_CARE, None) is None


@pytest.mark.parametrize("path", sorted(SHIPPED_DIR.glob("*-ltc-*.toml")), ids=lambda p: p.name)
def test_shipped_care_files_say_why_a_figure_is_unconfirmed(path) -> None:
    program = load_program(path)
    assert isinstance(program, LongTermCareProgram)
    for version in program.versions:
        rules = version.parameters.assessment
        grading = rules.national or rules.barthel
        assert grading is not None
        for part in (rules, grading, *version.parameters.services):
            assert part.confirmed or part.note.strip(), (path.name, part)
        # no document number is guessed: an unconfirmed source names none unless it was found
        assert version.source.confirmed or version.source.reference == ""
