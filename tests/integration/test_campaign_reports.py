"""The relief-campaign report on SQLite and PostgreSQL: the stored book of ``test_life_reports`` run
over the Henan flood campaign's window — whose grace it extended, whose loan interest it deferred,
whose reinstatement it made interest-free, what that cost, by city."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from anxin.cli import app as root
from anxin.domain.errors import NotFound
from anxin.services.campaign_reports import CampaignRegionRow, campaign_report, campaign_reports
from anxin.services.life_report_export import export_campaign_reports
from anxin.store.life_files import shipped_campaigns
from anxin.store.schema import LifePolicy, PolicyEvent, ServicingRequest

from .test_life_reports import H1_WAIVED, HENAN, build_book


def test_whom_the_henan_campaign_helped_and_what_it_cost(database, tmp_path):
    build_book(database, tmp_path)
    report = campaign_report(database, HENAN.code)
    assert (report.code, report.window_from, report.window_to, report.regions) == (
        "henan-flood-2021", dt.date(2021, 7, 20), dt.date(2021, 12, 31), ("410000",),
    )  # fmt: skip
    # H1 (郑州) and H3 (洛阳) kept in grace after 2021-08-30, 100,000 元 of cover each; S1 (青岛) not
    assert (report.grace_extended_policies, report.grace_extended_sum_insured_fen) == (2, 20_000_000)
    # H1 reinstated interest-free on 2021-12-30: 41.78 元 waived; S1's reinstatement names no campaign
    assert (report.interest_free_reinstatements, report.waived_interest_fen, report.cost_fen) == (
        1, H1_WAIVED, H1_WAIVED,
    )  # fmt: skip
    # H2's 5,000 元 loan matured 2021-11-28 inside the window: not capitalised (charged 2022-01-01)
    assert (report.interest_deferred_loans, report.interest_deferred_principal_fen) == (1, 500_000)
    assert report.helped_policies == 3  # H1, H2, H3
    assert report.by_region == [
        CampaignRegionRow("4101", 1, 10_000_000, 1, H1_WAIVED, 1, 500_000, 2),
        CampaignRegionRow("4103", 1, 10_000_000, 0, 0, 0, 0, 1),
    ]
    assert [r.code for r in campaign_reports(database)] == sorted(shipped_campaigns())


def test_the_events_the_run_left_are_the_campaign_s(database, tmp_path):
    build_book(database, tmp_path)
    with database.session() as session:
        rows = session.execute(
            sa.select(LifePolicy.policy_no, PolicyEvent.day, PolicyEvent.event, PolicyEvent.status_to,
                      PolicyEvent.debit, PolicyEvent.amount_fen)
            .join(LifePolicy, LifePolicy.id == PolicyEvent.policy_id)
            .where(PolicyEvent.event.in_(["grace_extended_by_relief", "loan_interest_deferred"]))
            .order_by(PolicyEvent.id)
        ).all()  # fmt: skip
    assert [(no, str(day), event, to, debit, fen) for no, day, event, to, debit, fen in rows] == [
        ("H1", "2021-08-31", "grace_extended_by_relief", None, None, 0),
        ("H3", "2021-08-31", "grace_extended_by_relief", None, None, 0),
        ("H2", "2021-11-28", "loan_interest_deferred", None, None, 0),
    ]


def test_a_campaign_of_other_regions_or_days_counts_nothing_and_unknown_is_refused(database, tmp_path):
    build_book(database, tmp_path)
    shandong = HENAN.model_copy(update={"code": "shandong-test", "regions": ("370000",)})
    other = campaign_report(database, "shandong-test", campaigns=[shandong])
    assert (other.helped_policies, other.cost_fen, other.by_region) == (0, 0, [])
    later = HENAN.model_copy(update={"code": "henan-later", "window": HENAN.window.model_copy(
        update={"starts": dt.date(2021, 9, 1)})})  # fmt: skip
    report = campaign_report(database, "henan-later", campaigns={"henan-later": later})
    # the grace extensions of 2021-08-31 fall before this window; the reinstatement names another code
    assert (report.grace_extended_policies, report.interest_free_reinstatements) == (0, 0)
    assert (report.interest_deferred_loans, report.helped_policies) == (1, 1)
    with pytest.raises(NotFound):
        campaign_report(database, "no-such-campaign")


def test_refused_requests_and_malformed_details_are_not_counted(database, tmp_path):
    build_book(database, tmp_path)
    with database.engine.begin() as connection:
        policy_id = connection.execute(
            sa.select(LifePolicy.id).where(LifePolicy.policy_no == "H3")
        ).scalar_one()
        for n, (status, details) in enumerate(
            [
                ("refused", json.dumps({"waived_interest_fen": 999, "campaigns": [HENAN.code]})),
                ("done", "not json"),
            ]
        ):
            connection.execute(
                sa.insert(ServicingRequest).values(
                    request_no=f"X{n}", policy_id=policy_id, kind="reinstatement", channel="online", status=status,
                    day=dt.date(2021, 12, 30), details=details, entered_by="tester",
                )
            )  # fmt: skip
    report = campaign_report(database, HENAN.code)
    assert (report.interest_free_reinstatements, report.waived_interest_fen) == (1, H1_WAIVED)


def test_export_is_audited(database, tmp_path):
    build_book(database, tmp_path)
    reports = campaign_reports(database)
    [path] = export_campaign_reports(reports, tmp_path / "campaigns.xlsx", db=database, actor="tester")
    sheets = pl.read_excel(path, sheet_id=0)
    assert list(sheets) == ["救助活动", "活动地市"]
    row = sheets["救助活动"].row(0, named=True)
    assert (row["活动代码"], row["受助保单"], row["延长宽限期保单"]) == (HENAN.code, 3, 2)
    assert sheets["活动地市"].height == 2


def test_the_command_line(database, tmp_path):
    build_book(database, tmp_path)
    runner = CliRunner()
    life = runner.invoke(
        root, ["report", "life", "--year", "2021", "--level", "city", "--out", str(tmp_path / "l.xlsx")]
    )
    assert life.exit_code == 0, life.output
    assert "寿险保全 2021年" in life.output and "8,464.78" in life.output and (tmp_path / "l.xlsx").exists()
    campaigns = runner.invoke(root, ["report", "campaigns"])
    assert campaigns.exit_code == 0, campaigns.output
    assert "河南" in campaigns.output and "41.78" in campaigns.output
    bad = runner.invoke(root, ["report", "life", "--year", "2021", "--level", "district"])
    assert bad.exit_code != 0 and "province" in bad.output
