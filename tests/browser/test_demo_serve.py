"""The acceptance path: ``anxin demo`` leaves a database that ``anxin serve`` opens with the demo
user signed in, on a dashboard showing the demo province's year."""

from __future__ import annotations

from typer.testing import CliRunner

from anxin.cli import app as cli
from anxin.store.database import open_database
from anxin.web.app import create_app, demo_welcome
from tests.browser.conftest import serving


def test_demo_database_opens_signed_in_on_its_year(tmp_path, monkeypatch, page, shot):
    monkeypatch.setenv("ANXIN_DATA_DIR", str(tmp_path / "data"))
    for name in ("ANXIN_DATABASE_URL", "ANXIN_SECRET_KEY", "ANXIN_KEY_FILE", "ANXIN_ENV"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["demo", "--persons", "2000", "--dir", str(tmp_path / "files")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "demo-users.txt").exists()
    db = open_database()
    web = create_app(db)
    code = demo_welcome(web)  # what `anxin serve` prints as the sign-in link
    assert code
    with serving(web) as base:
        page.goto(f"{base}/welcome?code={code}")
        assert page.url.endswith("/dashboard")
        body = page.locator("main").inner_text()
        assert "2023" in body and "泰安" in body
        assert page.locator("svg.chart").count() >= 3
        shot("demo-dashboard")
        page.goto(f"{base}/welcome?code={code}")  # the link works once
        assert "/login" in page.url
    db.dispose()
