"""The dashboard: the demo province's year at a glance, in Chinese and in English; its charts and
the monthly-payout query behind one of them."""

from __future__ import annotations

from html import unescape

import sqlalchemy as sa

from anxin.services.dashboard import default_program_year, monthly_payouts, program_years
from anxin.services.reports import program_year_report
from anxin.store.schema import Adjudication
from anxin.web.charts import Item, bar_chart, column_chart, nice_ceiling
from tests.web.conftest import PROGRAM, YEAR
from tests.web.test_pages_helpers import sign_in, texts


def test_dashboard_shows_the_demo_year_with_figures_and_charts(app):
    page = sign_in(app, "manager").get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "2023" in html and "泰安" in html
    assert 'id="kpis"' in html
    assert html.count('<svg class="chart') == 4
    assert "<title" in html.split('<svg class="chart', 1)[1]  # each chart names itself
    assert "每月赔付金额" in html and "各地市赔付人次" in html
    assert "参保2000人" in html  # the Chinese summary sentence, from the data


def test_dashboard_in_english(app):
    html = unescape(sign_in(app, "manager", lang="en").get("/dashboard").text)
    assert '<html lang="en">' in html
    assert "Insured" in html and "Monthly payouts" in html and "Dashboard" in html
    assert "Tai'an residents' critical-illness insurance" in html
    assert "参保人数" not in html


def test_language_switch_sets_the_cookie_and_returns(app):
    client = sign_in(app, "manager")
    answer = client.get("/lang/en?back=/dashboard", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    assert "Key figures" in client.get("/dashboard").text


def test_dashboard_needs_signing_in(app):
    from fastapi.testclient import TestClient

    answer = TestClient(app).get("/dashboard", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_another_program_year_is_chosen_by_query(app):
    html = sign_in(app, "manager").get(f"/dashboard?program={PROGRAM}&year=2024").text
    assert texts(html, r'<option value="2024" selected>(.*?)</option>') == ["2024"]


def test_default_year_is_the_latest_with_enrolments_and_lines(web_db):
    years = {(k.program_code, k.year) for k in program_years(web_db)}
    assert (PROGRAM, YEAR) in years
    chosen = default_program_year(web_db)
    assert chosen is not None and (chosen.program_code, chosen.year) == (PROGRAM, YEAR)


def test_monthly_payouts_add_up_to_the_year(web_db):
    months = monthly_payouts(web_db, PROGRAM, YEAR)
    assert [m.month for m in months][:2] == ["2023-01", "2023-02"]
    report = program_year_report(web_db, PROGRAM, YEAR)
    assert sum(m.approved_fen for m in months) == report.paid_fen
    with web_db.session() as session:
        lines = session.scalar(
            sa.select(sa.func.count()).where(
                Adjudication.program_code == PROGRAM, Adjudication.program_year == YEAR
            )
        )
    assert sum(m.lines for m in months) == lines
    assert sum(m.paid_fen for m in months) == report.paid_fen  # the demo paid every approved line


def test_charts_escape_labels_and_name_every_value():
    svg = bar_chart("各地市 <b>", [Item("济南市", 12), Item("<script>", 3, "3 人次")])
    assert svg.startswith('<svg class="chart') and "<script>" not in svg
    assert "&lt;script&gt;：3 人次" in svg and "<title" in svg
    empty = column_chart("每月", [])
    assert "无数据" in empty
    assert [nice_ceiling(v) for v in (0, 7, 12, 230, 2600, 100)] == [1, 10, 20, 250, 5000, 100]


def test_dashboard_lists_every_program_year(app):
    """The first table: each program year with its insured, judged, due and paid, linked to its page."""
    html = sign_in(app, "manager").get("/dashboard").text
    table = html.split('id="overview"', 1)[1].split("</section>", 1)[0]
    assert "全部项目" in html and f"<code>{PROGRAM}</code>" in table
    assert f'href="/dashboard?program={PROGRAM}&amp;year={YEAR}"' in table
    assert "大病保险" in table and "2,000" in table  # the kind, and the insured persons
