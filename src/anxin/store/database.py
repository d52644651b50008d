"""Opening the database: SQLite (embedded default) or PostgreSQL, migrated to the latest schema.

The same SQLAlchemy models and Alembic migrations serve both. ``open_database`` upgrades the schema
on first use; ``anxin db upgrade`` does it explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from anxin.store.config import Settings, load_settings, secret_key
from anxin.store.protection import IdProtector

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def _alembic(connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> str:
    """Bring the schema to the latest revision; returns it."""
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "head")
        return current_revision(connection) or ""


def current_revision(connection) -> str | None:  # type: ignore[no-untyped-def]
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    script = ScriptDirectory.from_config(_alembic(None))
    return script.get_current_head() or ""


@dataclass
class Database:
    """An open database and the protector for ID numbers stored in it."""

    engine: Engine
    sessions: sessionmaker[Session]
    protector: IdProtector
    settings: Settings

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    """Open (and on first use create and migrate) the configured database."""
    settings = settings or load_settings()
    protector = IdProtector(secret_key(settings))
    engine = make_engine(settings.database_url)
    if migrate:
        with engine.connect() as connection:
            behind = current_revision(connection) != head_revision()
        if behind:
            upgrade(engine)
    return Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        protector=protector,
        settings=settings,
    )
