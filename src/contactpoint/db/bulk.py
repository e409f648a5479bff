"""Fast bulk writes for the loader's hot path, on PostgreSQL and SQLite alike.

Django's `bulk_update` builds one CASE expression per row and field, which costs more
than the rest of a feed load together; `bulk_create` prepares every value through the
full expression machinery. These helpers write plain multi-row statements with bound
parameters instead (`UPDATE … FROM (VALUES …)`, `INSERT … RETURNING`, PostgreSQL's
COPY), each engine's way as its dialect (contactpoint.db.dialect) says. They take the
same field names as the model and respect `db_column`, and they never commit: the
caller's transaction owns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router

from contactpoint.db.dialect import MAX_PARAMS, column, dialect_for

__all__ = ["MAX_PARAMS", "append_rows", "insert_rows", "one_of", "refresh_statistics",
           "select_in", "update_rows"]


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
    connection = connections[router.db_for_write(model)]
    engine = dialect_for(connection)
    meta = _fields(model, fields)
    prepared = engine.bind_rows(meta, rows, connection)
    with connection.cursor() as cursor:
        return engine.insert(connection, cursor, model, meta, prepared,
                             numbered=numbered and model._meta.pk.name not in fields)


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The model's fields of these names: each must be a column of its table."""
    found = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise ValueError(f"{model.__name__}.{name} is not a column of its table")
        found.append(field)
    return found


def column_of(model: type[models.Model], name: str) -> str:
    """The column of the model's field `name`, for SQL composed from model metadata."""
    return column(_fields(model, [name])[0])


def one_of(connection: Any, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """SQL saying "is one of `values`" (to follow a column) and its parameters.

    PostgreSQL gets one array parameter, SQLite an IN list: at most
    `dialect_for(connection).in_list_chunk` values, so the caller chunks.
    """
    return dialect_for(connection).one_of(values)


def select_in(model: type[models.Model], columns: Sequence[str], key: str,
              values: Sequence[Any], *, extra: str = "") -> list[tuple[Any, ...]]:
    """Rows of `columns` where `key` is one of `values` (plus an optional AND condition,
    written by the caller from fixed text).

    Django compiles an IN lookup value by value; with a thousand keys per batch that
    costs more than the query. PostgreSQL gets one array parameter (`= ANY(%s)`), SQLite
    an IN list, in chunks under its parameter limit. Bytes come back as bytes.
    """
    if not values:
        return []
    connection = connections[router.db_for_read(model)]
    engine = dialect_for(connection)
    qn = connection.ops.quote_name
    meta = model._meta
    # Identifiers from the model's metadata; the values are bound.
    cols = ", ".join(qn(column(f)) for f in _fields(model, columns))
    where = qn(column(_fields(model, [key])[0]))
    table = qn(meta.db_table)
    rows: list[tuple[Any, ...]] = []
    step = engine.in_list_chunk or len(values)
    with connection.cursor() as cursor:
        for start in range(0, len(values), step):
            match, params = engine.one_of(values[start : start + step])
            cursor.execute(f"SELECT {cols} FROM {table} WHERE {where} {match} {extra}",  # noqa: S608
                           params)
            rows.extend(cursor.fetchall())
    stamps = [i for i, c in enumerate(columns)
              if isinstance(meta.get_field(c), models.DateTimeField)]
    return engine.python_rows(rows, stamps)


def update_rows(model: type[models.Model], fields: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE rows given as (pk, value, value, …) in the order of `fields`.

    One statement executed for many parameter sets: psycopg pipelines them, SQLite runs
    them in-process; either way no per-row round trip and nothing to re-plan.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    engine = dialect_for(connection)
    meta = _fields(model, [*fields, model._meta.pk.name])
    prepared = engine.bind_rows(meta, [(*row[1:], row[0]) for row in rows], connection)
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(column(f))} = %s" for f in meta[:-1])
    sql = (f"UPDATE {qn(model._meta.db_table)} SET {sets} "  # noqa: S608  (as above)
           f"WHERE {qn(column(meta[-1]))} = %s")
    with connection.cursor() as cursor, connection.wrap_database_errors:
        engine.executemany(cursor, sql, prepared)


#: A load refreshes the planner's statistics when it wrote at least this many rows...
STATISTICS_MIN_ROWS = 10_000
#: ...and at least this share of the rows the statistics last counted.
STATISTICS_SHARE = 0.1


def refresh_statistics(tables: Sequence[type[models.Model]], rows_written: int) -> bool:
    """After a load that outgrew the planner's statistics, refresh them for these tables
    where the engine keeps them (PostgreSQL: VACUUM (ANALYZE), or only ANALYZE inside a
    transaction, where VACUUM cannot run).

    A freshly loaded table has no statistics, so the planner guesses, and no visibility
    map, so an index lookup reads every row's page and the first reader of each page
    rewrites it. Autovacuum catches up in time, and a server may have it off: at
    1,000,000 children, searches right after a load ran 50 times slower until the
    tables were vacuumed (docs/benchmarks.md). Returns whether it ran. SQLite's planner
    needs none of this.
    """
    if rows_written < STATISTICS_MIN_ROWS:
        return False
    connection = connections[router.db_for_write(tables[0])]
    return dialect_for(connection).refresh_statistics(
        connection, [t._meta.db_table for t in tables], rows_written, STATISTICS_SHARE)
