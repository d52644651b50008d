"""Fixtures for the API and the pages: a small demo province on SQLite, built once per test session
and copied for each test, with one user per role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from anxin.domain.access import Role
from anxin.services.demo import run_demo
from anxin.services.users import add_user, issue_token
from anxin.store.config import load_settings
from anxin.store.database import Database, open_database
from anxin.web.app import create_app
from tests.conftest import database_settings

PROGRAM = "taian-ci"
YEAR = 2023
#: Low, so the small province has lines that need two approvals.
FOUR_EYES_ABOVE = "5000 元"


def password(role: str) -> str:
    return f"password-of-{role}"


@pytest.fixture(scope="session")
def province(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A folder holding ``anxin.db``: 2,000 persons' year imported, adjudicated and paid, and a user
    per role (username = the role's name, plus ``reviewer2``)."""
    folder = tmp_path_factory.mktemp("province")
    env = database_settings(f"sqlite:///{folder / 'anxin.db'}", folder)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        run_demo(folder / "files", persons=2000, program=PROGRAM, seed=11)
    db = open_database(load_settings(env))
    for role in Role:  # once here: Argon2 hashing takes a while, and each test copies the file
        add_user(db, role.value, password(role.value), [role.value], display_name=role.value)
    add_user(db, "reviewer2", password("reviewer2"), ["reviewer"], display_name="second reviewer")
    db.dispose()
    return folder


@pytest.fixture
def web_db(province, tmp_path, monkeypatch) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """A copy of the province for one test, with a user per role (username = the role's name)."""
    shutil.copy(province / "anxin.db", tmp_path / "anxin.db")
    env = database_settings(f"sqlite:///{tmp_path / 'anxin.db'}", tmp_path)
    env["ANXIN_FOUR_EYES_ABOVE"] = FOUR_EYES_ABOVE
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    db = open_database(load_settings(env))
    yield db
    db.dispose()


@pytest.fixture
def app(web_db):  # type: ignore[no-untyped-def]
    return create_app(web_db)


@pytest.fixture
def api(app, web_db):  # type: ignore[no-untyped-def]
    """``api("reviewer")`` → a client sending that user's bearer token; ``api(None)`` → anonymous."""
    clients: list[TestClient] = []

    def client(username: str | None) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False)
        if username is not None:
            c.headers["Authorization"] = f"Bearer {issue_token(web_db, username, 'test')}"
        clients.append(c)
        return c

    yield client
    for c in clients:
        c.close()
