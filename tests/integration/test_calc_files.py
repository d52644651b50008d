"""``anxin calc`` and ``anxin explain`` end to end on real CSV, Excel and Parquet files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from anxin.cli import app

runner = CliRunner()

#: The Shandong worked example split over two stays, a second person, and a tilted person.
ROWS = [
    # setl_id, psn_no, certno, setl_time, begndate, enddate, medfee, inscp, hifp, hifmi, category
    (
        "S1",
        "P1",
        "11010519491231002X",
        "2023-03-21 10:00:00",
        "2023-03-01",
        "2023-03-20",
        "260000.00",
        "250000.00",
        "180000.00",
        "30000.00",
        "",
    ),
    (
        "S2",
        "P1",
        "11010519491231002X",
        "2023-08-02 09:30:00",
        "2023-07-10",
        "2023-08-01",
        "150000.00",
        "140000.00",
        "40000.00",
        "57000.00",
        "",
    ),
    (
        "S3",
        "P2",
        "370102198501011236",
        "2023-05-05 11:00:00",
        "2023-05-01",
        "2023-05-04",
        "9000.00",
        "8000.00",
        "5000.00",
        "0.00",
        "",
    ),
    (
        "S4",
        "P3",
        "370102198001015555",
        "2023-06-06 08:00:00",
        "2023-06-01",
        "2023-06-05",
        "80000.00",
        "70000.00",
        "20000.00",
        "12345.00",
        "低保",
    ),
]
HEADERS = [
    "setl_id",
    "psn_no",
    "certno",
    "setl_time",
    "begndate",
    "enddate",
    "medfee_sumamt",
    "inscp_scp_amt",
    "hifp_pay",
    "hifmi_pay",
    "psn_idet_type",
]
HEADERS_ZH = [
    "结算ID",
    "人员编号",
    "证件号码",
    "结算时间",
    "入院日期",
    "出院日期",
    "医疗费总额",
    "符合政策范围金额",
    "基本医疗保险统筹基金支出",
    "居民大病保险资金支出",
    "人员身份类别",
]


def _fix_ids(rows):
    from anxin.domain.identity import check_character

    return [(*r[:2], r[2][:17] + check_character(r[2][:17]), *r[3:]) for r in rows]


def _frame(headers=HEADERS, rows=ROWS) -> pl.DataFrame:
    return pl.DataFrame(_fix_ids(rows), schema=headers, orient="row")


def _calc(tmp_path: Path, source: Path, out_name: str = "out.csv", *extra: str):
    out = tmp_path / out_name
    result = runner.invoke(app, ["calc", "-p", "shandong-ci", "-s", str(source), "-o", str(out), *extra])
    return result, out


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_calc_reproduces_87000_in_every_format(tmp_path, kind):
    source = tmp_path / f"settlements.{kind}"
    frame = _frame(HEADERS_ZH if kind == "xlsx" else HEADERS)
    if kind == "csv":
        frame.write_csv(source)
    elif kind == "xlsx":
        frame.write_excel(source)
    else:
        money = HEADERS[6:10]
        frame.with_columns([pl.col(c).cast(pl.Decimal(18, 2)) for c in money]).write_parquet(source)
    result, out = _calc(tmp_path, source, f"out.{kind}")
    assert result.exit_code == 0, result.output
    table = (
        pl.read_csv(out, infer_schema=False)
        if kind == "csv"
        else (
            pl.read_excel(out, infer_schema_length=0)
            if kind == "xlsx"
            else pl.read_parquet(out).cast(pl.String)
        )
    )
    by_id = {row["setl_id"]: row for row in table.iter_rows(named=True)}
    # P1: owed 70,000 then 100,000 → year total 170,000 → 87,000 in all.
    assert Decimal(by_id["S1"]["payout"]) == Decimal("30000.00")
    assert Decimal(by_id["S2"]["payout"]) == Decimal("57000.00")
    assert Decimal(by_id["S1"]["payout"]) + Decimal(by_id["S2"]["payout"]) == Decimal("87000.00")
    assert Decimal(by_id["S3"]["payout"]) == 0
    assert by_id["S1"]["certno"].startswith("1101**********")
    # the bureau agreed on S1, S2, S3 but not on S4
    assert [by_id[s]["bureau_differs"].lower() for s in ("S1", "S2", "S3", "S4")] == ["false"] * 3 + ["true"]


def test_calc_with_chinese_output_headers(tmp_path):
    source = tmp_path / "s.csv"
    _frame().write_csv(source)
    result, out = _calc(tmp_path, source, "out.csv", "--headers", "zh")
    assert result.exit_code == 0, result.output
    table = pl.read_csv(out, infer_schema=False)
    assert {"结算ID", "大病保险赔付", "第1段金额", "与医保记录不一致"} <= set(table.columns)
    assert "低保对象" not in table["倾斜政策"].to_list()  # Shandong 2014 has no tilt


def test_bad_rows_are_named_and_nothing_is_written(tmp_path):
    rows = list(ROWS)
    rows[1] = (*rows[1][:7], "140000.005", *rows[1][8:])  # S2: more precise than a fen
    rows[2] = (*rows[2][:3], "2023-13-45 11:00:00", *rows[2][4:])  # S3: no such date
    source = tmp_path / "bad.csv"
    _frame(rows=rows).write_csv(source)
    report = tmp_path / "errors.csv"
    result, out = _calc(tmp_path, source, "out.csv", "--errors", str(report))
    assert result.exit_code == 2
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv*"))  # no half-written temporary either
    assert "第 3 行" in result.output and "inscp_scp_amt" in result.output
    problems = pl.read_csv(report)
    assert problems.select("行号", "列").rows() == [(3, "inscp_scp_amt"), (4, "setl_time")]
    assert all("/" not in reason for reason in problems["原因"])  # Chinese reason column
    assert problems["reason"].str.contains("date|time").any()


def test_invalid_resident_id_is_rejected_and_masked(tmp_path):
    rows = list(ROWS)
    source = tmp_path / "bad-id.csv"
    frame = _frame(rows=rows).with_columns(
        pl.when(pl.col("setl_id") == "S3")
        .then(pl.lit("370102198501011230"))
        .otherwise(pl.col("certno"))
        .alias("certno")
    )
    frame.write_csv(source)
    result, out = _calc(tmp_path, source)
    assert result.exit_code == 2 and not out.exists()
    assert "370102198501011230" not in result.output
    assert "3701**********1230" in result.output


def test_missing_required_column(tmp_path):
    source = tmp_path / "s.csv"
    _frame().drop("hifp_pay").write_csv(source)
    result, _ = _calc(tmp_path, source)
    assert result.exit_code == 2
    assert "hifp_pay" in result.output and "缺少" in result.output


def test_explain_prints_lines_in_chinese(tmp_path):
    source = tmp_path / "s.csv"
    _frame().write_csv(source)
    result = runner.invoke(app, ["explain", "S2", "-p", "shandong-ci", "-s", str(source), "--lang", "both"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "年度累计合规自付费用：本次前 70,000.00 元 → 本次后 170,000.00 元" in text
    assert "本次大病保险赔付：57,000.00 元" in text
    assert "Payout: 57,000.00 yuan" in text
    assert "11010519491231002X" not in text


def test_explain_unknown_settlement(tmp_path):
    source = tmp_path / "s.csv"
    _frame().write_csv(source)
    result = runner.invoke(app, ["explain", "NOPE", "-p", "shandong-ci", "-s", str(source)])
    assert result.exit_code == 2
    assert "NOPE" in result.output


def test_programs_list_and_show():
    listed = runner.invoke(app, ["programs", "list"])
    assert listed.exit_code == 0 and "taian-ci" in listed.output
    shown = runner.invoke(app, ["programs", "show", "taian-ci"])
    assert shown.exit_code == 0
    assert "特困人员" in shown.output and "不设封顶" in shown.output


def test_worked_example_with_owed_cost_given_directly(tmp_path):
    """The published worked example: owed eligible cost 170,000 under Shandong 2014 pays 87,000.00."""
    source = tmp_path / "example.csv"
    source.write_text(
        "结算ID,人员编号,结算时间,出院日期,合规自付费用\nSD-1,P1,2023-03-21 10:00:00,2023-03-20,170000.00\n",
        encoding="utf-8",
    )
    result, out = _calc(tmp_path, source, "out.csv")
    assert result.exit_code == 0, result.output
    row = pl.read_csv(out, infer_schema=False).row(0, named=True)
    assert (row["payout"], row["deductible_applied"], row["band_1_amount"], row["band_2_amount"]) == (
        "87000.00",
        "10000.00",
        "90000.00",
        "70000.00",
    )
