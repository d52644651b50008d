"""The quickstart's main job and the synthetic province, end to end through the command line."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app
from anxin.services.overview import program_overview
from anxin.store.config import load_settings
from anxin.store.database import open_database
from anxin.store.schema import Adjudication, CareBillResult, ClaimResult, Payment, PaymentBatch, Person

runner = CliRunner()


def test_demo_runs_a_program_year_on_the_embedded_database(tmp_path, monkeypatch):
    monkeypatch.setenv("ANXIN_DATA_DIR", str(tmp_path / "data"))
    for name in ("ANXIN_DATABASE_URL", "ANXIN_SECRET_KEY", "ANXIN_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["demo", "--persons", "3000", "--dir", str(tmp_path / "files")])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "2023年度，泰安市城乡居民大病保险参保3000人" in text
    assert "按城市 / by city" in text and "按医院等级 / by hospital tier" in text
    assert "本次大病保险赔付" in text  # the largest payout, explained
    # one program of every other kind, run on the same residents, each summarized in Chinese
    assert "其他项目 / the other programs" in text
    for summary in (
        "2023年度，泰安市扶贫特惠保险（医疗补充保险）参保",
        "2023年12月，山东省某市城乡居民长期护理保险",
        "2023年度，青岛市60周岁以上老年人意外伤害保险（银龄安康）参保",
        "2023年度，国寿团体女性安康保险（黑龙江省总工会）参保",
        "2020年度，中国人寿捐赠武汉抗疫医护人员保险保障（意外部分）参保",
    ):
        assert summary in text, text
    # and a book of life policies through 2021, with the two service rates
    assert "寿险保全 2021 年度演示" in text and "电子化回访率" in text and "电子化保全率" in text
    assert (tmp_path / "data" / "anxin.db").exists() and (tmp_path / "data" / "secret.key").exists()
    db = open_database(load_settings())
    with db.engine.connect() as c:
        persons = c.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one()
        paid = c.execute(sa.select(sa.func.count()).select_from(Payment)).scalar_one()
        lines = c.execute(sa.select(sa.func.count()).select_from(Adjudication)).scalar_one()
        paid_by_program = dict(
            c.execute(
                sa.select(PaymentBatch.program_code, sa.func.sum(PaymentBatch.total_fen)).group_by(
                    PaymentBatch.program_code
                )
            ).all()
        )
        claims = c.execute(sa.select(sa.func.count()).select_from(ClaimResult)).scalar_one()
        care = c.execute(sa.select(sa.func.count()).select_from(CareBillResult)).scalar_one()
    overview = {row.program_code: row for row in program_overview(db)}  # the dashboard's first table
    db.dispose()
    assert persons == 3000 and paid > 0 and lines > 3000
    assert claims > 0 and care > 0
    # every program paid something: critical illness, supplementary, care, the group covers
    assert set(paid_by_program) == {
        "taian-ci",
        "taian-tehui-supplementary",
        "shandong-city-ltc-resident",
        "qingdao-elderly-ga",
        "heilongjiang-union-women-sd",
        "wuhan-frontline-donated-ga",
    }, paid_by_program
    assert all(total > 0 for total in paid_by_program.values())
    assert set(overview) == set(paid_by_program)
    assert all(row.paid_fen == paid_by_program[code] for code, row in overview.items())
    again = runner.invoke(app, ["demo", "--persons", "3000", "--dir", str(tmp_path / "files")])
    assert again.exit_code == 0, again.output
    assert "此前已导入" in again.output and "无新增 / nothing new" in again.output
    assert "全年已运行，未改变" in again.output


def test_synth_then_calc_from_csv(tmp_path):
    made = runner.invoke(
        app, ["synth", "-o", str(tmp_path / "p"), "--persons", "1000", "--seed", "7", "--format", "csv"]
    )
    assert made.exit_code == 0, made.output
    settlements = tmp_path / "p" / "settlements.csv"
    out = tmp_path / "payouts.parquet"
    result = runner.invoke(app, ["calc", "-p", "weihai-ci", "-s", str(settlements), "-o", str(out)])
    assert result.exit_code == 0, result.output
    payouts = pl.read_parquet(out)
    source = pl.read_csv(settlements, infer_schema=False)
    assert payouts.height == source.height
    assert payouts["setl_id"].to_list() == source["setl_id"].to_list()  # the file's own order
    assert (payouts["payout"] >= 0).all()
    assert not payouts["certno"].str.contains(r"^\d{18}$").any()  # masked


def test_synth_refuses_sizes_out_of_range(tmp_path):
    result = runner.invoke(app, ["synth", "-o", str(tmp_path), "--persons", "5"])
    assert result.exit_code == 2


def test_every_area_is_on_the_command_line():
    result = runner.invoke(app, ["--help"])
    for command in (
        "calc",
        "explain",
        "synth",
        "demo",
        "programs",
        "db",
        "import",
        "adjudicate",
        "pay",
        "report",
    ):
        assert f" {command} " in result.output, command
