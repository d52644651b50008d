"""Advisory locks that order settlement imports against the start of an adjudication run, and the
planner statistics refreshed after bulk writes.

An incremental run adjudicates every settlement up to the highest id stored when it starts. On
PostgreSQL an import still open at that moment may hold lower ids that commit later and would be
missed; so an import's write transaction holds a shared lock, and a run takes the exclusive lock
while it reads the watermark: it waits for open imports, and imports wait the moment it takes.
SQLite needs neither: it lets one writer at a time, and both are writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

#: One application-wide key ("anxin" in ASCII).
SETTLEMENT_WRITES = 0x616E78696E


def hold_settlement_writes(connection: Connection) -> None:
    """Inside an import's write transaction (released at commit or rollback)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": SETTLEMENT_WRITES})


def wait_for_settlement_writes(connection: Connection) -> None:
    """Inside a run's start transaction, before reading the watermark."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETTLEMENT_WRITES})


def refresh_statistics(connection: Connection, tables: tuple[str, ...]) -> None:
    """After a bulk write, let PostgreSQL's planner see the new rows now rather than when
    autovacuum gets to it (stale counts made it hash whole tables for a day's few thousand rows).
    SQLite's planner needs no statistics for these look-ups."""
    if connection.dialect.name == "postgresql":
        for table in tables:
            connection.exec_driver_sql(f"ANALYZE {connection.dialect.identifier_preparer.quote(table)}")
