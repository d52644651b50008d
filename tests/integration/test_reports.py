"""The program-year report on a small hand-made year, every figure computed by hand below."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from anxin.cli import reports_cli
from anxin.domain.money import parse_yuan
from anxin.services.report_export import export_report
from anxin.services.reports import Share, count_cn, nearest_rank, program_year_report, summary_zh
from anxin.store.schema import AuditEntry, Payment, PaymentBatch
from anxin.store.tabular import read_table
from tests.conftest import TEST_KEY
from tests.integration.test_payments import PROGRAM, Books

UTC = dt.UTC


def hand_made_year(database) -> None:  # type: ignore[no-untyped-def]
    """Eight settlements of 2023 (A–H) and some that must not count.

    | setl | person | city (admdvs) | tier | group                 | base      | lines                       |
    | A    | p1     | 泰安 370902   | 3    | –                     | 1,000,000 | +300,000                    |
    | B    | p1     | 泰安 370902   | 2    | –                     |   500,000 | +100,000, −20,000           |
    | C    | p2     | 泰安 370983   | 3    | extreme_poverty       |   800,000 | +400,000                    |
    | D    | p3     | 济南 370102   | 1    | –                     |   200,000 | +30,000, −30,000            |
    | E    | p4     | 泰安 370902   | 3    | subsistence_allowance |   600,000 | +250,000                    |
    | F    | p5     | 泰安 370911   | 2    | –                     |   300,000 | +90,000 in review           |
    | G    | p6     | 济南 370102   | 3    | "" (blank)            |   400,000 | +103,001                    |
    | H    | p5     | 泰安 370902   | ""   | –                     |   100,000 | +20,000 rejected            |
    """
    books = Books(database)
    persons = [books.person((PROGRAM, 2023)) for _ in range(6)]
    p1, p2, p3, p4, p5, p6 = persons
    books.person((PROGRAM, 2022))  # enrolled another year
    other = books.person(("weihai-ci", 2023))  # enrolled in another program
    at = dt.datetime

    def settle(name, person, admdvs, tier, group, base, when):  # type: ignore[no-untyped-def]
        return books.settlement(name, person, base=base, admdvs=admdvs, hosp_lv=tier, idet=group, at=when)

    a = settle("A", p1, "370902", "3", None, 1_000_000, at(2023, 3, 1, 10))
    b = settle("B", p1, "370902", "2", None, 500_000, at(2023, 4, 1, 9))
    c = settle("C", p2, "370983", "3", "extreme_poverty", 800_000, at(2023, 5, 1, 15))
    d = settle("D", p3, "370102", "1", None, 200_000, at(2023, 6, 1, 8))
    e = settle("E", p4, "370902", "3", "subsistence_allowance", 600_000, at(2023, 7, 1, 11))
    f = settle("F", p5, "370911", "2", None, 300_000, at(2023, 8, 1, 16))
    g = settle("G", p6, "370102", "3", "", 400_000, at(2023, 9, 1, 7))
    h = settle("H", p5, "370902", "", None, 100_000, at(2023, 10, 1, 12))
    lines = {
        "A": books.line(a, p1, 300_000),
        "B": books.line(b, p1, 100_000),
        "B-": books.line(b, p1, -20_000, kind="adjustment"),
        "C": books.line(c, p2, 400_000),
        "D": books.line(d, p3, 30_000),
        "D-": books.line(d, p3, -30_000, kind="adjustment"),
        "E": books.line(e, p4, 250_000),
        "F": books.line(f, p5, 90_000, status="review"),
        "G": books.line(g, p6, 103_001),
        "H": books.line(h, p5, 20_000, status="rejected"),
    }
    books.line(
        settle("X", other, "370902", "3", None, 999_999, at(2023, 5, 5)), other, 77_777, program="weihai-ci"
    )
    books.line(settle("Y", p1, "370902", "3", None, 888_888, at(2022, 5, 5)), p1, 66_666, year=2022)
    # Payments in UTC; settlement times are Beijing wall time. Days = Beijing calendar days.
    paid_at = {
        "A": at(2023, 3, 5, 20, tzinfo=UTC),  # Beijing 03-06 04:00 → 5 days
        "B": at(2023, 4, 3, 1, tzinfo=UTC),  # → 2 days
        "B-": at(2023, 4, 2, 1, tzinfo=UTC),  # a recovery does not start the clock
        "C": at(2023, 5, 11, 2, tzinfo=UTC),  # → 10 days
        "D": at(2023, 6, 8, 2, tzinfo=UTC),  # → 7 days
        "E": at(2023, 7, 2, 2, tzinfo=UTC),  # → 1 day
        "G": at(2023, 9, 4, 2, tzinfo=UTC),  # → 3 days
    }
    batch = PaymentBatch(program_code=PROGRAM, payee="fund")
    books.session.add(batch)
    books.session.flush()
    amounts = {
        "A": 300_000,
        "B": 100_000,
        "B-": -20_000,
        "C": 400_000,
        "D": 30_000,
        "E": 250_000,
        "G": 103_001,
    }
    for name, when in paid_at.items():
        books.session.add(
            Payment(
                batch_id=batch.id,
                adjudication_id=lines[name],
                person_id=p1,
                amount_fen=amounts[name],
                created_at=when,
            )
        )
    books.commit()


CITY = (
    Share("3701", "济南市", 2, 1, 600_000, 103_001, 909, 2000),
    Share("3709", "泰安市", 6, 4, 3_300_000, 1_030_000, 9091, 8000),
)
TIER = (
    Share("", "未知", 1, 0, 100_000, 0, 0, 0),
    Share("1", "一级医院", 1, 0, 200_000, 0, 0, 0),
    Share("2", "二级医院", 2, 1, 800_000, 80_000, 706, 2000),
    Share("3", "三级医院", 4, 4, 2_800_000, 1_053_001, 9294, 8000),
)
GROUP = (
    Share("", "一般人员", 6, 3, 2_500_000, 483_001, 4263, 6000),
    Share("extreme_poverty", "特困人员", 1, 1, 800_000, 400_000, 3530, 2000),
    Share("subsistence_allowance", "低保对象", 1, 1, 600_000, 250_000, 2207, 2000),
)
SUMMARY = (
    "2023年度，泰安市城乡居民大病保险参保6人，共为5人次提供赔款1.13万元，赔付人数4人，人均2832.50元；"
    "其中特困人员、低保对象等困难人员2人次、6500.00元。自结算至支付，半数在3天内、九成在10天内完成。"
)


def test_the_year_report_equals_the_hand_computed_figures(database):
    hand_made_year(database)
    report = program_year_report(database, PROGRAM, 2023)
    assert report.program_name == "泰安市城乡居民大病保险"
    assert report.insured == 6
    assert report.settlements == 8
    assert report.eligible_fen == 3_900_000  # A–H
    assert report.paid_fen == 300_000 + 80_000 + 400_000 + 250_000 + 103_001 == 1_133_001
    assert report.person_times == 5  # A B C E G; D nets to 0, F in review, H rejected
    assert report.claimants == 4  # p1 p2 p4 p6
    assert report.average_per_claimant_fen == 283_250  # 1,133,001 / 4 = 283,250.25
    assert (report.review_lines, report.review_fen) == (1, 90_000)
    # shares: 103,001 × 10,000 / 1,133,001 = 909.1 bp; 1,030,000 → 9,090.9 → 9,091 bp
    assert report.by_city == CITY
    assert report.by_tier == TIER
    assert report.by_vulnerable == GROUP
    assert (report.vulnerable_person_times, report.vulnerable_paid_fen) == (2, 650_000)
    # days 1 2 3 5 7 10: median = 3rd of 6, 90th percentile = 6th (ceil 5.4)
    assert (report.turnaround_settlements, report.turnaround_median_days, report.turnaround_p90_days) == (
        6,
        3,
        10,
    )
    assert summary_zh(report) == SUMMARY


def test_an_empty_year_and_the_number_styles(database):
    report = program_year_report(database, "no-such-program", 2030)
    assert report.program_name == "no-such-program"
    assert (report.insured, report.paid_fen, report.average_per_claimant_fen, report.by_city) == (0, 0, 0, ())
    assert report.turnaround_median_days is None
    assert (
        summary_zh(report)
        == "2030年度，no-such-program参保0人，共为0人次提供赔款0.00元，赔付人数0人，人均0.00元。"
    )
    assert (count_cn(10_500), count_cn(9_999), count_cn(1_050_000), count_cn(144_000_000)) == (
        "1.05万",
        "9999",
        "105万",
        "1.44亿",
    )
    assert nearest_rank({4: 1, 1: 3}, 50) == 1 and nearest_rank({4: 1, 1: 3}, 90) == 4


def _rows(frame: pl.DataFrame) -> list[tuple]:
    """A breakdown re-read from a file, as Share values (amounts and shares parsed exactly)."""
    return [
        Share(
            key or "",
            label,
            int(n),
            int(times),
            parse_yuan(eligible),
            parse_yuan(paid),
            int(Decimal(share) * 100),
            int(Decimal(times_share) * 100),
        )
        for key, label, n, times, eligible, paid, share, times_share in frame.rows()
    ]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_exports_read_back_equal(database, tmp_path, suffix):
    hand_made_year(database)
    report = program_year_report(database, PROGRAM, 2023)
    written = export_report(report, tmp_path / f"year.{suffix}", db=database, actor="clerk")
    if suffix == "xlsx":
        assert written == [tmp_path / "year.xlsx"]

        def sheet(title: str) -> pl.DataFrame:
            return pl.read_excel(written[0], sheet_name=title, infer_schema_length=0)

        tables = {
            key: sheet(title)
            for key, title in [
                ("overview", "总览"),
                ("city", "地市"),
                ("tier", "医院等级"),
                ("vulnerable", "人员类别"),
            ]
        }
    else:
        names = ["year.csv", "year_city.csv", "year_tier.csv", "year_vulnerable.csv"]
        assert [p.name for p in written] == names
        tables = dict(zip(["overview", "city", "tier", "vulnerable"], map(read_table, written), strict=True))
    assert tables["city"].columns == [
        "地市代码",
        "地市",
        "结算笔数",
        "赔付人次",
        "合规费用(元)",
        "赔付金额(元)",
        "赔付金额占比(%)",
        "赔付人次占比(%)",
    ]
    assert tuple(_rows(tables["city"])) == CITY
    assert tuple(_rows(tables["tier"])) == TIER
    assert tuple(_rows(tables["vulnerable"])) == GROUP
    overview = dict(tables["overview"].select("指标", "数值").rows())
    assert parse_yuan(overview["赔付金额 paid"]) == 1_133_001
    assert parse_yuan(overview["人均赔付 average per claimant"]) == 283_250
    assert (
        overview["赔付人次 person-times"] == "5"
        and overview["支付用时90%分位 90th percentile turnaround"] == "10"
    )
    assert overview["摘要 summary"] == SUMMARY
    with database.session() as session:
        audit = session.query(AuditEntry).filter_by(action="export", entity="program_year_report").one()
    assert audit.actor == "clerk" and audit.entity_id == "taian-ci:2023"


def test_report_command_prints_tables_and_the_summary(database, tmp_path):
    hand_made_year(database)
    cli = typer.Typer()
    cli.add_typer(reports_cli.app, name="report")
    env = {"ANXIN_DATABASE_URL": database.settings.database_url, "ANXIN_SECRET_KEY": TEST_KEY}
    out = tmp_path / "year.xlsx"
    args = ["report", "year", "--program", PROGRAM, "--year", "2023", "--out", str(out), "--actor", "clerk"]
    result = CliRunner().invoke(cli, args, env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "".join(SUMMARY.split()) in "".join(result.output.split())
    for text in ("泰安市", "济南市", "三级医院", "特困人员", "11,330.01", "90.91%"):
        assert text in result.output
    assert out.exists()
    help_text = CliRunner().invoke(cli, ["report", "year", "--help"], env=env).output
    assert "项目年度数据" in help_text
