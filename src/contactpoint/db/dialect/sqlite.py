"""SQLite's dialect: an engine in the client's process, one writer at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from contactpoint.db.dialect.base import MAX_PARAMS, REFUSAL, Dialect, Rows, column


class SQLite(Dialect):
    name = "sqlite"
    in_list_chunk = 900  # SQLite caps a statement's parameters
    chains_inserts = False
    drops_constraints_for_loads = False  # SQLite cannot drop either from a table

    def bind_rows(self, fields: Sequence[models.Field], rows: Rows,
                  connection: BaseDatabaseWrapper) -> Rows:
        """Date-times as Django stores them (UTC text), JSON as text. Bytes, numbers,
        booleans, text and NULL bind as they are."""
        json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        adapt = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
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
                    text = stamped[value] = fields[i].get_db_prep_save(value, connection)
                values[i] = text
            for i in json:
                values[i] = orjson.dumps(values[i]).decode()
            prepared.append(values)
        return prepared

    def insert(self, connection: BaseDatabaseWrapper, cursor: Any, model: type[models.Model],
               fields: Sequence[models.Field], rows: Rows, *, numbered: bool) -> list[int]:
        """Multi-row statements under the parameter limit, written with SQLite's own `?`
        marks and run on sqlite3's cursor itself: Django's wrapper rewrites every
        statement's `%s` marks with a regular expression, a quarter of the time of a
        10,000-row insert (the initial load inserts 27,000,000 blind-index entries at
        1,000,000 children). One statement of many rows, not `executemany` of one: half
        the time again."""
        if not rows:
            return []
        qn = connection.ops.quote_name
        insert = (f"INSERT INTO {qn(model._meta.db_table)} "
                  f"({', '.join(qn(column(f)) for f in fields)})")
        returning = f" RETURNING {qn(column(model._meta.pk))}" if numbered else ""
        one = "(" + ", ".join(["?"] * len(rows[0])) + ")"
        ids: list[int] = []
        for chunk in statement_chunks(rows, len(rows[0])):
            # Identifiers come from model metadata, values are bound: no injection path.
            sql = f"{insert} VALUES {', '.join([one] * len(chunk))}{returning}"
            with connection.wrap_database_errors:
                done = sqlite3.Cursor.execute(cursor.cursor, sql,
                                              [v for row in chunk for v in row])
            if returning:
                ids.extend(r[0] for r in done.fetchall())
        return ids

    def one_of(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"IN ({', '.join(['%s'] * len(values))})", list(values)

    def python_rows(self, rows: list[tuple[Any, ...]],
                    stamps: Sequence[int]) -> list[tuple[Any, ...]]:
        """SQLite hands back bytes as memoryviews and date-times as the UTC text Django
        stored."""
        return [_python_row(row, stamps) for row in rows]

    def executemany(self, cursor: Any, sql: str, rows: Rows) -> None:
        cursor.executemany(sql, rows)  # in-process: nothing to pipeline

    def refresh_statistics(self, connection: BaseDatabaseWrapper, tables: Sequence[str],
                           rows_written: int, share: float) -> bool:
        return False  # SQLite's planner needs none

    def checkpoints_log_on_a_thread(self, connection: BaseDatabaseWrapper) -> bool:
        if not isinstance(connection, SQLiteWrapper):
            raise TypeError(f"not a SQLite connection: {connection.vendor}")
        return not connection.is_in_memory_db()  # an in-memory database has no log

    def prepare_bulk_writer(self, connection: BaseDatabaseWrapper, *, cache_kib: int,
                            busy_seconds: int) -> None:
        """Commits leave the log to the load's checkpointing thread; a larger page cache
        than SQLite's 2 MB; and a longer wait for the write lock."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            # A PRAGMA takes no parameters: integers only are formatted in.
            cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds) * 1000}")

    def lock_writers(self, connection: BaseDatabaseWrapper, key: int) -> None:
        pass  # SQLite's IMMEDIATE transactions (settings.py) already serialise writers

    def streaming_read(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        # The one SELECT reads one snapshot by itself, and a transaction would begin
        # IMMEDIATE (settings.py), taking the write lock: parallel readers would queue.
        return nullcontext()

    def other_backends(self, connection: BaseDatabaseWrapper) -> list[int]:
        return []  # SQLite runs in each client's own process

    def epoch_micros(self, column: str) -> str:
        # Run with a parameter list (empty if need be), which turns "%%" into "%".
        return (f"CAST(strftime('%%s', {column}) AS INTEGER) * 1000000 "
                f"+ CAST(substr({column} || '.000000', 21, 6) AS INTEGER)")

    def append_only_triggers(self, tables: Sequence[str], erasing: str) -> list[str]:
        statements = []
        for table in tables:
            statements += [
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{REFUSAL % ('UPDATE', table)}'); END",
                # A connection without the function (the sqlite3 shell) is refused too:
                # the trigger fails with "no such function".
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"WHEN {erasing}() = 0 BEGIN "
                f"SELECT RAISE(ABORT, '{REFUSAL % ('DELETE', table)}'); END",
            ]
        return statements

    def drop_append_only_triggers(self, tables: Sequence[str]) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {table}_{what}"
                for table in tables for what in ("no_update", "no_delete")]

    def register_function(self, connection: BaseDatabaseWrapper, name: str,
                          function: Callable[[], int]) -> None:
        connection.connection.create_function(name, 0, function, deterministic=False)

    def bypassing_triggers(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        return nullcontext()  # the DELETE triggers ask the registered function instead

    def check_deferred_now(self, cursor: Any) -> None:
        pass  # SQLite alters and indexes tables with checks pending

    def drop_load_constraints(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        return []  # SQLite cannot drop a constraint from a table: it keeps them

    def restore_constraints(self, cursor: Any, dropped: Sequence[Sequence[str]]) -> None:
        pass  # none was dropped

    def secondary_indexes(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        # An index SQLite made for a constraint written into the table has no SQL.
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute("SELECT tbl_name, name, sql FROM sqlite_master "  # noqa: S608  (marks only)
                       f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) "
                       "ORDER BY tbl_name, name", list(tables))
        return [list(row) for row in cursor.fetchall()]

    def index_exists(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s",
                       [name])
        return cursor.fetchone() is not None

    def continue_sequences(self, cursor: Any, tables: Sequence[str]) -> None:
        pass  # SQLite numbers a new row after the largest id in its table


def statement_chunks(rows: Rows, width: int) -> list[Rows]:
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


def _python_row(row: Sequence[Any], stamps: Sequence[int]) -> tuple[Any, ...]:
    values = [bytes(v) if isinstance(v, memoryview) else v for v in row]
    for i in stamps:
        value = values[i]
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        values[i] = value
    return tuple(values)
