"""The year of a group-cover claims program, through the services and the CLI (import → run → pay →
report), on SQLite and PostgreSQL."""

from __future__ import annotations

from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.services.claims_adjudication import adjudicate_claims
from anxin.services.claims_reports import claims_summary_zh, claims_year_report
from anxin.store.program_files import shipped_programs

from .group_claims_support import GA, YEAR, load_group_programs


def test_claims_year_report_counts_claims_claimants_types_and_cities(database, tmp_path):
    load_group_programs(database, tmp_path)
    adjudicate_claims(database, shipped_programs()[GA])
    report = claims_year_report(database, GA, YEAR)
    assert (report.insured, report.claims, report.paid_claims, report.rejected_claims) == (3, 4, 3, 1)
    assert (report.claimants, report.paid_fen, report.average_per_claimant_fen) == (2, 330000, 165000)
    by_type = {s.key: (s.claims, s.paid_claims, s.paid_fen) for s in report.by_type}
    assert by_type == {
        "accident_medical": (2, 1, 100000),
        "hospital_allowance": (1, 1, 30000),
        "disability": (1, 1, 200000),
    }
    assert [(s.label, s.paid_fen, s.paid_share_bp) for s in report.by_city] == [("青岛市", 330000, 10000)]
    assert "受理理赔4件" in claims_summary_zh(report) and "赔付金额3300.00元" in claims_summary_zh(report)
    assert claims_year_report(database, GA, YEAR + 1).claims == 0


def test_cli_runs_pays_and_reports_a_group_program(database, tmp_path):
    load_group_programs(database, tmp_path)
    runner = CliRunner()
    run = runner.invoke(root, ["claims", "adjudicate", "-p", GA, "--year", str(YEAR)])
    assert run.exit_code == 0, run.output
    assert "3,300.00" in run.output
    paid = runner.invoke(root, ["pay", "batch", "-p", GA, "--actor", "clerk"])
    assert paid.exit_code == 0, paid.output
    assert "person" in paid.output
    report = runner.invoke(root, ["report", "year", "-p", GA, "-y", str(YEAR)])
    assert report.exit_code == 0, report.output
    assert "按理赔类型" in report.output and "3,300.00" in report.output
    wrong = runner.invoke(root, ["claims", "adjudicate", "-p", "taian-ci"])
    assert wrong.exit_code != 0


def test_claims_report_exports_to_xlsx_and_csv_audited(database, tmp_path):
    import polars as pl
    import sqlalchemy as sa

    from anxin.store.schema import AuditEntry

    load_group_programs(database, tmp_path)
    adjudicate_claims(database, shipped_programs()[GA])
    runner = CliRunner()
    workbook = tmp_path / "out" / "ga.xlsx"
    done = runner.invoke(root, ["report", "claims", "-p", GA, "-y", str(YEAR), "--out", str(workbook)])
    assert done.exit_code == 0, done.output
    assert "按理赔类型" in done.output and str(workbook.name) in done.output
    sheets = pl.read_excel(workbook, sheet_id=0)
    assert list(sheets) == ["总览", "理赔类型", "地市"]
    overview = dict(zip(sheets["总览"]["指标"], sheets["总览"]["数值"], strict=True))
    assert overview["赔付金额 paid"] == "3300.00" and overview["理赔件数 claims"] == "4"
    types = sheets["理赔类型"]
    paid = dict(zip(types["理赔类型代码"], types["赔付金额(元)"].cast(pl.Float64), strict=True))
    assert paid == {"accident_medical": 1000.0, "disability": 2000.0, "hospital_allowance": 300.0}
    # CSV: one file per table; `report year` on a claims program exports the same way.
    first = tmp_path / "csv" / "ga.csv"
    again = runner.invoke(
        root, ["report", "year", "-p", GA, "-y", str(YEAR), "-o", str(first), "--actor", "ann"]
    )
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in first.parent.iterdir()) == ["ga.csv", "ga_city.csv", "ga_type.csv"]
    cities = pl.read_csv(first.parent / "ga_city.csv")
    assert cities["赔付金额(元)"].to_list() == [3300.0] and cities["赔付金额占比(%)"].to_list() == [100.0]
    with database.session() as session:
        audited = session.execute(
            sa.select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.actor).where(
                AuditEntry.entity == "claims_year_report"
            )
        ).all()
    assert [(a, e, i) for a, e, i, _ in audited] == [("export", "claims_year_report", f"{GA}:{YEAR}")] * 2
    assert audited[1].actor == "ann"
    wrong = runner.invoke(root, ["report", "claims", "-p", "taian-ci", "-y", str(YEAR)])
    assert wrong.exit_code != 0 and "taian-ci" in wrong.output
