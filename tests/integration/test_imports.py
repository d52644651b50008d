"""Imports of persons and settlements on SQLite and PostgreSQL: formats, all-or-nothing, idempotence,
conflicts, reversals, protected ID numbers, and the ``anxin import`` commands."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from anxin.cli.imports_cli import app as import_app
from anxin.domain.errors import InvalidInput, InvalidRows
from anxin.domain.identity import check_character, mask, upgrade_legacy
from anxin.services.imports import (
    ImportConflict,
    UnknownImport,
    import_persons,
    import_problems,
    import_settlements,
)
from anxin.services.settlement_files import read_settlements
from anxin.store.schema import (
    Base,
    Enrollment,
    Group,
    Household,
    ImportBatch,
    Person,
    Settlement,
    VulnerableStatus,
)
from anxin.synth import generate_province, write_province

PROGRAM, YEAR = "taian-ci", 2023


def resident_id(birth: str, sequence: str, region: str = "370102") -> str:
    first17 = region + birth + sequence
    return first17 + check_character(first17)


#: Planted numbers: the tests look for them where they must never appear in plain text.
ALICE = resident_id("19800101", "124")  # female (even sequence)
BOB = resident_id("19750615", "135")  # male
CAROL_15 = "370102520304242"  # a legacy 15-digit number, upgraded on import (female)
CAROL = upgrade_legacy(CAROL_15)


def counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return {
            t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def province(tmp_path: Path, fmt: str, persons: int = 500) -> dict[str, Path]:
    return write_province(generate_province(persons=persons, seed=7, year=YEAR), tmp_path / fmt, fmt)


def write(frame: pl.DataFrame, path: Path) -> Path:
    if path.suffix == ".xlsx":
        frame.write_excel(path)
    else:
        frame.write_csv(path)
    return path


def people(tmp_path: Path, file_name: str = "people.csv", **changes: list) -> Path:
    columns = {
        "certno": [ALICE, BOB, CAROL_15],
        "psn_no": ["P1", "P2", "P3"],
        "name": ["李丽", "王强", "赵芳"],
        "phone": ["13800000001", "13800000002", ""],
        "vulnerable_group": ["低保", "", "特困"],
    }
    return write(pl.DataFrame(columns | changes), tmp_path / file_name)


def claims(tmp_path: Path, rows: list[tuple], name: str = "claims.csv") -> Path:
    header = ["setl_id", "psn_no", "setl_time", "inscp_scp_amt", "hifp_pay", "reverses_setl_id"]
    return write(pl.DataFrame(rows, schema=header, orient="row"), tmp_path / name)


def test_synthetic_province_csv_imports_and_the_same_files_again_change_nothing(database, tmp_path):
    paths = province(tmp_path, "csv")
    calls: list[tuple[int, int]] = []
    summary = import_persons(
        database,
        paths["persons"],
        program_code=PROGRAM,
        year=YEAR,
        progress=lambda d, t: calls.append((d, t)),
    )
    source = pl.read_csv(paths["persons"], infer_schema=False)
    assert (summary.rows, summary.inserted, summary.unchanged) == (500, 500, 0)
    assert summary.counts["vulnerable_statuses"] == source["vulnerable_group"].drop_nulls().len() > 0
    assert calls and calls[-1][0] == calls[-1][1] == sum(summary.counts.values())

    settled = import_settlements(database, paths["settlements"])
    expected = read_settlements(paths["settlements"]).frame
    assert settled.inserted == expected.height == settled.counts["settlements"]
    with database.engine.connect() as connection:
        base = connection.execute(sa.select(sa.func.sum(Settlement.base_fen))).scalar_one()
        enrolled = connection.execute(
            sa.select(Enrollment.covered_from, Enrollment.covered_to).distinct()
        ).all()
        first = source.row(0, named=True)
        person = connection.execute(
            sa.select(Person).where(Person.id_hash == database.protector.lookup_hash(first["certno"]))
        ).one()
    assert base == expected["base_fen"].sum()
    assert enrolled == [(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))]
    assert database.protector.decrypt(person.id_cipher) == first["certno"]
    assert (person.id_masked, person.sex, str(person.birth_date)) == (
        mask(first["certno"]),
        first["sex"],
        first["birth_date"],
    )

    before = counts(database)
    again = import_persons(database, paths["persons"], program_code=PROGRAM, year=YEAR)
    settled_again = import_settlements(database, paths["settlements"])
    assert again.already_imported and settled_again.already_imported
    assert (again.import_id, again.inserted, again.unchanged) == (summary.import_id, 0, 500)
    assert "已于" in settled_again.note_zh
    assert counts(database) == before


def test_parquet_and_the_same_rows_in_another_format_are_unchanged(database, tmp_path):
    parquet, csv = province(tmp_path, "parquet"), province(tmp_path, "csv")
    import_persons(database, parquet["persons"], program_code=PROGRAM, year=YEAR)
    first = import_settlements(database, parquet["settlements"])
    data_tables = {k: v for k, v in counts(database).items() if k not in ("import_batches", "audit_log")}

    persons = import_persons(database, csv["persons"], program_code=PROGRAM, year=YEAR)
    settlements = import_settlements(database, csv["settlements"])
    assert (persons.inserted, persons.unchanged) == (0, 500)
    assert (settlements.inserted, settlements.unchanged) == (0, first.rows)
    assert not settlements.already_imported
    assert {k: v for k, v in counts(database).items() if k in data_tables} == data_tables

    next_year = import_persons(database, parquet["persons"], program_code=PROGRAM, year=YEAR + 1)
    assert (next_year.inserted, next_year.counts["persons"], next_year.counts["enrollments"]) == (500, 0, 500)


def test_excel_with_chinese_headers_households_groups_and_legacy_ids(database, tmp_path):
    roster = pl.DataFrame(
        {
            "身份证号": [ALICE, CAROL_15],
            "人员编号": ["P1", "P3"],
            "姓名": ["李丽", "赵芳"],
            "性别": ["女", "女"],
            "出生日期": ["1980-01-01", "1952-03-04"],
            "困难人员类别": ["低保对象", ""],
            "缴费金额": ["380.00", ""],
            "户编号": ["H1", "H1"],
            "村": ["大王庄村", ""],
        }
    )
    summary = import_persons(
        database, write(roster, tmp_path / "花名册.xlsx"), program_code="basic", year=YEAR, premium="350.5"
    )
    same = import_persons(
        database, write(roster, tmp_path / "花名册.csv"), program_code="basic", year=YEAR, premium="350.5"
    )
    assert (same.already_imported, same.inserted, same.unchanged) == (False, 0, 2)
    assert summary.counts == {
        "households": 1,
        "groups": 1,
        "persons": 2,
        "enrollments": 2,
        "vulnerable_statuses": 1,
        "group_members": 1,
    }
    with database.session() as session:
        carol = session.scalars(
            sa.select(Person).where(Person.id_hash == database.protector.lookup_hash(CAROL))
        ).one()
        premiums = dict(session.execute(sa.select(Enrollment.person_id, Enrollment.premium_fen)).all())
        status = session.scalars(sa.select(VulnerableStatus)).one()
        household = session.scalars(sa.select(Household)).one()
        group = session.scalars(sa.select(Group)).one()
        enrolment_groups = set(session.scalars(sa.select(Enrollment.group_id)))
    assert (carol.sex, carol.birth_date, carol.household_id) == ("female", dt.date(1952, 3, 4), household.id)
    assert sorted(premiums.values()) == [35050, 38000]
    assert (status.group_code, status.valid_from, status.valid_to) == (
        "subsistence_allowance",
        dt.date(YEAR, 1, 1),
        None,
    )
    assert (group.kind, group.name, enrolment_groups) == ("village", "大王庄村", {group.id, None})

    sheet = pl.DataFrame(
        {
            "结算ID": ["S1", "S2"],
            "证件号码": [ALICE, CAROL],
            "结算时间": ["2023-03-01 10:00:00", "2023-04-01 09:00:00"],
            "符合政策范围金额": ["25000.00", "1000.10"],
            "基本医疗保险统筹基金支出": ["18000.00", "500.00"],
            "居民大病保险资金支出": ["1234.56", ""],
        }
    )
    settled = import_settlements(database, write(sheet, tmp_path / "结算.xlsx"))
    assert settled.inserted == 2
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                Settlement.setl_id, Settlement.psn_no, Settlement.base_fen, Settlement.hifmi_fen
            ).order_by(Settlement.setl_id)
        ).all()
    assert rows == [("S1", "P1", 700000, 123456), ("S2", "P3", 50010, None)]


def test_one_bad_row_imports_nothing_and_its_problem_is_kept(database, tmp_path):
    wrong = ALICE[:-1] + ("0" if ALICE[-1] != "0" else "1")
    with pytest.raises(InvalidRows) as caught:
        import_persons(
            database, people(tmp_path, certno=[BOB, wrong, CAROL_15]), program_code=PROGRAM, year=YEAR
        )
    assert caught.value.total == 1
    data = counts(database)
    assert data["persons"] == data["enrollments"] == data["vulnerable_statuses"] == 0
    with database.engine.connect() as connection:
        batch = connection.execute(sa.select(ImportBatch)).one()
    assert (batch.status, batch.problems) == ("rejected", 1)
    [problem] = import_problems(database, batch.id)
    assert (problem.row, problem.column, problem.value) == (3, "certno", mask(wrong))
    assert "身份证号码无效" in problem.reason_zh and "invalid resident ID" in problem.reason_en
    with pytest.raises(UnknownImport):
        import_problems(database, batch.id + 100)
    with pytest.raises(InvalidInput, match="certno"):
        import_persons(
            database,
            write(pl.DataFrame({"姓名": ["李丽"]}), tmp_path / "x.csv"),
            program_code=PROGRAM,
            year=YEAR,
        )
    assert [p.row for p in import_problems(database, batch.id + 1)] == [0]

    import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR)
    bad_amount = [
        ("S1", "P1", "2023-03-01 10:00:00", "100.00", "10.00", ""),
        ("S2", "P2", "2023-03-02", "1.234", "0", ""),
    ]
    with pytest.raises(InvalidRows) as caught:
        import_settlements(database, claims(tmp_path, bad_amount))
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "inscp_scp_amt")]
    assert counts(database)["settlements"] == 0


def test_unknown_person_in_settlements_is_a_row_problem(database, tmp_path):
    import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR)
    rows = [
        ("S1", "P1", "2023-03-01 10:00:00", "100.00", "10.00", ""),
        ("S2", "P9", "2023-03-02", "50", "0", ""),
    ]
    with pytest.raises(InvalidRows) as caught:
        import_settlements(database, claims(tmp_path, rows))
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "psn_no", "P9")
    assert problem.reason_zh == "参保人不存在，请先导入参保人"
    assert counts(database)["settlements"] == 0
    assert [p.row for p in import_problems(database, caught.value.import_id)] == [3]


def test_conflicting_reimport_is_rejected_whole(database, tmp_path):
    import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR)
    before = counts(database)
    with pytest.raises(InvalidRows) as caught:
        import_persons(
            database,
            people(tmp_path, "people2.csv", name=["李丽", "王刚", "赵芳"]),
            program_code=PROGRAM,
            year=YEAR,
        )
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "name", "王*")
    assert "与已导入记录不一致" in problem.reason_zh
    with pytest.raises(InvalidRows) as caught:
        import_persons(
            database, people(tmp_path, "people3.csv"), program_code=PROGRAM, year=YEAR, premium="10"
        )
    assert caught.value.total == 3 and caught.value.problems[0].value == "10.00"

    first = [("S1", "P1", "2023-03-01 10:00:00", "100.00", "10.00", "")]
    import_settlements(database, claims(tmp_path, first))
    changed = [("S1", "P1", "2023-03-01 10:00:00", "100.00", "20.00", "")]
    with pytest.raises(InvalidRows) as caught:
        import_settlements(database, claims(tmp_path, changed, "changed.csv"))
    columns = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert columns == {(2, "inscp_scp_amt", "80.00"), (2, "hifp_pay", "20.00")}
    after = counts(database)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "settlements": 1,
        "import_batches": 4,
        "import_problems": 6,
        "audit_log": 4,
    }


def test_a_key_stored_by_someone_else_meanwhile_rolls_the_whole_file_back(database, tmp_path, monkeypatch):
    import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR)
    before = counts(database)
    blind = lambda connection, statement, column, keys, schema, **kw: pl.DataFrame(schema=schema)  # noqa: E731
    monkeypatch.setattr("anxin.services.imports.person_plan.select_by_keys", blind)
    with pytest.raises(ImportConflict):  # the plan saw nothing stored: the unique keys stop the writes
        import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR + 1)
    assert counts(database) == before


def test_reversals_name_a_stored_or_earlier_settlement_of_the_same_person(database, tmp_path):
    import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR)
    import_settlements(
        database, claims(tmp_path, [("S1", "P1", "2023-03-01 10:00:00", "100.00", "10.00", "")])
    )
    good = [
        ("R1", "P1", "2023-03-05 10:00:00", "-100.00", "-10.00", "S1"),
        ("S2", "P2", "2023-03-06 10:00:00", "50.00", "5.00", ""),
        ("R2", "P2", "2023-03-07 10:00:00", "-50.00", "-5.00", "S2"),
    ]
    assert import_settlements(database, claims(tmp_path, good, "good.csv")).inserted == 3
    with database.engine.connect() as connection:
        reversed_ = dict(connection.execute(sa.select(Settlement.setl_id, Settlement.reverses_setl_id)).all())
        base = connection.execute(
            sa.select(Settlement.base_fen).where(Settlement.setl_id == "R1")
        ).scalar_one()
    assert reversed_ == {"S1": None, "R1": "S1", "S2": None, "R2": "S2"} and base == -9000

    bad = [
        ("R3", "P1", "2023-03-08 10:00:00", "-1.00", "0", "S9"),  # unknown original
        ("R4", "P1", "2023-03-08 10:00:00", "-1.00", "0", "S5"),  # original comes later
        ("S5", "P1", "2023-03-09 10:00:00", "1.00", "0", ""),
        ("R5", "P2", "2023-03-08 10:00:00", "-1.00", "0", "S1"),  # another person's, and already reversed
        ("R6", "P1", "2023-03-08 10:00:00", "-1.00", "0", "R6"),  # itself
    ]
    with pytest.raises(InvalidRows) as caught:
        import_settlements(database, claims(tmp_path, bad, "bad.csv"))
    found = sorted((p.row, p.reason_en) for p in caught.value.problems)
    assert [row for row, _ in found] == [2, 3, 5, 5, 6]
    assert (
        "already reversed" in found[3][1] + found[2][1] and "different persons" in found[2][1] + found[3][1]
    )
    assert counts(database)["settlements"] == 4


def test_no_id_number_in_the_database_logs_or_output(database, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    import_persons(database, people(tmp_path), program_code=PROGRAM, year=YEAR)
    by_id = tmp_path / "by-id.csv"
    pl.DataFrame(
        {
            "setl_id": ["S1", "S2"],
            "certno": [BOB, CAROL],
            "setl_time": ["2023-03-01"] * 2,
            "eligible_owed": ["9", "8"],
        }
    ).write_csv(by_id)
    import_settlements(database, by_id)
    rejected = people(tmp_path, "bad.csv", certno=[ALICE, BOB, BOB])  # duplicate
    with pytest.raises(InvalidRows) as caught:
        import_persons(database, rejected, program_code=PROGRAM, year=YEAR + 1)
    conflicting = people(tmp_path, "conflict.csv", phone=["13800000009", "13800000002", ""])
    with pytest.raises(InvalidRows):
        import_persons(database, conflicting, program_code=PROGRAM, year=YEAR)
    assert "SELECT" in caplog.text  # statements and their parameters were logged: none shows a number
    shown = caplog.text + str(caught.value) + repr(caught.value.problems)
    stored = _every_stored_value(database)
    for number in (ALICE, BOB, CAROL, CAROL_15):
        assert number not in shown and number not in stored
    if database.dialect == "sqlite":
        path = Path(database.engine.url.database)
        files = (path, path.with_name(path.name + "-wal"))
        data = b"".join(file.read_bytes() for file in files if file.exists())
        assert "李丽".encode() in data  # the grep sees what is stored …
        assert all(n.encode() not in data for n in (ALICE, BOB, CAROL, CAROL_15))  # … and no ID number


def test_id_numbers_in_file_names_or_personnel_numbers_are_not_stored(database, tmp_path):
    named = people(tmp_path, f"{BOB}.csv")
    summary = import_persons(database, named, program_code=PROGRAM, year=YEAR)
    assert summary.file_name == f"{mask(BOB)}.csv"
    with pytest.raises(InvalidRows) as caught:
        import_persons(
            database,
            people(tmp_path, "ids.csv", psn_no=["P1", BOB, "P3"]),
            program_code=PROGRAM,
            year=YEAR + 1,
        )
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(3, "psn_no", mask(BOB))]
    with pytest.raises(InvalidRows) as caught:
        import_settlements(
            database, claims(tmp_path, [("S1", ALICE, "2023-03-01", "1", "0", "")], f"{ALICE}.csv")
        )
    assert caught.value.problems[0].value == mask(ALICE)
    assert all(n not in _every_stored_value(database) for n in (ALICE, BOB))


def _every_stored_value(db) -> str:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return repr([connection.execute(sa.select(t)).all() for t in Base.metadata.sorted_tables])


def test_cli_imports_with_progress_error_report_and_problems(database, tmp_path):
    root = typer.Typer()
    root.add_typer(import_app, name="import")
    runner = CliRunner()
    ok = runner.invoke(
        root, ["import", "persons", str(people(tmp_path)), "--program", PROGRAM, "--year", str(YEAR)]
    )
    assert ok.exit_code == 0, ok.output
    assert "导入批次" in ok.output and "3" in ok.output
    again = runner.invoke(root, ["import", "persons", str(people(tmp_path)), "-p", PROGRAM, "-y", str(YEAR)])
    assert again.exit_code == 0 and "本次未做任何更改" in again.output

    rows = [
        ("S1", "P1", "2023-03-01 10:00:00", "100.00", "10.00", ""),
        ("S2", "P7", "2023-03-02", "50", "0", ""),
    ]
    report = tmp_path / "report.xlsx"
    bad = runner.invoke(root, ["import", "settlements", str(claims(tmp_path, rows)), "--errors", str(report)])
    assert bad.exit_code == 2
    assert pl.read_excel(report)["行号"].to_list() == [3]
    with database.engine.connect() as connection:
        rejected = connection.execute(
            sa.select(ImportBatch.id).where(ImportBatch.status == "rejected")
        ).scalar_one()
    out = tmp_path / "problems.csv"
    listed = runner.invoke(root, ["import", "problems", str(rejected), "--out", str(out)])
    assert listed.exit_code == 0, listed.output
    assert pl.read_csv(out)["原因"].to_list() == ["参保人不存在，请先导入参保人"]
    good = runner.invoke(root, ["import", "settlements", str(claims(tmp_path, rows[:1], "ok.csv"))])
    assert good.exit_code == 0, good.output
    everything = ok.output + again.output + bad.output + listed.output + good.output
    assert all(number not in everything for number in (ALICE, BOB, CAROL, CAROL_15))
