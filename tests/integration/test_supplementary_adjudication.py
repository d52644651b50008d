"""特惠保险 on the database: persons imported with their registered groups, critical illness first,
then the supplementary program: payouts, reasons, re-runs, corrections, payment and the year's report.

Shandong CI (2014): deductible 10,000; 50 % to 100,000; 60 % above; cap 200,000.
Supplementary (shandong-tehui-supplementary, after shandong-ci), on what remains after CI:
  特困 / 低保 / 返贫致贫: deductible 0, 90 %, cap 100,000; 脱贫 / 监测对象: deductible 3,000, 70 % to
  50,000, 80 % above, cap 50,000; anyone else (低保边缘, no group): nothing.

| setl | person            | day        | owed    | CI due  | remains | supplementary                      |
| S1   | A 特困            | 2023-03-01 |  70,000 |  30,000 |  40,000 | 90 % × 40,000 = 36,000             |
| S2   | A                 | 2023-08-01 | 100,000 |  57,000 |  43,000 | ytd 83,000: 74,700 − 36,000 = 38,700 |
| S3   | B 脱贫 from 06-01 | 2023-03-01 |  20,000 |   5,000 |       – | not registered on the day: 0       |
| S4   | B                 | 2023-09-01 |  60,000 |  30,000 |  30,000 | 70 % × (30,000 − 3,000) = 18,900   |
| S5   | C no group        | 2023-05-01 |  50,000 |  20,000 |       – | not registered: 0                  |
| S6   | D 低保边缘, not enrolled in 特惠 | 2023-06-01 | 30,000 | 10,000 | – | not enrolled: 0 |
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from anxin.domain.errors import Conflict
from anxin.domain.identity import check_character
from anxin.services.adjudication import adjudicate
from anxin.services.imports import import_persons
from anxin.services.payments import pay
from anxin.services.reports import program_year_report
from anxin.services.settlement_view import explain_settlement
from anxin.services.supplementary_adjudication import explain_stored_supplementary
from anxin.store.program_files import resolve_program
from anxin.store.schema import Accumulator, Adjudication, Settlement
from tests.integration.factories import store_settlements

CI = resolve_program("shandong-ci")
TEHUI = resolve_program("shandong-tehui-supplementary")


def _id(seq: int) -> str:
    body = f"37010219800101{seq:03d}"
    return body + check_character(body)


PERSONS = [
    {"certno": _id(11), "psn_no": "A", "vulnerable_group": "特困", "vulnerable_from": "2020-01-01"},
    {"certno": _id(13), "psn_no": "B", "vulnerable_group": "脱贫", "vulnerable_from": "2023-06-01"},
    {"certno": _id(15), "psn_no": "C", "vulnerable_group": "", "vulnerable_from": ""},
    {"certno": _id(17), "psn_no": "D", "vulnerable_group": "低保边缘", "vulnerable_from": "2020-01-01"},
]


def _import(database, tmp_path) -> dict[str, int]:
    every = tmp_path / "persons.csv"
    pl.DataFrame(PERSONS).write_csv(every)
    import_persons(database, every, program_code="shandong-ci", year=2023)
    enrolled = tmp_path / "tehui.csv"
    pl.DataFrame(PERSONS[:3]).write_csv(enrolled)
    import_persons(database, enrolled, program_code=TEHUI.code, year=2023)
    from anxin.store.schema import Person

    with database.engine.connect() as c:
        return dict(c.execute(sa.select(Person.psn_no, Person.id)).all())


def _stay(setl_id: str, psn_no: str, day: str, owed_yuan: int, **extra) -> dict:
    at = dt.datetime.fromisoformat(day) + dt.timedelta(hours=10)
    return {
        "setl_id": setl_id,
        "psn_no": psn_no,
        "setl_time": at,
        "begndate": at.date() - dt.timedelta(days=5),
        "enddate": at.date(),
        "base_fen": owed_yuan * 100,
        "hifmi_pay": None,
        **extra,
    }


YEAR = [
    _stay("S1", "A", "2023-03-01", 70_000),
    _stay("S2", "A", "2023-08-01", 100_000),
    _stay("S3", "B", "2023-03-01", 20_000),
    _stay("S4", "B", "2023-09-01", 60_000),
    _stay("S5", "C", "2023-05-01", 50_000),
    _stay("S6", "D", "2023-06-01", 30_000),
]


def _lines(database, program_code: str) -> dict[str, list[tuple[str, int, str, str]]]:
    with database.engine.connect() as c:
        rows = c.execute(
            sa.select(
                Settlement.setl_id,
                Adjudication.kind,
                Adjudication.amount_fen,
                Adjudication.status,
                Adjudication.review_reason,
            )
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(Adjudication.program_code == program_code)
            .order_by(Adjudication.id)
        ).all()
    found: dict[str, list] = {}
    for setl, kind, amount, status, reason in rows:
        found.setdefault(setl, []).append((kind, int(amount), status, reason))
    return found


def _due(database, program_code: str) -> dict[str, int]:
    return {k: sum(line[1] for line in v) for k, v in _lines(database, program_code).items()}


def test_supplementary_pays_after_critical_illness_and_only_registered_groups(database, tmp_path):
    ids = _import(database, tmp_path)
    store_settlements(database, pl.DataFrame(YEAR), ids)

    with pytest.raises(Conflict) as refused:  # critical illness has not run yet
        adjudicate(database, TEHUI)
    assert refused.value.code == "critical_illness_not_run"
    assert "shandong-ci" in refused.value.zh and "anxin adjudicate --program shandong-ci" in refused.value.en
    assert _lines(database, TEHUI.code) == {}

    ci = adjudicate(database, CI)
    assert _due(database, "shandong-ci") == {
        "S1": 3_000_000,
        "S2": 5_700_000,
        "S3": 500_000,
        "S4": 3_000_000,
        "S5": 2_000_000,
        "S6": 1_000_000,
    }
    assert ci.amount_fen == 15_200_000

    first = adjudicate(database, TEHUI)
    lines = _lines(database, TEHUI.code)
    assert lines == {
        "S1": [("payout", 3_600_000, "approved", "")],
        "S2": [("payout", 3_870_000, "approved", "")],
        "S3": [("payout", 0, "rejected", "not_registered")],
        "S4": [("payout", 1_890_000, "approved", "")],
        "S5": [("payout", 0, "rejected", "not_registered")],
        "S6": [("payout", 0, "rejected", "not_enrolled")],
    }
    assert (first.payout_lines, first.rejected_lines, first.amount_fen) == (6, 3, 9_360_000)
    with database.engine.connect() as c:
        stored = c.execute(
            sa.select(
                Adjudication.tilt, Adjudication.base_fen, Adjudication.ytd_after_fen, Adjudication.cap_fen
            )
            .join(Settlement, Settlement.id == Adjudication.settlement_id)
            .where(Adjudication.program_code == TEHUI.code, Settlement.setl_id == "S2")
        ).one()
        accumulator = c.execute(
            sa.select(Accumulator.ytd_fen, Accumulator.due_fen).where(
                Accumulator.program_code == TEHUI.code, Accumulator.person_id == ids["A"]
            )
        ).one()
    assert tuple(stored) == ("extreme_poverty", 4_300_000, 8_300_000, 10_000_000)
    assert tuple(accumulator) == (8_300_000, 7_470_000)
    # basic + critical illness + supplementary never exceed the in-scope cost owed
    ci_due, tehui_due = _due(database, "shandong-ci"), _due(database, TEHUI.code)
    for stay in YEAR:
        assert ci_due[stay["setl_id"]] + tehui_due[stay["setl_id"]] <= stay["base_fen"]

    assert adjudicate(database, TEHUI).lines == 0  # re-run: nothing new
    explained = explain_stored_supplementary(database, TEHUI, "S2")
    text = "\n".join(explained.lines("zh") + explained.lines("en"))
    for phrase in (
        "大病保险（shandong-ci）对本笔结算的支付：57,000.00 元",
        "本次计算基数 = 100,000.00 − 57,000.00 = 43,000.00 元",
        "年度累计计算基数：本次前 40,000.00 元 → 本次后 83,000.00 元",
        "本次 43,000.00 元 × 90% = 38,700.00 元",
        "本次补充医疗保险赔付：38,700.00 元",
        "Registered group: extreme_poverty",
    ):
        assert phrase in text, text
    # the settlement's own view (web page, API) explains the supplementary line the same way
    assert explain_settlement(database, "S2", TEHUI.code).lines("zh") == explained.lines("zh")
    unregistered = explain_stored_supplementary(database, TEHUI, "S3").lines("zh")
    assert "结算日未登记为本项目保障的困难人员类别：不予支付" in unregistered
    assert adjudicate(database, TEHUI, mode="full").lines == 0  # full re-run: nothing differs

    # S2 is reversed (冲销) and re-submitted at 80,000; critical illness runs first again.
    store_settlements(
        database,
        pl.DataFrame(
            [
                _stay("S2R", "A", "2023-10-01", 0, reverses_setl_id="S2"),
                _stay("S2B", "A", "2023-10-02", 80_000),
            ]
        ),
        ids,
    )
    with pytest.raises(Conflict):
        adjudicate(database, TEHUI)
    adjudicate(database, CI)
    again = adjudicate(database, TEHUI)
    # A now owes 150,000: CI f = 45,000 + 30,000 = 75,000; remains 75,000 → 90 % = 67,500
    due = _due(database, TEHUI.code)
    assert due["S1"] + due["S2"] + due["S2R"] + due["S2B"] == 6_750_000
    assert again.amount_fen == 6_750_000 - 7_470_000
    assert adjudicate(database, TEHUI).lines == 0

    batch = pay(database, TEHUI.code, actor="tester")
    assert batch.total_fen == sum(due.values()) == 6_750_000 + 1_890_000
    assert pay(database, TEHUI.code, actor="tester").payments == 0

    report = program_year_report(database, TEHUI.code, 2023)
    assert report.insured == 3
    assert report.paid_fen == 6_750_000 + 1_890_000
    assert report.claimants == 2
    # by the group whose terms applied (the line's tilt), not the bureau's psn_idet_type
    by_group = {share.key: share.paid_fen for share in report.by_vulnerable}
    assert by_group == {"": 0, "extreme_poverty": 6_750_000, "lifted_out_of_poverty": 1_890_000}


def test_a_year_of_critical_illness_corrections_reaches_the_supplementary_lines(database, tmp_path):
    """A critical-illness full re-run that adjusts old lines makes the next incremental supplementary
    run recompute those persons."""
    ids = _import(database, tmp_path)
    store_settlements(database, pl.DataFrame(YEAR[:2]), ids)
    adjudicate(database, CI)
    adjudicate(database, TEHUI)
    assert _due(database, TEHUI.code) == {"S1": 3_600_000, "S2": 3_870_000}
    # an adjustment line of critical illness (as a full run with new parameters would write)
    with database.engine.begin() as c:
        s2 = c.execute(sa.select(Settlement.id).where(Settlement.setl_id == "S2")).scalar_one()
        original = (
            c.execute(
                sa.select(Adjudication).where(
                    Adjudication.program_code == "shandong-ci", Adjudication.settlement_id == s2
                )
            )
            .mappings()
            .one()
        )
    from anxin.services.run_records import start_run

    run = start_run(database, "shandong-ci", None, "full", "tester")
    row = {k: v for k, v in original.items() if k != "id"} | {
        "run_id": run,
        "kind": "adjustment",
        "amount_fen": -1_000_000,
        "due_fen": 4_700_000,
    }
    with database.engine.begin() as c:
        c.execute(sa.insert(Adjudication), [row])
    adjusted = adjudicate(database, TEHUI)
    # CI now 30,000 + 47,000 = 77,000 of 170,000: remains 93,000 → 90 % = 83,700
    assert adjusted.adjustment_lines == 1
    assert sum(_due(database, TEHUI.code).values()) == 8_370_000


def test_the_command_line_runs_it_after_critical_illness(database, tmp_path):
    from typer.testing import CliRunner

    from anxin.cli import app

    ids = _import(database, tmp_path)
    store_settlements(database, pl.DataFrame(YEAR), ids)
    runner = CliRunner()
    command = ["adjudicate", "--program", TEHUI.code, "--year", "2023"]
    refused = runner.invoke(app, command)
    assert refused.exit_code != 0
    assert "critical_illness_not_run" in refused.output
    assert "尚未理算 5 笔结算" in refused.output  # the five settlements of persons enrolled in 特惠
    assert runner.invoke(app, ["adjudicate", "--program", "shandong-ci"]).exit_code == 0
    ran = runner.invoke(app, command)
    assert ran.exit_code == 0, ran.output
    assert sum(_due(database, TEHUI.code).values()) == 9_360_000
    shown = runner.invoke(app, ["programs", "show", TEHUI.code])
    assert shown.exit_code == 0 and "特困人员" in shown.output and "未核实" in shown.output
