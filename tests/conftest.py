"""Shared fixtures. ``database`` runs a test on SQLite and, when ``ANXIN_TEST_DATABASE_URL`` names a
PostgreSQL server (``.ci/run`` sets it), on PostgreSQL too: one scratch database per test session,
emptied between tests."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from anxin.store.config import load_settings
from anxin.store.database import Database, make_engine, open_database
from anxin.store.schema import Base

#: The command line's tables and messages wrap at the console width: give every test the same one,
#: whatever terminal (or none, in a parallel worker) runs the tests.
os.environ["COLUMNS"] = "160"
TEST_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
POSTGRES = os.environ.get("ANXIN_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES:
        pytest.skip("ANXIN_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    admin = make_engine(POSTGRES).execution_options(isolation_level="AUTOCOMMIT")
    name = f"anxin_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def database_settings(url: str, data_dir) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"ANXIN_DATABASE_URL": url, "ANXIN_DATA_DIR": str(data_dir), "ANXIN_SECRET_KEY": TEST_KEY}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """An empty, migrated database of each kind, with the test key configured in the environment."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'anxin.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    env = database_settings(url, tmp_path)
    patch = pytest.MonkeyPatch()
    for name, value in env.items():
        patch.setenv(name, value)
    db = open_database(load_settings(env))
    try:
        yield db
    finally:
        if db.dialect == "postgresql":
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        patch.undo()
