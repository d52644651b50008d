"""Bulk loading and bulk look-up for imports of millions of rows, inside the caller's transaction.

Writing: PostgreSQL gets ``COPY … FROM STDIN`` (CSV that Polars writes in one vectorized call, sent
through psycopg's ``cursor.copy()`` on the connection's own DBAPI connection); SQLite gets one
``executemany`` per chunk on the same connection. Neither commits: the rows land in the caller's
transaction and disappear with it on rollback.

Reading: :func:`select_by_keys` finds the stored rows for a long list of keys without one query per
key. On PostgreSQL a long list is copied into a temporary table and the joined rows come back as
one array per column: no Python work per key, one fetch for the rows.
Otherwise the keys are sent as one JSON text per chunk and joined as a table
(``json_array_elements_text`` on PostgreSQL, ``json_each`` on SQLite).

Values are written in the exact text forms SQLAlchemy itself uses for SQLite (``YYYY-MM-DD`` and
``YYYY-MM-DD HH:MM:SS.ffffff``), so rows loaded here compare and sort like rows written by the ORM.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Sequence

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

#: Rows per COPY / executemany call.
CHUNK_ROWS = 50_000
#: Keys per look-up query.
KEY_CHUNK = 100_000
#: From this many keys, PostgreSQL look-ups go through a copied key table (below it, one query).
COPY_KEYS_FROM = 20_000
#: Frame types that come back exactly in arrays (times with a zone go through the driver row by row).
_ARRAY_TYPES = (pl.String, pl.Int64, pl.Int32, pl.Date, pl.Boolean)
_key_tables = itertools.count(1)
_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"


def bulk_insert(
    connection: sa.Connection,
    table: sa.Table,
    frame: pl.DataFrame,
    *,
    chunk_rows: int = CHUNK_ROWS,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Insert every row of ``frame`` (columns named as ``table``'s) into ``table``; returns the count.

    ``on_rows(n)`` is called after each chunk of ``n`` rows is written.
    """
    if frame.height == 0:
        return 0
    unknown = [name for name in frame.columns if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no columns {unknown}")
    frame = _with_defaults(table, frame)
    dialect = connection.dialect.name
    write = _copy if dialect == "postgresql" else _executemany if dialect == "sqlite" else _generic
    for offset in range(0, frame.height, chunk_rows):
        chunk = frame.slice(offset, chunk_rows)
        write(connection, table, chunk)
        if on_rows is not None:
            on_rows(chunk.height)
    return frame.height


def bulk_upsert(connection: sa.Connection, table: sa.Table, frame: pl.DataFrame, keys: Sequence[str]) -> int:
    """Insert the rows of ``frame``, replacing the stored row with the same ``keys`` (in one pass:
    ``INSERT … ON CONFLICT DO UPDATE``; on PostgreSQL from a ``COPY`` into a temporary table)."""
    if frame.height == 0:
        return 0
    frame = _with_defaults(table, frame)
    name, columns = _quoted(connection, table, frame.columns)
    quote = connection.dialect.identifier_preparer.quote
    conflict = ", ".join(quote(k) for k in keys)
    update = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in frame.columns if c not in keys)
    on_conflict = f"ON CONFLICT ({conflict}) DO UPDATE SET {update}"
    dialect = connection.dialect.name
    if dialect == "sqlite":
        marks = ", ".join("?" * frame.width)
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {name} ({columns}) VALUES ({marks}) {on_conflict}",
                _as_text(frame, postgres=False).iter_rows(),
            )
        finally:
            cursor.close()
    elif dialect == "postgresql":
        staging = sa.Table(f"anxin_upsert_{table.name}", sa.MetaData())
        staged = quote(staging.name)
        connection.exec_driver_sql(
            f"CREATE TEMP TABLE {staged} (LIKE {name} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        for offset in range(0, frame.height, CHUNK_ROWS):
            _copy(connection, staging, frame.slice(offset, CHUNK_ROWS))
        connection.exec_driver_sql(
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {staged} {on_conflict}"
        )
        connection.exec_driver_sql(f"DROP TABLE {staged}")
    else:
        raise NotImplementedError(f"bulk_upsert: {dialect}")
    return frame.height


def _with_defaults(table: sa.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Columns left out get their model's scalar default (``""``, ``0`` …), as the ORM would give."""
    missing = {
        column.name: column.default.arg  # type: ignore[union-attr]
        for column in table.columns
        if column.name not in frame.columns and column.default is not None and column.default.is_scalar
    }
    return (
        frame.with_columns(pl.lit(value).alias(name) for name, value in missing.items()) if missing else frame
    )


def _quoted(connection: sa.Connection, table: sa.Table, columns: Sequence[str]) -> tuple[str, str]:
    quote = connection.dialect.identifier_preparer.quote
    return quote(table.name), ", ".join(quote(name) for name in columns)


def _as_text(frame: pl.DataFrame, *, postgres: bool) -> pl.DataFrame:
    """Dates, times and bytes in the text form the database stores (SQLite) or parses (COPY)."""
    converted = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date:
            converted.append(column.dt.to_string("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                utc = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
                converted.append(utc.dt.to_string(_DATETIME + ("+00:00" if postgres else "")))
            else:
                converted.append(column.dt.to_string(_DATETIME))
        elif dtype == pl.Binary and postgres:
            converted.append((pl.lit("\\x") + column.bin.encode("hex")).alias(name))
    return frame.with_columns(converted) if converted else frame


def _copy(connection: sa.Connection, table: sa.Table, chunk: pl.DataFrame) -> None:
    name, columns = _quoted(connection, table, chunk.columns)
    buffer = io.BytesIO()
    _as_text(chunk, postgres=True).write_csv(
        buffer, include_header=False, quote_style="non_numeric", null_value=""
    )
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def _executemany(connection: sa.Connection, table: sa.Table, chunk: pl.DataFrame) -> None:
    name, columns = _quoted(connection, table, chunk.columns)
    marks = ", ".join("?" * chunk.width)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {name} ({columns}) VALUES ({marks})", _as_text(chunk, postgres=False).iter_rows()
        )
    finally:
        cursor.close()


def _generic(connection: sa.Connection, table: sa.Table, chunk: pl.DataFrame) -> None:
    connection.execute(sa.insert(table), chunk.to_dicts())


def _keys_table(connection: sa.Connection, keys: Sequence) -> sa.TableValuedAlias | None:
    """``keys`` as a one-column table (``value``) read from a single JSON parameter, or ``None``
    where the database has no JSON table function."""
    text = json.dumps(list(keys))
    if connection.dialect.name == "postgresql":
        as_json = sa.cast(sa.bindparam(None, text, type_=sa.Text), postgresql.JSON)
        return sa.func.json_array_elements_text(as_json).table_valued("value")
    if connection.dialect.name == "sqlite":
        return sa.func.json_each(text).table_valued("value")
    return None


def select_by_keys(
    connection: sa.Connection,
    statement: sa.Select,
    column: sa.ColumnElement,
    keys: Sequence | pl.Series,
    schema: dict[str, pl.DataType],
    *,
    chunk: int = KEY_CHUNK,
) -> pl.DataFrame:
    """The rows of ``statement`` whose ``column`` is among ``keys``, as a frame of ``schema``.

    The keys travel as one JSON text per chunk: joined as a table on PostgreSQL (measured with 1 M
    keys: 1.3 s, against 2.5 s for ``= ANY(:array)``, whose list is adapted key by key), and as
    ``IN (SELECT value FROM json_each(?))`` on SQLite, whose planner indexes the list.
    """
    if isinstance(keys, pl.Series):
        keys = keys.drop_nulls().unique(maintain_order=True)
        if _copies(connection, keys.len(), schema):
            return _select_by_copy(connection, statement, column, keys, schema)
        keys = keys.to_list()
    elif _copies(connection, len(keys), schema):
        series = pl.Series("value", list(keys)).drop_nulls().unique(maintain_order=True)
        return _select_by_copy(connection, statement, column, series, schema)
    found: list[Sequence] = []
    unique = list(dict.fromkeys(key for key in keys if key is not None))
    for start in range(0, len(unique), chunk):
        part = unique[start : start + chunk]
        table = _keys_table(connection, part)
        if table is None:
            query = statement.where(column.in_(part))
        elif connection.dialect.name == "sqlite":
            # SQLite builds an index over the IN list; a join may scan the keys once per row.
            query = statement.where(column.in_(sa.select(table.c.value)))
        else:
            value = (
                table.c.value if isinstance(column.type, sa.String) else sa.cast(table.c.value, column.type)
            )
            query = statement.join(table, column == value)
        found.extend(_fetch(connection, query))
    return _frame(connection, found, schema)


def _copies(connection: sa.Connection, count: int, schema: dict[str, pl.DataType]) -> bool:
    """Whether a look-up goes through a copied key table: PostgreSQL, many keys, exact types."""
    exact = all(
        any(dtype == kind for kind in _ARRAY_TYPES)
        or (isinstance(dtype, pl.Datetime) and dtype.time_zone is None)
        for dtype in schema.values()
    )
    return connection.dialect.name == "postgresql" and count >= COPY_KEYS_FROM and exact


def _select_by_copy(
    connection: sa.Connection,
    statement: sa.Select,
    column: sa.ColumnElement,
    keys: pl.Series,
    schema: dict[str, pl.DataType],
) -> pl.DataFrame:
    """The keys copied into a temporary table (analyzed, so the planner knows their number) and
    joined; the rows come back as one array per column (``array_agg``): a single row to fetch,
    where ``COPY … TO STDOUT`` or a cursor would hand Python one message or tuple per row."""
    name = f"anxin_keys_{next(_key_tables)}"
    key_type = column.type.compile(dialect=connection.dialect)
    keys_csv = io.BytesIO()
    keys.rename("value").to_frame().write_csv(keys_csv, include_header=False)
    table = sa.table(name, sa.column("value"))
    joined = statement.join(table, column == table.c.value).subquery()
    columns = sa.select(*(sa.func.array_agg(c) for c in joined.c))
    sql = str(columns.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {name} (value {key_type})")
        with cursor.copy(f"COPY {name} (value) FROM STDIN (FORMAT csv)") as copy:
            copy.write(keys_csv.getvalue())
        cursor.execute(f"ANALYZE {name}")
        cursor.execute(sql)
        arrays = cursor.fetchone()
        cursor.execute(f"DROP TABLE {name}")
    return pl.DataFrame({n: (values or []) for n, values in zip(schema, arrays, strict=True)}, schema=schema)


def fetch_frame(
    connection: sa.Connection, statement: sa.Select, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """All rows of ``statement`` as a frame of ``schema``."""
    return _frame(connection, _fetch(connection, statement), schema)


def _fetch(connection: sa.Connection, statement: sa.Select) -> list[Sequence]:
    """Rows as the driver returns them: no result objects or value processing per row (for the
    plain values these look-ups bind: text, numbers). Same connection, same transaction."""
    if connection.dialect.name not in ("sqlite", "postgresql"):
        return list(connection.execute(statement).all())
    compiled = statement.compile(dialect=connection.dialect)
    params = compiled.params
    bound = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), bound)
        return cursor.fetchall()
    finally:
        cursor.close()


def _frame(connection: sa.Connection, rows: list[Sequence], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows as a frame of ``schema``; SQLite's dates and times (text) parsed column-wise."""
    if connection.dialect.name != "sqlite":
        return pl.DataFrame(rows, schema=schema, orient="row")
    temporal = {n: t for n, t in schema.items() if t == pl.Date or isinstance(t, pl.Datetime)}
    as_text = {n: (pl.String() if n in temporal else t) for n, t in schema.items()}
    return _parse_temporal(pl.DataFrame(rows, schema=as_text, orient="row"), temporal)


def _parse_temporal(frame: pl.DataFrame, temporal: dict[str, pl.DataType]) -> pl.DataFrame:
    """Dates and times read as text (SQLite's storage, PostgreSQL's CSV) parsed column-wise."""
    return frame.with_columns(
        pl.col(n).str.to_date("%Y-%m-%d")
        if t == pl.Date
        else pl.col(n).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
        for n, t in temporal.items()
    )
