"""Fast bulk writes for the loader's hot path, on PostgreSQL and SQLite alike.

Django's `bulk_update` builds one CASE expression per row and field, which costs more
than the rest of a feed load together; `bulk_create` prepares every value through the
full expression machinery. These helpers write plain multi-row statements with bound
parameters instead (`UPDATE … FROM (VALUES …)`, `INSERT … RETURNING`). They take the
same field names as the model and respect `db_column`, and they never commit: the
caller's transaction owns them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connections, models, router
from psycopg.types.json import Jsonb

MAX_PARAMS = 30_000  # SQLite allows 32,766 bound parameters; PostgreSQL 65,535


def _chunks(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Sequence[Any]]]:
    """`rows` cut for statements of `width` parameters a row: as many as fit under
    MAX_PARAMS, then the rest in falling powers of two.

    sqlite3 keeps each connection's last 128 prepared statements, and a statement of
    thousands of rows takes megabytes prepared: rests of every length made a new one
    each time, and a writer of the initial load grew by 10 MB a bucket (to 700 MB at
    200,000 children). So a table's inserts take at most 15 shapes of statement.
    """
    full = max(1, MAX_PARAMS // max(width, 1))
    out, start = [], 0
    while len(rows) - start >= full:
        out.append(rows[start:start + full])
        start += full
    size = 1 << (full.bit_length() - 1)  # the largest power of two up to `full`
    while start < len(rows):
        while size > len(rows) - start:
            size >>= 1
        out.append(rows[start:start + size])
        start += size
    return out


def _prepared(model: type[models.Model], fields: Sequence[str], rows, connection):  # type: ignore[no-untyped-def]
    """Values ready to bind. psycopg adapts Python values itself (JSON once wrapped);
    SQLite needs date-times as Django stores them (UTC text) and JSON as text. Bytes,
    numbers, booleans, text and NULL bind as is."""
    meta = [model._meta.get_field(name) for name in fields]
    json = [i for i, f in enumerate(meta) if isinstance(f, models.JSONField)]
    if connection.vendor == "postgresql":
        if not json:  # rows bind as they are (a copy of each was a twentieth of a load)
            return meta, rows
        prepared = [list(row) for row in rows]
        for values in prepared:
            for i in json:
                values[i] = Jsonb(values[i], dumps=orjson.dumps)  # not the slow json module
        return meta, prepared
    adapt = [i for i, f in enumerate(meta) if isinstance(f, models.DateTimeField)]
    # A load stamps every row with the same few date-times (its start, each row's
    # updated_at): each is converted once, not once per row and column.
    stamped: dict[Any, Any] = {}
    prepared = []
    for row in rows:
        values = list(row)
        for i in adapt:
            value = values[i]
            text = stamped.get(value)
            if text is None:
                text = stamped[value] = meta[i].get_db_prep_save(value, connection)
            values[i] = text
        for i in json:
            values[i] = orjson.dumps(values[i]).decode()
        prepared.append(values)
    return meta, prepared


def _copy_type(field: models.Field, connection) -> str:  # type: ignore[no-untyped-def]
    """The PostgreSQL type name binary COPY needs for a column ('varchar(10)' -> 'text')."""
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    base = db_type.split("(")[0].strip()
    return "text" if base in ("varchar", "char") else base


def insert_rows(model: type[models.Model], fields: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> list[int]:
    """INSERT the rows; return their new primary keys in order.

    If `fields` includes the primary key the rows carry their own and none is returned.
    """
    return _insert(model, fields, rows, numbered=True)


def append_rows(model: type[models.Model], fields: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """INSERT rows whose new primary keys nobody needs (blind-index entries, decisions).

    `insert_rows` first draws a batch's ids from the sequence and returns them, a round
    trip and a list as long as the batch; here the table's own default numbers the rows
    as they arrive. A quarter of a million ids a day's load did not need, otherwise.
    """
    _insert(model, fields, rows, numbered=False)


def _insert(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]],
            *, numbered: bool) -> list[int]:
    if not rows:
        return []
    if model._meta.pk.name in fields:
        _insert_keyed(model, fields, rows)
        return []
    connection = connections[router.db_for_write(model)]
    meta, prepared = _prepared(model, fields, rows, connection)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [qn(f.column) for f in meta]
    pk = model._meta.pk.column
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: far cheaper than parsing and planning a statement with thousands of
            # parameters. Ids wanted back are taken from the table's own sequence first.
            types = [_copy_type(f, connection) for f in meta]
            if numbered:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                               "FROM generate_series(1, %s)",
                               [model._meta.db_table, pk, len(prepared)])
                ids = [r[0] for r in cursor.fetchall()]
                columns = [qn(pk), *columns]
                types = [_copy_type(model._meta.pk, connection), *types]
                prepared = [[pk_value, *row] for pk_value, row in zip(ids, prepared, strict=True)]
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                copy.set_types(types)
                for row in prepared:
                    copy.write_row(row)
            return ids
        return _sqlite_insert(connection, cursor, f"INSERT INTO {table} ({', '.join(columns)})",
                              prepared, f" RETURNING {qn(pk)}" if numbered else "")


def one_of(connection: Any, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """SQL saying "is one of `values`" (to follow a column) and its parameters.

    PostgreSQL gets one array parameter (`= ANY(%s)`); blind-index tokens (bytes of one
    length) one packed bytea the server cuts up, since psycopg dumps a list of bytes
    element by element in Python, which costs more than the lookup. SQLite gets an IN
    list: at most 999 values, so the caller chunks.
    """
    if connection.vendor == "postgresql" and _same_length_bytes(values):
        width = len(values[0])
        return ("= ANY(ARRAY(SELECT substring(%s::bytea FROM i * %s + 1 FOR %s) "
                "FROM generate_series(0, %s) AS i))",
                [b"".join(values), width, width, len(values) - 1])
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    return f"IN ({', '.join(['%s'] * len(values))})", list(values)


def select_in(model: type[models.Model], columns: Sequence[str], key: str,
              values: Sequence[Any], *, extra: str = "") -> list[tuple[Any, ...]]:
    """Rows of `columns` where `key` is one of `values` (plus an optional AND condition).

    Django compiles an IN lookup value by value; with a thousand keys per batch that
    costs more than the query. PostgreSQL gets one array parameter (`= ANY(%s)`), SQLite
    an IN list, in chunks under its parameter limit. Bytes come back as bytes.
    """
    if not values:
        return []
    alias = router.db_for_read(model)
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    cols = ", ".join(qn(meta.get_field(c).column) for c in columns)
    where = qn(meta.get_field(key).column)
    table = qn(meta.db_table)
    rows: list[tuple[Any, ...]] = []
    # SQLite caps a statement's parameters: its IN lists go in chunks.
    step = len(values) if connection.vendor == "postgresql" else 900
    with connection.cursor() as cursor:
        for start in range(0, len(values), step):
            match, params = one_of(connection, values[start : start + step])
            cursor.execute(f"SELECT {cols} FROM {table} WHERE {where} {match} {extra}",  # noqa: S608
                           params)
            rows.extend(cursor.fetchall())
    if connection.vendor == "postgresql":
        # psycopg already gives bytea as bytes and timestamptz as aware date-times; a
        # delta's candidate lookups return tens of thousands of rows a batch, and
        # copying each was a tenth of the loader's time.
        return rows
    stamps = [i for i, c in enumerate(columns)
              if isinstance(meta.get_field(c), models.DateTimeField)]
    return [_python_row(row, stamps) for row in rows]


def _same_length_bytes(values: Sequence[Any]) -> bool:
    first = values[0]
    return isinstance(first, bytes) and all(
        isinstance(v, bytes) and len(v) == len(first) for v in values)


def _python_row(row: Sequence[Any], stamps: list[int]) -> tuple[Any, ...]:
    """Bytes as bytes; date-times aware (SQLite hands back the UTC text Django stored)."""
    values = [bytes(v) if isinstance(v, memoryview) else v for v in row]
    for i in stamps:
        value = values[i]
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        values[i] = value
    return tuple(values)


def _insert_keyed(model: type[models.Model], fields: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> None:
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta, prepared = _prepared(model, fields, rows, connection)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in meta)
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
            # Raw psycopg calls: translate its errors into Django's (IntegrityError...).
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                copy.set_types([_copy_type(f, connection) for f in meta])
                for row in prepared:
                    copy.write_row(row)
            return
        _sqlite_insert(connection, cursor, f"INSERT INTO {table} ({columns})", prepared, "")


def _sqlite_insert(connection: Any, cursor: Any, insert: str, rows: Sequence[Sequence[Any]],
                   returning: str) -> list[int]:
    """`insert` ("INSERT INTO table (columns)") of `rows` on SQLite, as multi-row
    statements under its parameter limit; the first column `returning` names, if any.

    Written with SQLite's own `?` marks and run on sqlite3's cursor itself: Django's
    wrapper rewrites every statement's `%s` marks with a regular expression, a quarter of
    the time of a 10,000-row insert (the initial load inserts 27,000,000 blind-index
    entries at 1,000,000 children). One statement of many rows, not `executemany` of
    one: half the time again.
    """
    if not rows:
        return []
    one = "(" + ", ".join(["?"] * len(rows[0])) + ")"
    ids: list[int] = []
    for chunk in _chunks(rows, len(rows[0])):
        # Identifiers come from model metadata, values are bound: no injection path.
        sql = f"{insert} VALUES {', '.join([one] * len(chunk))}{returning}"
        with connection.wrap_database_errors:
            done = sqlite3.Cursor.execute(cursor.cursor, sql, [v for row in chunk for v in row])
        if returning:
            ids.extend(r[0] for r in done.fetchall())
    return ids


def update_rows(model: type[models.Model], fields: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE rows given as (pk, value, value, …) in the order of `fields`.

    One statement executed for many parameter sets: psycopg pipelines them, SQLite runs
    them in-process; either way no per-row round trip and nothing to re-plan.
    """
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta, prepared = _prepared(model, [*fields, model._meta.pk.name],
                               [(*row[1:], row[0]) for row in rows], connection)
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(f.column)} = %s" for f in meta[:-1])
    sql = (f"UPDATE {qn(model._meta.db_table)} SET {sets} "  # noqa: S608  (as above)
           f"WHERE {qn(meta[-1].column)} = %s")
    with connection.cursor() as cursor:
        # psycopg's own executemany pipelines the statements; Django's wrapper around it
        # costs more than the database work, so the hot path calls psycopg directly.
        raw = cursor.cursor if connection.vendor == "postgresql" else cursor
        with connection.wrap_database_errors:
            raw.executemany(sql, prepared)


#: A load refreshes the planner's statistics when it wrote at least this many rows...
STATISTICS_MIN_ROWS = 10_000
#: ...and at least this share of the rows the statistics last counted.
STATISTICS_SHARE = 0.1


def refresh_statistics(tables: Sequence[type[models.Model]], rows_written: int) -> bool:
    """After a load that outgrew the planner's statistics, VACUUM (ANALYZE) these tables
    on PostgreSQL (only ANALYZE inside a transaction, where VACUUM cannot run).

    A freshly loaded table has no statistics, so the planner guesses, and no visibility
    map, so an index lookup reads every row's page and the first reader of each page
    rewrites it. Autovacuum catches up in time, and a server may have it off: at
    1,000,000 children, searches right after a load ran 50 times slower until the
    tables were vacuumed (docs/benchmarks.md). Returns whether it ran. SQLite's planner
    needs none of this.
    """
    connection = connections[router.db_for_write(tables[0])]
    if connection.vendor != "postgresql" or rows_written < STATISTICS_MIN_ROWS:
        return False
    names = [t._meta.db_table for t in tables]
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(reltuples) FROM pg_class WHERE relname = ANY(%s)", [names])
        counted = max(0.0, float(cursor.fetchone()[0] or 0))
        if rows_written < STATISTICS_SHARE * counted:
            return False
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{verb} {', '.join(connection.ops.quote_name(n) for n in names)}")
    return True
