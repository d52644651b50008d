"""Enrolment checks when a group roster is imported (SQLite and PostgreSQL): units per person, the
group rule of 女性安康 (≥ 8 insured and ≥ 75 % of the eligible staff, counting members already
stored), ages and sex of the persons covered; a failing file imports nothing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import InvalidRows
from anxin.services.imports import import_persons
from anxin.services.imports import persons as persons_module
from anxin.store.program_files import SHIPPED_DIR, load_program, shipped_programs
from anxin.store.schema import Enrollment, Group, GroupMember, Person

from .group_claims_support import GA, OLD, SD, YEAR, resident_id, write

FACTORY, SHOP = "哈尔滨某厂", "齐齐哈尔某店"


def women(count: int, start: int = 0, born: str = "198506") -> list[str]:
    """``count`` different women (an even sequence digit) born in 1985, in Harbin."""
    return [resident_id(f"{born}{i % 28 + 1:02d}", f"{i // 28 + 1:02d}{2 * (i % 5)}", "230102") for i in range(start, start + count)]  # fmt: skip


def roster(tmp_path: Path, numbers: list[str], employer: list[str], eligible: list[str | None] | None = None,
           units: list[str] | None = None, name: str = "roster.csv") -> Path:  # fmt: skip
    columns: dict[str, list] = {"证件号码": numbers, "单位": employer, "缴费来源": ["工会"] * len(numbers)}
    if units is not None:
        columns["份数"] = units
    if eligible is not None:
        columns["符合条件人数"] = eligible
    return write(pl.DataFrame(columns, schema={k: pl.String for k in columns}), tmp_path / name)


def stored(database) -> tuple[int, int, int]:
    with database.engine.connect() as c:
        return tuple(  # type: ignore[return-value]
            c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (Person, Enrollment, GroupMember)
        )


def rejected(database, path: Path, program: str = SD, year: int = 2024) -> InvalidRows:
    with pytest.raises(InvalidRows) as caught:
        import_persons(database, path, program_code=program, year=year)
    assert stored(database) == (0, 0, 0)  # nothing half-written
    return caught.value


def test_units_above_the_programs_most_per_person_reject_the_file(database, tmp_path, monkeypatch):
    text = (SHIPPED_DIR / f"{SD}.toml").read_text(encoding="utf-8")
    (tmp_path / f"{SD}.toml").write_text(text.replace('unit_premium = "20 元"\n', 'unit_premium = "20 元"\nmax_units = 3\n'))  # fmt: skip
    at_most_three = {**shipped_programs(), SD: load_program(tmp_path / f"{SD}.toml")}
    monkeypatch.setattr(persons_module, "shipped_programs", lambda: at_most_three)
    error = rejected(database, roster(tmp_path, women(3), [FACTORY] * 3, units=["3", "4", "12"]))
    assert [(p.row, p.column, p.value) for p in error.problems] == [(3, "份数", "4"), (4, "份数", "12")]
    assert "most per person (3)" in error.problems[0].reason_en and "最多 3 份" in error.problems[0].reason_zh
    zero = rejected(
        database, roster(tmp_path, women(3), [FACTORY] * 3, units=["3", "0", "1"], name="zero.csv")
    )
    assert [(p.row, p.column, p.value) for p in zero.problems] == [(3, "份数", "0")]
    assert "at least 1" in zero.problems[0].reason_en
    ok = import_persons(database, roster(tmp_path, women(3), [FACTORY] * 3, units=["3", "1", ""], name="ok.csv"),
                        program_code=SD, year=2024)  # fmt: skip
    assert ok.inserted == 3
    # The shipped program sets no most: 4 units are fine there.
    monkeypatch.undo()
    more = import_persons(database, roster(tmp_path, women(1, 10), [SHOP], units=["4"], name="more.csv"),
                          program_code=SD, year=2024)  # fmt: skip
    assert more.inserted == 1


def test_a_group_below_the_minimum_share_or_size_rejects_the_file_per_group(database, tmp_path):
    numbers = women(13)
    # 8 of 12 at the factory (66.7 %, below 75 %); 5 of 5 at the shop (fewer than 8).
    path = roster(
        tmp_path, numbers, [FACTORY] * 8 + [SHOP] * 5, ["12"] + [None] * 7 + ["5", "5", None, "", None]
    )
    error = rejected(database, path)
    assert [(p.row, p.column, p.value) for p in error.problems] == [(2, "符合条件人数", FACTORY), (10, "符合条件人数", SHOP)]  # fmt: skip
    factory, shop = error.problems
    assert factory.reason_zh.startswith(f"单位“{FACTORY}”不符合团体投保条件")
    assert "参保 8 人 / 符合条件 12 人，不低于 75%：不符合" in factory.reason_zh
    assert "8 insured, at least 8: met" in factory.reason_en and "8 of 12 eligible, at least 75%: not met" in factory.reason_en  # fmt: skip
    assert "5 insured, at least 8: not met" in shop.reason_en and "5 of 5 eligible, at least 75%: met" in shop.reason_en  # fmt: skip


def test_eligible_staff_must_be_given_once_per_group_consistently_and_cover_the_insured(database, tmp_path):
    numbers = women(12)
    path = roster(tmp_path, numbers[:10], [FACTORY] * 9 + [SHOP], ["10", "11"] + [None] * 8)
    error = rejected(database, path)
    assert [(p.row, p.value) for p in error.problems] == [(2, "10"), (3, "11"), (11, SHOP)]
    assert "different eligible staff" in error.problems[0].reason_en
    assert "gives no eligible staff" in error.problems[2].reason_en
    fewer = rejected(
        database, roster(tmp_path, numbers[:9], [FACTORY] * 9, ["8"] + [None] * 8, name="fewer.csv")
    )
    assert [(p.row, p.value) for p in fewer.problems] == [(2, FACTORY)]
    assert "eligible staff (8) fewer than the insured (9)" in fewer.problems[0].reason_en
    alone = rejected(database, roster(tmp_path, numbers[:1], [""], ["10"], name="alone.csv"))
    assert [(p.row, p.column) for p in alone.problems] == [(2, "符合条件人数")]
    bad = rejected(database, roster(tmp_path, numbers[:1], [FACTORY], ["十"], name="bad.csv"))
    assert "at least 1" in bad.problems[0].reason_en


def test_a_valid_group_imports_and_the_same_roster_twice_changes_nothing(database, tmp_path):
    numbers = women(9)
    path = roster(tmp_path, numbers[:8], [FACTORY] * 8, ["10"] * 8)  # 8 of 10: 80 %
    first = import_persons(database, path, program_code=SD, year=2024)
    assert (first.inserted, stored(database)) == (8, (8, 8, 8))
    assert import_persons(database, path, program_code=SD, year=2024).already_imported
    as_parquet = write(pl.read_csv(path, infer_schema=False), tmp_path / "same.parquet")
    again = import_persons(database, as_parquet, program_code=SD, year=2024)
    assert (again.inserted, again.unchanged, stored(database)) == (0, 8, (8, 8, 8))
    # One more member later: the 8 stored count with her, 9 of 12 = 75 % (alone she would be 1 of 12).
    later = roster(tmp_path, numbers[8:], [FACTORY], ["12"], name="later.csv")
    assert import_persons(database, later, program_code=SD, year=2024).inserted == 1
    too_many = roster(tmp_path, women(1, 20), [FACTORY], ["14"], name="too-many.csv")
    with pytest.raises(InvalidRows) as caught:
        import_persons(database, too_many, program_code=SD, year=2024)
    assert "10 of 14 eligible" in caught.value.problems[0].reason_en
    with database.engine.connect() as c:
        groups = c.execute(sa.select(Group.name, sa.func.count()).join(Enrollment).group_by(Group.name)).all()
    assert groups == [(FACTORY, 9)]
    # Another program year starts counting afresh: 1 of 12 is not enough.
    with pytest.raises(InvalidRows):
        import_persons(database, later, program_code=SD, year=2025)


def test_ages_and_sex_outside_the_cover_are_row_problems(database, tmp_path):
    man = resident_id("19850601", "011", "230102")
    old = resident_id("19630101", "022", "230102")  # 61 on 2024-01-01
    young = resident_id("20080102", "042", "230102")  # 15 on 2024-01-01 (16 the next day)
    error = rejected(database, roster(tmp_path, [man, old, young, *women(1)], [FACTORY] * 4))
    assert [(p.row, p.column, p.value) for p in error.problems] == [
        (2, "证件号码", "男"),
        (3, "证件号码", "61 岁"),
        (4, "证件号码", "15 岁"),
    ]
    assert "covers women only" in error.problems[0].reason_en
    assert "lowest 16 years, highest 60 years" in error.problems[1].reason_en
    assert "保险期间开始日年龄不在承保范围内" in error.problems[1].reason_zh
    # 银龄安康: 60 or older on the first day of cover (2023-12-01).
    turning = resident_id("19631202", "013")  # 59 on 2023-12-01
    frame = pl.DataFrame({"证件号码": [*OLD, turning], "出生日期": ["1950-01-01", "1955-03-03", "1948-05-05", "1963-12-02"]})  # fmt: skip
    ga = rejected(database, write(frame, tmp_path / "elderly.csv"), GA, YEAR)
    assert [(p.row, p.column, p.value) for p in ga.problems] == [(5, "出生日期", "59 岁")]
    assert (
        import_persons(
            database, write(frame.head(3), tmp_path / "ok.csv"), program_code=GA, year=YEAR
        ).inserted
        == 3
    )
