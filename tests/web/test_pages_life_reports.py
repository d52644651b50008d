"""The life-policy servicing section of the dashboard, the life report and relief-campaign pages, their
Excel exports (audited) and the API, on a small book of our own (``tests/integration/test_life_reports``)
run over the Henan flood campaign's window; SQLite and PostgreSQL."""

from __future__ import annotations

import io
from html import unescape

import polars as pl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from anxin.services.users import add_user, issue_token
from anxin.store.schema import AuditEntry, ServicingRequest
from anxin.web.app import create_app
from tests.integration.test_life_reports import H1_WAIVED, S2_REFUND, build_book
from tests.web.conftest import password
from tests.web.test_pages_helpers import sign_in, texts


def requests_done_in_2021(database) -> int:  # type: ignore[no-untyped-def]
    with database.engine.connect() as connection:
        days = connection.execute(
            sa.select(ServicingRequest.day).where(ServicingRequest.status == "done")
        ).scalars().all()  # fmt: skip
    return sum(d.year == 2021 for d in days)


@pytest.fixture
def life_app(database, tmp_path):  # type: ignore[no-untyped-def]
    build_book(database, tmp_path)
    for role in ("manager", "clerk"):
        add_user(database, role, password(role), [role], display_name=role)
    return create_app(database)


def test_dashboard_shows_the_life_year(life_app):
    html = sign_in(life_app, "manager").get("/dashboard").text
    assert 'id="life"' in html and "寿险保全" in html
    section = html.split('id="life"', 1)[1].split("</section>", 1)[0]
    # 2022 is the latest year with policy events (H2's deferred interest charged on 2022-01-01)
    assert "2022" in section
    values = texts(section, r'<div class="value">(.*?)</div>')
    # in force 3 (H1, S1 reinstated, H2); no moves in January 2022; loans outstanding 5,146.58 元
    assert values[:5] == ["3", "0", "0", "0 / 0.00", "5,146.58"]
    assert "电子化" in section  # the life-service KPI rates
    english = unescape(sign_in(life_app, "manager", lang="en").get("/dashboard").text)
    assert "Life-policy servicing" in english and "Loans outstanding" in english


def test_life_report_page_by_month_and_city_with_the_campaigns(life_app):
    client = sign_in(life_app, "manager")
    page = client.get("/reports/life?year=2021&level=city")
    assert page.status_code == 200
    html = page.text
    assert "寿险保全报表" in html and 'id="life-months"' in html
    december = texts(html, r'<tr data-month="2021-12" data-region="3702">(.*?)</tr>')[0]
    cells = texts(december, r"<td[^>]*>(.*?)</td>")
    assert cells[:7] == ["2021-12", "3702", "1", "0", "1", "1", f"{S2_REFUND / 100:,.2f}"]
    total = texts(html, r'<tr data-month="全年" data-region="全部"[^>]*>(.*?)</tr>')[0]
    assert texts(total, r"<td[^>]*>(.*?)</td>")[2:4] == ["3", "3"]
    assert "电子化保全率" in html.split('id="life-months"', 1)[1].split("</thead>", 1)[0]
    servicing = texts(total, r'<td class="num" data-kpi="e-servicing-rate">(.*?)</td>')[0]
    # every request of this book came to the counter
    assert servicing.startswith("0.00%") and "(0/" in servicing
    campaign = html.split('data-code="henan-flood-2021"', 1)[1].split("</article>", 1)[0]
    assert texts(campaign, r'class="num campaign-cost">(.*?)<') == [f"{H1_WAIVED / 100:.2f}"]
    assert texts(campaign, r'class="num campaign-helped">(.*?)<') == ["3"]
    assert "活动成本 = 免收的复效利息" in html
    assert client.get("/reports/life?year=2021&level=district").status_code == 404


def test_exports_are_audited_and_need_the_permission(life_app, database):
    client = sign_in(life_app, "manager")
    answer = client.get("/reports/life/export.xlsx?year=2021&level=province")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    sheets = pl.read_excel(io.BytesIO(answer.content), sheet_id=0)
    assert sheets["月度地区"].row(-1, named=True)["效力中止"] == 3
    assert sheets["月度地区"].row(-1, named=True)["电子化保全率分母"] == requests_done_in_2021(database) > 0
    campaigns = client.get("/reports/campaigns/export.xlsx")
    assert campaigns.status_code == 200
    assert pl.read_excel(io.BytesIO(campaigns.content), sheet_name="救助活动")["受助保单"].to_list() == [3]
    with database.session() as session:
        entities = session.execute(
            sa.select(AuditEntry.entity, AuditEntry.actor).where(AuditEntry.action == "export").order_by(AuditEntry.id)
        ).all()  # fmt: skip
    assert [tuple(e) for e in entities] == [("life_report", "manager"), ("campaign_report", "manager")]
    clerk = sign_in(life_app, "clerk")
    assert clerk.get("/reports/life", follow_redirects=False).status_code == 403
    assert clerk.get("/reports/campaigns/export.xlsx", follow_redirects=False).status_code == 403


def test_the_api(life_app, database):
    client = TestClient(life_app)
    client.headers["Authorization"] = f"Bearer {issue_token(database, 'manager', 'test')}"
    body = client.get("/api/v1/reports/life", params={"year": 2021, "level": "province"}).json()
    assert (body["year"], body["level"], body["totals"]["month"]) == (2021, "province", "全年")
    assert body["totals"]["surrender_paid_fen"] == S2_REFUND and body["totals"]["suspensions"] == 3
    rates = {r["code"]: r for r in body["totals"]["rates"]}
    assert set(rates) == {"e-callback-rate", "e-servicing-rate"}
    assert (rates["e-servicing-rate"]["numerator"], rates["e-servicing-rate"]["denominator"]) == (
        0, requests_done_in_2021(database),
    )  # fmt: skip
    assert client.get("/api/v1/reports/life", params={"year": 2021, "level": "x"}).status_code == 422
    [henan] = client.get("/api/v1/reports/campaigns").json()
    assert (henan["code"], henan["cost_fen"], henan["helped_policies"]) == ("henan-flood-2021", H1_WAIVED, 3)
    assert henan["by_region"][0]["region"] == "4101"
    clerk = TestClient(life_app)
    clerk.headers["Authorization"] = f"Bearer {issue_token(database, 'clerk', 'test')}"
    assert clerk.get("/api/v1/reports/campaigns").status_code == 403
