"""Long-term care imports on SQLite and PostgreSQL: assessments, care providers and care bills with
Chinese headers; idempotent (file and rows); all or nothing with every bad cell named; stored records
never change; corrections only as new bills naming the bill they replace."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import InvalidInput, InvalidRows
from anxin.services.imports import import_assessments, import_care_bills, import_persons, import_providers
from anxin.store.schema import CareAssessment, CareBill, CareProvider, ImportBatch

from .care_support import RESIDENT, YEAR, bills_frame, files, load, scenario
from .group_claims_support import GA, write


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_the_registers_and_bills_import_once_with_chinese_headers(database, tmp_path):
    case = scenario("domain-payment-table")
    paths = load(database, case, tmp_path)
    assert (count(database, CareProvider), count(database, CareAssessment), count(database, CareBill)) == (
        4,
        8,
        8,
    )
    with database.engine.connect() as connection:
        h1 = connection.execute(sa.select(CareProvider).where(CareProvider.provider_code == "H1")).one()
        n1 = connection.execute(sa.select(CareProvider).where(CareProvider.provider_code == "N1")).one()
        level = connection.scalar(
            sa.select(CareAssessment.level).where(CareAssessment.assessment_no == "A-2")
        )
        b8 = connection.execute(sa.select(CareBill).where(CareBill.bill_no == "B8")).one()
    assert (h1.tier, h1.service_types) == (1, "hospital_special_care")
    assert (n1.tier, n1.service_types) == (None, "family_care,home_visit,institutional_care")
    assert level == 5  # 重度失能Ⅲ级 on the national scale
    assert (str(b8.month), str(b8.service_from), str(b8.service_to), b8.days, b8.cost_fen) == (
        "2023-03-01", "2023-03-01", "2023-03-03", 3, 10001,
    )  # fmt: skip
    # the same file again: reported as imported; the same rows in another file: nothing new
    again = import_care_bills(database, paths["bills"], program_code=RESIDENT)
    assert again.already_imported
    as_excel = write(pl.read_csv(paths["bills"], infer_schema=False), tmp_path / "bills.xlsx")
    rows = import_care_bills(database, as_excel, program_code=RESIDENT)
    assert (rows.inserted, rows.unchanged) == (0, 8)
    as_parquet = write(
        pl.read_csv(paths["assessments"], infer_schema=False), tmp_path / "assessments.parquet"
    )
    assert import_assessments(database, as_parquet).unchanged == 8
    assert count(database, CareBill) == 8 and count(database, CareAssessment) == 8


def test_a_bad_row_imports_nothing_and_names_every_bad_cell(database, tmp_path):
    case = scenario("domain-payment-table")
    paths = files(case, tmp_path)
    import_persons(database, paths["roster"], program_code=RESIDENT, year=YEAR)
    frame = bills_frame(case["bills"][:3]).with_columns(
        服务类型=pl.Series(["医疗专护", "洗澡", "医疗专护"]),
        护理天数=pl.Series(["30", "31", "40"]),
        护理月份=pl.Series(["2023-03", "2023年3月", "2023-13"]),
    )
    with pytest.raises(InvalidRows) as caught:
        import_care_bills(database, write(frame, tmp_path / "bad.csv"), program_code=RESIDENT)
    found = sorted((p.row, p.column) for p in caught.value.problems)
    assert found == [(3, "服务类型"), (4, "护理天数"), (4, "护理月份")]
    assert count(database, CareBill) == 0
    with database.engine.connect() as connection:
        statuses = connection.execute(sa.select(ImportBatch.kind, ImportBatch.status)).all()
    assert ("care_bills", "rejected") in [tuple(s) for s in statuses]
    # an unknown person: the whole file is refused, the ID number masked in the problem
    unknown = (
        bills_frame(case["bills"][:1]).drop("人员编号").with_columns(证件号码=pl.lit("110101199003077777"))
    )
    with pytest.raises(InvalidRows) as missing:
        import_care_bills(database, write(unknown, tmp_path / "unknown.csv"), program_code=RESIDENT)
    assert missing.value.problems[0].value == "1101**********7777"
    early = bills_frame(case["bills"][:1]).with_columns(
        护理月份=pl.lit("2022-12"), 护理开始日期=pl.lit("2022-12-01"), 护理结束日期=pl.lit("2022-12-30")
    )
    with pytest.raises(InvalidRows) as before:
        import_care_bills(database, write(early, tmp_path / "early.csv"), program_code=RESIDENT)
    assert [(p.row, p.column) for p in before.value.problems] == [(2, "护理月份")]
    with pytest.raises(InvalidInput) as wrong:
        import_care_bills(database, paths["bills"], program_code=GA)
    assert wrong.value.code == "wrong_program_kind"


def test_providers_and_assessments_are_checked_and_never_changed(database, tmp_path):
    case = scenario("domain-payment-table")
    paths = load(database, case, tmp_path)
    providers = pl.DataFrame(
        {"机构编码": ["H9", "H1"], "机构名称": ["某医院", "某镇卫生院（一级）"], "服务类型": ["医疗专护", "医疗专护"],
         "医院等级": ["", "二级"]}
    )  # fmt: skip
    with pytest.raises(InvalidRows) as caught:
        import_providers(database, write(providers, tmp_path / "providers-bad.csv"))
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "医院等级")]
    assert "hospital tier" in caught.value.problems[0].reason_en
    with pytest.raises(InvalidRows) as changed:  # a stored provider with another tier
        import_providers(database, write(providers.slice(1), tmp_path / "providers-changed.csv"))
    assert [(p.row, p.column) for p in changed.value.problems] == [(2, "机构编码")]
    assert "conflicts" in changed.value.problems[0].reason_en
    assessments = pl.DataFrame(
        {"评估编号": ["A-0", "A-new", "A-b"], "人员编号": ["P1", "P2", "P3"],
         "评估日期": ["2023-01-10", "2023-01-10", "2023-05-01"], "失能等级": ["2", "重度失能Ⅱ级", "重度依赖"],
         "评估方法": ["国家标准", "国家标准", "Barthel"], "Barthel评分": ["", "", "35"]}
    )  # fmt: skip
    with pytest.raises(InvalidRows) as clash:
        import_assessments(database, write(assessments, tmp_path / "assessments-bad.csv"))
    assert sorted((p.row, p.column) for p in clash.value.problems) == [(2, "评估编号"), (3, "评估日期")]
    barthel = import_assessments(database, write(assessments.slice(2), tmp_path / "barthel.csv"))
    assert barthel.inserted == 1
    with database.engine.connect() as connection:
        stored = connection.execute(
            sa.select(CareAssessment.method, CareAssessment.level, CareAssessment.barthel_score).where(
                CareAssessment.assessment_no == "A-b"
            )
        ).one()
    assert tuple(stored) == ("barthel", 3, 35)
    with pytest.raises(sa.exc.DBAPIError), database.engine.begin() as connection:
        connection.execute(sa.update(CareBill).values(days=1))
    with pytest.raises(sa.exc.DBAPIError), database.engine.begin() as connection:
        connection.execute(sa.delete(CareAssessment))
    assert paths["bills"].exists()


def test_a_correcting_bill_must_name_a_bill_of_the_same_person_and_month(database, tmp_path):
    case = scenario("month-days-limit")
    load(database, case, tmp_path)
    fix = [
        {**case["bills"][0], "id": "B1-C", "days": 10, "cost": "800.00", "replaces": "B1"},
        {**case["bills"][1], "id": "B2-C", "replaces": "B3"},  # B3 is P2's bill
        {**case["bills"][1], "id": "B2-D", "replaces": "NOPE"},
    ]
    with pytest.raises(InvalidRows) as caught:
        import_care_bills(database, write(bills_frame(fix), tmp_path / "fix-bad.csv"), program_code=RESIDENT)
    assert sorted((p.row, p.reason_en) for p in caught.value.problems) == [
        (3, "the bill replaced must be of the same program, person and month"),
        (4, "the bill to replace does not exist"),
    ]
    assert (
        import_care_bills(
            database, write(bills_frame(fix[:1]), tmp_path / "fix.csv"), program_code=RESIDENT
        ).inserted
        == 1
    )
    twice = [{**fix[0], "id": "B1-D"}]
    with pytest.raises(InvalidRows) as again:
        import_care_bills(database, write(bills_frame(twice), tmp_path / "fix-2.csv"), program_code=RESIDENT)
    assert again.value.problems[0].reason_en == "that bill was already replaced by another bill"


def test_cli_imports_the_three_files(database, tmp_path):
    case = scenario("domain-payment-table")
    paths = files(case, tmp_path)
    runner = CliRunner()
    roster = runner.invoke(root, ["import", "persons", str(paths["roster"]), "-p", RESIDENT, "-y", str(YEAR)])
    assert roster.exit_code == 0, roster.output
    for command, path, extra in (
        ("providers", paths["providers"], []),
        ("assessments", paths["assessments"], []),
        ("care-bills", paths["bills"], ["-p", RESIDENT]),
    ):
        result = runner.invoke(root, ["import", command, str(path), *extra])
        assert result.exit_code == 0, result.output
        assert "新增 inserted" in result.output
    bad = write(
        bills_frame(case["bills"][:1]).with_columns(护理费用=pl.lit("-1")), tmp_path / "bad-bills.csv"
    )
    failed = runner.invoke(root, ["import", "care-bills", str(bad), "-p", RESIDENT])
    assert failed.exit_code == 2 and "护理费用" in failed.output
