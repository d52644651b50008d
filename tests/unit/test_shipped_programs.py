"""The program files shipped in ``programs/``: they load, and they pay the published figures.

Every expected payout below is worked out by hand in a comment, so a program officer can check it
against the policy without reading the code. Amounts go in and come out as integer fen (分).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from anxin.domain.critical_illness import resolve_schedule
from anxin.domain.errors import InvalidProgram
from anxin.domain.money import format_yuan
from anxin.domain.programs import Program
from anxin.domain.programs.critical_illness import BandOrigin
from anxin.domain.vulnerability import VulnerableGroup
from anxin.store.program_files import SHIPPED_DIR, load_program, shipped_programs

SHIPPED_FILES = sorted(SHIPPED_DIR.glob("*.toml"))


def fen(yuan: int) -> int:
    return yuan * 100


def pay(program: Program, owed_fen: int, group: VulnerableGroup | None = None) -> int:
    """What one settlement of ``owed_fen`` pays a person with nothing yet this year (latest version)."""
    version = program.versions[-1]
    return resolve_schedule(version.parameters, group).payout(0, owed_fen)


@pytest.fixture(scope="module")
def programs() -> dict[str, Program]:
    return shipped_programs()


# ── every file ───────────────────────────────────────────────────────────────────────────────────


def test_the_shipped_programs_are_there() -> None:
    names = {path.name for path in SHIPPED_FILES}
    assert {"shandong-ci.toml", "taian-ci.toml", "weihai-ci.toml", "example-contrast-ci.toml"} <= names
    assert "shandong-tehui-supplementary.toml" in names


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_every_file_loads_and_is_named_after_its_code(path: Path) -> None:
    program = load_program(path)
    assert program.code == path.stem
    for version in program.versions:
        assert version.source.title.strip()
        # A figure that is not confirmed must say why, in its note.
        if not version.source.confirmed:
            assert version.source.note.strip()
        for band in getattr(version.parameters, "bands", ()):  # other kinds check their own notes
            if not band.confirmed:
                assert band.note.strip()


def test_codes_are_unique(programs: dict[str, Program]) -> None:
    assert len(programs) == len(SHIPPED_FILES)


def test_examples_say_so_in_their_names_and_are_unconfirmed(programs: dict[str, Program]) -> None:
    example = programs["example-contrast-ci"]
    assert "示例" in example.name_zh
    assert "EXAMPLE" in example.name_en
    assert all(not v.source.confirmed for v in example.versions)


# ── Shandong 2014 (the golden worked example) ────────────────────────────────────────────────────


def test_shandong_worked_example(programs: dict[str, Program]) -> None:
    # D = 10,000; 50 % on 10,000–100,000; 60 % above; cap 200,000.
    # owed 170,000: 0.50 × 90,000 + 0.60 × 70,000 = 45,000 + 42,000 = 87,000.00
    payout = pay(programs["shandong-ci"], fen(170_000))
    assert payout == fen(87_000)
    assert format_yuan(payout) == "87,000.00"


def test_shandong_many_stays_charge_the_deductible_once(programs: dict[str, Program]) -> None:
    # Three stays owing 5,000 + 60,000 + 105,000 = 170,000 in the year pay 87,000 in total:
    #   stay 1: ytd 0 → 5,000         f = 0                                → pays 0
    #   stay 2: ytd 5,000 → 65,000    f = 0.50 × 55,000 = 27,500           → pays 27,500
    #   stay 3: ytd 65,000 → 170,000  f = 0.50 × 90,000 + 0.60 × 70,000 = 87,000 → pays 59,500
    schedule = resolve_schedule(programs["shandong-ci"].versions[-1].parameters)
    payouts, ytd = [], 0
    for owed in (fen(5_000), fen(60_000), fen(105_000)):
        payouts.append(schedule.payout(ytd, owed))
        ytd += owed
    assert payouts == [0, fen(27_500), fen(59_500)]
    assert sum(payouts) == fen(87_000)


def test_shandong_cap(programs: dict[str, Program]) -> None:
    # owed 500,000: 0.50 × 90,000 + 0.60 × 400,000 = 45,000 + 240,000 = 285,000 → capped at 200,000
    assert pay(programs["shandong-ci"], fen(500_000)) == fen(200_000)


def test_rounding_is_half_up_once_inside_f(programs: dict[str, Program]) -> None:
    # f(10,000.01) = 50 % × 0.01 yuan = 0.5 fen → rounds half up to 1 fen.
    # f(10,000.02) = 50 % × 0.02 yuan = 1 fen exactly. The second fen therefore pays 1 − 1 = 0:
    # each payout is f(after) − f(before), so the payouts sum to f(total) to the fen.
    schedule = resolve_schedule(programs["shandong-ci"].versions[-1].parameters)
    line = fen(10_000)
    assert schedule.payout(0, line + 1) == 1
    assert schedule.payout(line + 1, 1) == 0
    assert schedule.benefit(line + 2) == 1


# ── Tai'an 2023 ──────────────────────────────────────────────────────────────────────────────────


def test_taian_ordinary(programs: dict[str, Program]) -> None:
    # D = 14,000; 60 % to 100,000; 65 % to 200,000; 70 % to 300,000; 75 % above; cap 400,000.
    taian = programs["taian-ci"]
    # at the line: nothing
    assert pay(taian, fen(14_000)) == 0
    # owed 50,000: 0.60 × 36,000 = 21,600
    assert pay(taian, fen(50_000)) == fen(21_600)
    # owed 170,000: 0.60 × 86,000 + 0.65 × 70,000 = 51,600 + 45,500 = 97,100
    assert pay(taian, fen(170_000)) == fen(97_100)
    # owed 500,000: 0.60 × 86,000 + 0.65 × 100,000 + 0.70 × 100,000 + 0.75 × 200,000
    #             = 51,600 + 65,000 + 70,000 + 150,000 = 336,600 (below the cap)
    assert pay(taian, fen(500_000)) == fen(336_600)
    # owed 600,000: 51,600 + 65,000 + 70,000 + 0.75 × 300,000 = 411,600 → capped at 400,000
    assert pay(taian, fen(600_000)) == fen(400_000)


@pytest.mark.parametrize("group", [VulnerableGroup.EXTREME_POVERTY, VulnerableGroup.SUBSISTENCE_ALLOWANCE])
def test_taian_tilt_for_extreme_poverty_and_subsistence_allowance(
    programs: dict[str, Program], group: VulnerableGroup
) -> None:
    # 特困人员 / 低保对象: D = 14,000 × 50 % = 7,000; 65 / 70 / 75 / 80 %; no cap.
    taian = programs["taian-ci"]
    schedule = resolve_schedule(taian.versions[-1].parameters, group)
    assert schedule.deductible == fen(7_000)
    # owed 10,000: 0.65 × 3,000 = 1,950
    assert pay(taian, fen(10_000), group) == fen(1_950)
    # owed 500,000: 0.65 × 93,000 + 0.70 × 100,000 + 0.75 × 100,000 + 0.80 × 200,000
    #             = 60,450 + 70,000 + 75,000 + 160,000 = 365,450
    assert pay(taian, fen(500_000), group) == fen(365_450)
    # owed 1,000,000, far above the ordinary cap:
    #   60,450 + 70,000 + 75,000 + 0.80 × 700,000 = 205,450 + 560,000 = 765,450 (no cap)
    assert pay(taian, fen(1_000_000), group) == fen(765_450)
    assert pay(taian, fen(1_000_000), group) > fen(400_000)


def test_taian_tilt_lists_only_the_two_groups_the_issue_names(programs: dict[str, Program]) -> None:
    # Whether Tai'an 2023 also tilts for 返贫致贫人口 is unconfirmed; until it is, they are paid as
    # ordinary residents (owed 500,000 → 336,600, as above).
    taian = programs["taian-ci"]
    assert pay(taian, fen(500_000), VulnerableGroup.RETURNED_TO_POVERTY) == fen(336_600)


def test_taian_version_by_date(programs: dict[str, Program]) -> None:
    taian = programs["taian-ci"]
    assert taian.version_on(dt.date(2023, 6, 30)).version == "2023"
    with pytest.raises(InvalidProgram):
        taian.version_on(dt.date(2022, 12, 31))


# ── Weihai ───────────────────────────────────────────────────────────────────────────────────────


def test_weihai(programs: dict[str, Program]) -> None:
    # D = 18,000; 60 % to 100,000; 65 % to 200,000; 70 % to 300,000; 75 % above; cap 400,000.
    weihai = programs["weihai-ci"]
    assert pay(weihai, fen(18_000)) == 0
    # owed 170,000: 0.60 × 82,000 + 0.65 × 70,000 = 49,200 + 45,500 = 94,700
    assert pay(weihai, fen(170_000)) == fen(94_700)
    # owed 500,000: 49,200 + 0.65 × 100,000 + 0.70 × 100,000 + 0.75 × 200,000
    #             = 49,200 + 65,000 + 70,000 + 150,000 = 334,200
    assert pay(weihai, fen(500_000)) == fen(334_200)
    # owed 600,000: 49,200 + 65,000 + 70,000 + 225,000 = 409,200 → capped at 400,000
    assert pay(weihai, fen(600_000)) == fen(400_000)


def test_weihai_declares_no_tilt_and_marks_its_bands_unconfirmed(programs: dict[str, Program]) -> None:
    parameters = programs["weihai-ci"].versions[-1].parameters
    assert parameters.tilts == ()
    assert all(not band.confirmed for band in parameters.bands)
    # without a tilt, a 特困 person is paid as anyone else
    assert pay(programs["weihai-ci"], fen(170_000), VulnerableGroup.EXTREME_POVERTY) == fen(94_700)


# ── the contrast example: bands measured above the deductible ────────────────────────────────────


def test_contrast_example_above_deductible(programs: dict[str, Program]) -> None:
    contrast = programs["example-contrast-ci"]
    parameters = contrast.versions[-1].parameters
    assert parameters.band_origin is BandOrigin.ABOVE_DEDUCTIBLE
    # ordinary, owed 100,000: above the line 100,000 − 30,404 = 69,596
    #   0.60 × 50,000 + 0.70 × 19,596 = 30,000 + 13,717.20 = 43,717.20
    assert pay(contrast, fen(100_000)) == 4_371_720
    # 特困, owed 100,000: D = 15,202; above the line 84,798
    #   0.65 × 50,000 + 0.75 × 34,798 = 32,500 + 26,098.50 = 58,598.50
    assert pay(contrast, fen(100_000), VulnerableGroup.EXTREME_POVERTY) == 5_859_850
    # Read with absolute edges instead, the 60 % band would be only 30,404–50,000:
    #   0.60 × 19,596 + 0.70 × 50,000 = 11,757.60 + 35,000 = 46,757.60
    absolute = parameters.model_copy(update={"band_origin": BandOrigin.ABSOLUTE})
    assert resolve_schedule(absolute).payout(0, fen(100_000)) == 4_675_760


# ── the parameter hash ───────────────────────────────────────────────────────────────────────────


def test_any_parameter_change_gives_a_new_hash(tmp_path: Path) -> None:
    original = (SHIPPED_DIR / "taian-ci.toml").read_text(encoding="utf-8")
    same = tmp_path / "taian-ci.toml"
    same.write_text(original, encoding="utf-8")
    changed = tmp_path / "taian-ci-changed.toml"
    changed.write_text(original.replace('cap = "40万元"', 'cap = "40.01万元"'), encoding="utf-8")

    def hash_of(path: Path) -> str:
        program = load_program(path)
        return program.parameter_hash(program.versions[-1])

    assert hash_of(same) == hash_of(SHIPPED_DIR / "taian-ci.toml")
    assert hash_of(changed) != hash_of(same)


# ── broken files: the error names the file and the key ───────────────────────────────────────────

_TAIAN = (SHIPPED_DIR / "taian-ci.toml").read_text(encoding="utf-8")
_TITLE_LINE = 'title = "泰安市城乡居民大病保险待遇标准（2023年度）"\n'

BROKEN = {
    "unknown-key": (
        _TAIAN.replace('cap = "40万元"', 'cap = "40万元"\nceiling = "40万元"'),
        "versions[0].parameters.ceiling",
    ),
    "bare-number": (
        _TAIAN.replace('deductible = "1.4万元"', "deductible = 14000"),
        "versions[0].parameters.deductible",
    ),
    "decreasing-edges": (
        _TAIAN.replace('upto = "200000 元"', 'upto = "90000 元"'),
        "upto",
    ),
    "missing-title": (
        _TAIAN.replace(_TITLE_LINE, ""),
        "versions[0].source.title",
    ),
}


def test_the_broken_copies_really_differ() -> None:
    assert _TITLE_LINE in _TAIAN
    for text, _ in BROKEN.values():
        assert text != _TAIAN


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_names_the_file_and_the_key(tmp_path: Path, case: str) -> None:
    text, key = BROKEN[case]
    path = tmp_path / f"broken-{case}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidProgram) as caught:
        load_program(path)
    error = caught.value
    assert error.code == "invalid_program"
    for message in (error.zh, error.en):
        assert path.name in message
        assert key in message
    assert "程序文件无效" in error.zh
    assert "invalid program file" in error.en


# ── Shandong 特惠保险 (supplementary medical after critical illness; example figures) ───────────


def test_tehui_supplementary_pays_each_group_by_its_terms(programs: dict[str, Program]) -> None:
    from anxin.domain.supplementary_medical import resolve_supplementary_schedule

    tehui = programs["shandong-tehui-supplementary"]
    parameters = tehui.versions[-1].parameters
    assert parameters.after == "shandong-ci" and programs["shandong-ci"].kind.value == "critical_illness"
    # every figure is an example until checked: the source and each set of terms say why
    assert not tehui.versions[-1].source.confirmed and not parameters.all_confirmed()
    assert all(terms.note.strip() and all(b.note.strip() for b in terms.bands) for terms in parameters.terms)

    def pays(group: VulnerableGroup | None, remaining_yuan: int) -> int:
        return resolve_supplementary_schedule(parameters, group).payout(0, fen(remaining_yuan))

    # 特困 / 低保 / 返贫致贫: no deductible, 90 %, cap 100,000
    # remaining 40,000 → 36,000; remaining 200,000 → 180,000 → capped at 100,000
    for group in (
        VulnerableGroup.EXTREME_POVERTY,
        VulnerableGroup.SUBSISTENCE_ALLOWANCE,
        VulnerableGroup.RETURNED_TO_POVERTY,
    ):
        assert pays(group, 40_000) == fen(36_000)
        assert pays(group, 200_000) == fen(100_000)
    # 脱贫 / 监测对象: deductible 3,000; 70 % to 50,000; 80 % above; cap 50,000
    # remaining 30,000 → 0.70 × 27,000 = 18,900
    # remaining 60,000 → 0.70 × 47,000 + 0.80 × 10,000 = 32,900 + 8,000 = 40,900
    # remaining 200,000 → 32,900 + 0.80 × 150,000 = 152,900 → capped at 50,000
    for group in (VulnerableGroup.LIFTED_OUT_OF_POVERTY, VulnerableGroup.POVERTY_MONITORED):
        assert pays(group, 30_000) == fen(18_900)
        assert pays(group, 60_000) == fen(40_900)
        assert pays(group, 200_000) == fen(50_000)
    # no group, or a group the program does not cover (低保边缘): nothing
    assert pays(None, 100_000) == 0
    assert pays(VulnerableGroup.LOW_INCOME_MARGINAL, 100_000) == 0


def test_tehui_supplementary_refuses_a_group_in_two_sets_of_terms(tmp_path: Path) -> None:
    text = (SHIPPED_DIR / "shandong-tehui-supplementary.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken-tehui.toml"
    broken.write_text(
        text.replace(
            'groups = ["lifted_out_of_poverty", "poverty_monitored"]', 'groups = ["extreme_poverty"]'
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidProgram) as caught:
        load_program(broken)
    assert "extreme_poverty" in caught.value.zh and "versions[0].parameters" in caught.value.en


def test_tehui_hash_ignores_notes_but_not_figures(tmp_path: Path) -> None:
    text = (SHIPPED_DIR / "shandong-tehui-supplementary.toml").read_text(encoding="utf-8")

    def hash_of(changed: str, name: str) -> str:
        path = tmp_path / f"{name}.toml"
        path.write_text(changed, encoding="utf-8")
        program = load_program(path)
        return program.parameter_hash(program.versions[-1])

    same = hash_of(text, "same")
    assert hash_of(text.replace("示例比例 90%，未核实", "另一条说明"), "note") == same
    assert hash_of(text.replace('ratio = "90%"', 'ratio = "91%"'), "ratio") != same
    assert hash_of(text.replace('cap = "5万元"', 'cap = "6万元"'), "cap") != same
