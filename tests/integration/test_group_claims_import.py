"""Group-cover rosters and claims into the database (SQLite and PostgreSQL): units and funders on
the enrolment, claims validated per row and field, idempotent, conflicts refused, the CLI."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import InvalidInput, InvalidRows
from anxin.services.imports import import_claims, import_persons
from anxin.store.schema import Claim, Enrollment, Group

from .group_claims_support import (
    GA,
    GA_ROWS,
    OLD,
    SD,
    WOMEN,
    YEAR,
    elderly_roster,
    ga_claims,
    sd_claims,
    women_roster,
    write,
)


def test_group_rosters_enrol_with_group_funder_premium_cover_and_units(database, tmp_path):
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    import_persons(database, women_roster(tmp_path), program_code=SD, year=2024)
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                Enrollment.program_code, Enrollment.funder, Enrollment.premium_fen, Enrollment.units,
                Enrollment.covered_from, Enrollment.covered_to, Group.kind,
            ).join(Group, Group.id == Enrollment.group_id).order_by(Enrollment.id)
        ).all()  # fmt: skip
    assert [(r[0], r[1], r[2], r[3], r[6]) for r in rows] == [
        (GA, "government", 2400, None, "village"),
        (GA, "government", 2400, None, "village"),
        (GA, "donor", 2400, None, "village"),
        (SD, "union", 4000, 2, "employer"),
        (SD, "union", 2000, 1, "employer"),
    ]
    assert str(rows[0][4]) == "2023-12-01" and str(rows[0][5]) == "2024-11-30"


def test_claims_import_once_and_again_changes_nothing(database, tmp_path):
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    first = import_claims(database, ga_claims(tmp_path), program_code=GA)
    assert (first.inserted, first.counts) == (4, {"claims": 4})
    again = import_claims(database, ga_claims(tmp_path), program_code=GA)
    assert again.already_imported
    as_parquet = write(pl.read_csv(ga_claims(tmp_path), infer_schema=False), tmp_path / "same.parquet")
    same = import_claims(database, as_parquet, program_code=GA)
    assert (same.inserted, same.unchanged) == (0, 4)
    with database.engine.connect() as connection:
        stored = connection.execute(
            sa.select(Claim.claim_no, Claim.claim_type, Claim.expense_fen, Claim.grades).order_by(
                Claim.claim_no
            )
        ).all()
    assert [tuple(c) for c in stored] == [
        ("GA-1", "accident_medical", 110000, ""),
        ("GA-2", "hospital_allowance", 0, ""),
        ("GA-3", "disability", 0, "10"),
        ("GA-4", "accident_medical", 50000, ""),
    ]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), database.engine.begin() as connection:
        connection.execute(sa.text("UPDATE claims SET expense_fen = 1"))


def test_bad_rows_are_reported_by_row_and_field_and_nothing_lands(database, tmp_path):
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    rows = [
        ("B-1", "Q1", "意外医疗", "2024-01-10", None, None, None, None, "abc"),
        ("B-2", "Q9", "身故", "2024-01-10", "2024-01-01", None, None, None, None),
        ("B-3", "Q2", "飞行", "2024-13-01", None, None, None, None, None),
        ("B-4", "Q2", "伤残", "2024-03-01", "2024-01-20", None, None, "11", None),
        ("B-4", "Q3", "住院津贴", "2024-03-01", None, "2024-03-05", "2024-03-01", None, None),
    ]
    with pytest.raises(InvalidRows) as caught:
        import_claims(database, ga_claims(tmp_path, rows), program_code=GA)
    found = {(p.row, p.column, p.reason_en) for p in caught.value.problems}
    assert (2, "事故日期", "required for this claim type") in found
    assert (2, "医疗费用", "not an amount like 380.00") in found
    assert (
        4,
        "理赔类型",
        next(p.reason_en for p in caught.value.problems if p.row == 4 and p.column == "理赔类型"),
    ) in found
    assert (4, "责任日期", "not a date like 2023-05-01") in found
    assert (5, "伤残等级", "grades are 1–10, several separated by commas") in found
    assert (6, "出院日期", "discharged before admitted") in found
    assert (6, "赔案号", "claim number appears more than once") in found
    assert all(p.reason_zh for p in caught.value.problems)
    with database.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Claim)).scalar_one() == 0
    # The person check runs once the cells are valid.
    with pytest.raises(InvalidRows) as unknown:
        import_claims(database, ga_claims(tmp_path, [rows[1]], "unknown.csv"), program_code=GA)
    assert [(p.row, p.column) for p in unknown.value.problems] == [(2, "人员编号")]
    assert "import persons first" in unknown.value.problems[0].reason_en


def test_conflicts_unenrolled_persons_and_wrong_program_kinds(database, tmp_path):
    import_persons(database, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    import_persons(database, women_roster(tmp_path), program_code=SD, year=2024)
    import_claims(database, ga_claims(tmp_path), program_code=GA)
    changed = [(*GA_ROWS[0][:-1], "1200.00")]
    with pytest.raises(InvalidRows) as caught:
        import_claims(database, ga_claims(tmp_path, changed, "changed.csv"), program_code=GA)
    assert "never changed" in caught.value.problems[0].reason_en
    with pytest.raises(InvalidRows) as other:
        import_claims(
            database, sd_claims(tmp_path, [("S-1", OLD[0], "2024-06-01", "breast_cancer")]), program_code=SD
        )
    assert "not enrolled" in other.value.problems[0].reason_en
    with pytest.raises(InvalidInput) as kind:
        import_claims(database, ga_claims(tmp_path), program_code="taian-ci")
    assert kind.value.code == "wrong_program_kind"
    ok = import_claims(
        database,
        sd_claims(tmp_path, [("S-1", WOMEN[0], "2024-06-01", "breast_cancer")], "ok.csv"),
        program_code=SD,
    )
    assert ok.inserted == 1


def test_cli_imports_claims_with_an_error_report(database, tmp_path):
    runner = CliRunner()
    roster = runner.invoke(
        root, ["import", "persons", str(elderly_roster(tmp_path)), "-p", GA, "-y", str(YEAR)]
    )
    assert roster.exit_code == 0, roster.output
    ok = runner.invoke(root, ["import", "claims", str(ga_claims(tmp_path)), "-p", GA])
    assert ok.exit_code == 0, ok.output
    assert "claims" in ok.output
    report = tmp_path / "errors.csv"
    bad = [("X-1", "Q1", "意外医疗", "2024-01-10", None, None, None, None, None)]
    failed = runner.invoke(
        root,
        ["import", "claims", str(ga_claims(tmp_path, bad, "bad.csv")), "-p", GA, "--errors", str(report)],
    )
    assert failed.exit_code != 0 and report.exists()


def test_migrations_give_exactly_the_models_schema(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from anxin.store.schema import Base

    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_units_of_a_stored_enrolment_cannot_change_and_xlsx_claims_with_chinese_words(database, tmp_path):
    import_persons(database, women_roster(tmp_path), program_code=SD, year=2024)
    frame = pl.read_csv(women_roster(tmp_path), infer_schema=False).with_columns(份数=pl.Series(["3", "1"]))
    with pytest.raises(InvalidRows) as caught:
        import_persons(database, write(frame, tmp_path / "more-units.csv"), program_code=SD, year=2024)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "份数")]
    frame = frame.with_columns(份数=pl.Series(["2", "份"]))
    with pytest.raises(InvalidRows) as bad_units:
        import_persons(database, write(frame, tmp_path / "bad-units.csv"), program_code=SD, year=2024)
    assert "at least 1" in bad_units.value.problems[0].reason_en
    rows = pl.DataFrame(
        {"赔案号": ["S-1"], "人员编号": ["W1"], "确诊日期": ["2024/06/01"], "疾病代码": ["breast_cancer"]}
    )
    summary = import_claims(database, write(rows, tmp_path / "claims.xlsx"), program_code=SD)
    assert summary.inserted == 1
    with database.engine.connect() as connection:
        stored = connection.execute(sa.select(Claim.claim_type, Claim.due_on, Claim.disease_code)).one()
    assert (stored[0], str(stored[1]), stored[2]) == ("specified_disease", "2024-06-01", "breast_cancer")
