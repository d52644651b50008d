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


def refresh_statistics(connection: Connection, tables: tuple[str, ...], written: int) -> None:
    """After a bulk write of ``written`` rows, let PostgreSQL's planner see them now rather than
    when autovacuum gets to it: stale counts after a first bulk load made it hash whole tables for a
    day's few thousand rows. Only where the write is large beside what the planner knows (a table
    never analyzed, or growing by a tenth or more): a day's increment is left to autovacuum.
    SQLite's planner needs no statistics for these look-ups."""
    if connection.dialect.name != "postgresql" or written <= 0:
        return
    for table in tables:
        known = connection.execute(
            sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"), {"table": table}
        ).scalar()
        if known is None or known < 0 or written * 10 >= known:
            connection.exec_driver_sql(f"ANALYZE {connection.dialect.identifier_preparer.quote(table)}")
