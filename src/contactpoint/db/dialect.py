"""How SQLite and PostgreSQL differ, in one place: one dialect object per engine.

As Splink's dialects do (splink/internals/dialects.py), every difference between the
engines the index runs on is a method or attribute of a `Dialect`, and code that needs
one asks the connection's dialect (`dialect_for(connection)`)
rather than testing the engine's name. This module is the only one in `contactpoint`
that reads `connection.vendor` (tests/db/test_dialect.py checks).

The dialects know no domain: callers hand them models, table names and values. Table
and column names they format into SQL come from model metadata or the callers' fixed
sets of tables, never from input; values always go as parameters.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.types.json import Jsonb

#: Bound parameters a bulk statement may hold: SQLite allows 32,766, PostgreSQL 65,535.
MAX_PARAMS = 30_000

Rows = Sequence[Sequence[Any]]


class Dialect:
    """What one engine does its own way. Stateless: one instance per engine."""

    #: The engine's name, as Django's backends and the benchmarks' reports give it.
    name: ClassVar[str]
    #: Values an "is one of" list may hold in one statement (None: any number).
    in_list_chunk: ClassVar[int | None]
    #: Whether INSERTs chain in one statement (`WITH e AS (INSERT … RETURNING id)
    #: INSERT … SELECT id FROM e`): one round trip instead of two.
    chains_inserts: ClassVar[bool]
    #: Whether a bulk load drops foreign keys and unique constraints and adds them back.
    drops_constraints_for_loads: ClassVar[bool]

    # -- bulk writes and reads (contactpoint.db.bulk) ----------------------------------

    def bind_rows(self, fields: Sequence[models.Field], rows: Rows,
                  connection: BaseDatabaseWrapper) -> Rows:
        """`rows` (values in the order of `fields`) as this engine's driver binds them."""
        raise NotImplementedError

    def insert(self, connection: BaseDatabaseWrapper, cursor: Any, model: type[models.Model],
               fields: Sequence[models.Field], rows: Rows, *, numbered: bool) -> list[int]:
        """INSERT bound `rows` into `model`'s table; their new primary keys in order if
        `numbered` (the table's own default numbers them), else none."""
        raise NotImplementedError

    def one_of(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """SQL saying "is one of `values`" (to follow a column) and its parameters; at
        most `in_list_chunk` values."""
        raise NotImplementedError

    def python_rows(self, rows: list[tuple[Any, ...]],
                    stamps: Sequence[int]) -> list[tuple[Any, ...]]:
        """Rows read back with bytes as bytes and the columns at `stamps` as aware
        date-times."""
        raise NotImplementedError

    def executemany(self, cursor: Any, sql: str, rows: Rows) -> None:
        """`sql` (with `%s` marks) once per row, as fast as the driver allows."""
        raise NotImplementedError

    def refresh_statistics(self, connection: BaseDatabaseWrapper, tables: Sequence[str],
                           rows_written: int, share: float) -> bool:
        """Refresh the planner's statistics of `tables` if `rows_written` is at least
        `share` of the rows they last counted; whether it ran."""
        raise NotImplementedError

    # -- connections, transactions and locks --------------------------------------------

    def checkpoints_log_on_a_thread(self, connection: BaseDatabaseWrapper) -> bool:
        """Whether a load should checkpoint this database's write-ahead log from a
        thread of its own (contactpoint.db.checkpoints)."""
        raise NotImplementedError

    def prepare_bulk_writer(self, connection: BaseDatabaseWrapper, *, cache_kib: int,
                            busy_seconds: int) -> None:
        """Set up a connection that only writes in bulk (the initial load's writers)."""

    def lock_writers(self, connection: BaseDatabaseWrapper, key: int) -> None:
        """Until this transaction ends, hold the lock named `key` against other writers."""

    def streaming_read(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        """What a long read through `connection.chunked_cursor()` runs inside."""
        return nullcontext()

    def epoch_micros(self, column: str) -> str:
        """SQL for the date-time `column` as whole microseconds since 1970 (NULL if it
        is not a date-time)."""
        raise NotImplementedError

    def other_backends(self, connection: BaseDatabaseWrapper) -> list[int]:
        """Process ids of the database server serving other connections (none when the
        engine runs in each client's process)."""
        return []

    # -- the audit trail's append-only triggers (contactpoint.audit.guard) --------------

    def append_only_triggers(self, tables: Sequence[str], erasing: str) -> list[str]:
        """Statements making triggers that refuse to change or remove rows of `tables`;
        `erasing` names the SQL function that lets a DELETE pass where the engine needs
        one (see `register_function`)."""
        raise NotImplementedError

    def drop_append_only_triggers(self, tables: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def register_function(self, connection: BaseDatabaseWrapper, name: str,
                          function: Callable[[], int]) -> None:
        """Make `function` callable from this connection's SQL where triggers need it."""

    def bypassing_triggers(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        """Inside this, the append-only triggers' own bypass (if any) is open."""
        return nullcontext()

    # -- a bulk load's schema (contactpoint.feeds.initial.schema) -------------------------

    def check_deferred_now(self, cursor: Any) -> None:
        """Run this transaction's deferred constraint checks now (the engine will not
        alter or index a table while they are pending)."""

    def drop_load_constraints(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        """Drop the foreign keys and unique constraints of `tables` where the engine
        can; [table, name, definition] of each, to add back."""
        return []

    def restore_constraints(self, cursor: Any, dropped: Sequence[Sequence[str]]) -> None:
        """Add back those of the `dropped` constraints not there already."""

    def secondary_indexes(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        """[table, name, definition] of each index of `tables` made by a CREATE INDEX (not
        a primary key's or a constraint's)."""
        raise NotImplementedError

    def index_exists(self, cursor: Any, name: str) -> bool:
        raise NotImplementedError

    def continue_sequences(self, cursor: Any, tables: Sequence[str]) -> None:
        """Make the `id` numbering of `tables` carry on after rows written with numbers
        of their own."""


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
                  f"({', '.join(qn(f.column) for f in fields)})")
        returning = f" RETURNING {qn(model._meta.pk.column)}" if numbered else ""
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
        return not connection.is_in_memory_db()  # an in-memory database has no log

    def prepare_bulk_writer(self, connection: BaseDatabaseWrapper, *, cache_kib: int,
                            busy_seconds: int) -> None:
        """Commits leave the log to the load's checkpointing thread; a larger page cache
        than SQLite's 2 MB; and a longer wait for the write lock."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")  # PRAGMA takes no parameters
            cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds) * 1000}")

    def lock_writers(self, connection: BaseDatabaseWrapper, key: int) -> None:
        pass  # SQLite's IMMEDIATE transactions (settings.py) already serialise writers

    def epoch_micros(self, column: str) -> str:
        # Run with a parameter list (empty if need be), which turns "%%" into "%".
        return (f"CAST(strftime('%%s', {column}) AS INTEGER) * 1000000 "
                f"+ CAST(substr({column} || '.000000', 21, 6) AS INTEGER)")

    def append_only_triggers(self, tables: Sequence[str], erasing: str) -> list[str]:
        statements = []
        for table in tables:
            statements += [
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{_refusal('UPDATE', table)}'); END",
                # A connection without the function (the sqlite3 shell) is refused too:
                # the trigger fails with "no such function".
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"WHEN {erasing}() = 0 BEGIN "
                f"SELECT RAISE(ABORT, '{_refusal('DELETE', table)}'); END",
            ]
        return statements

    def drop_append_only_triggers(self, tables: Sequence[str]) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {table}_{what}"
                for table in tables for what in ("no_update", "no_delete")]

    def register_function(self, connection: BaseDatabaseWrapper, name: str,
                          function: Callable[[], int]) -> None:
        connection.connection.create_function(name, 0, function, deterministic=False)

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


class PostgreSQL(Dialect):
    name = "postgresql"
    in_list_chunk = None  # one array parameter
    chains_inserts = True
    drops_constraints_for_loads = True  # PostgreSQL's advice for a bulk load

    def bind_rows(self, fields: Sequence[models.Field], rows: Rows,
                  connection: BaseDatabaseWrapper) -> Rows:
        """psycopg adapts Python values itself; JSON once wrapped."""
        json = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        if not json:  # rows bind as they are (a copy of each was a twentieth of a load)
            return rows
        prepared = [list(row) for row in rows]
        for values in prepared:
            for i in json:
                values[i] = Jsonb(values[i], dumps=orjson.dumps)  # not the slow json module
        return prepared

    def insert(self, connection: BaseDatabaseWrapper, cursor: Any, model: type[models.Model],
               fields: Sequence[models.Field], rows: Rows, *, numbered: bool) -> list[int]:
        """Binary COPY: far cheaper than parsing and planning a statement with thousands
        of parameters. Ids wanted back are taken from the table's own sequence first."""
        qn = connection.ops.quote_name
        meta = model._meta
        columns = [qn(f.column) for f in fields]
        types = [_copy_type(f, connection) for f in fields]
        ids: list[int] = []
        if numbered:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
            columns = [qn(meta.pk.column), *columns]
            types = [_copy_type(meta.pk, connection), *types]
            rows = [[pk_value, *row] for pk_value, row in zip(ids, rows, strict=True)]
        copy_sql = f"COPY {qn(meta.db_table)} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        # Raw psycopg calls: translate its errors into Django's (IntegrityError...).
        with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        return ids

    def one_of(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """One array parameter (`= ANY(%s)`); blind-index tokens (bytes of one length)
        one packed bytea the server cuts up, since psycopg dumps a list of bytes element
        by element in Python, which costs more than the lookup."""
        if _same_length_bytes(values):
            width = len(values[0])
            return ("= ANY(ARRAY(SELECT substring(%s::bytea FROM i * %s + 1 FOR %s) "
                    "FROM generate_series(0, %s) AS i))",
                    [b"".join(values), width, width, len(values) - 1])
        return "= ANY(%s)", [list(values)]

    def python_rows(self, rows: list[tuple[Any, ...]],
                    stamps: Sequence[int]) -> list[tuple[Any, ...]]:
        # psycopg already gives bytea as bytes and timestamptz as aware date-times; a
        # delta's candidate lookups return tens of thousands of rows a batch, and copying
        # each was a tenth of the loader's time.
        return rows

    def executemany(self, cursor: Any, sql: str, rows: Rows) -> None:
        # psycopg's own executemany pipelines the statements; Django's wrapper around it
        # costs more than the database work, so the hot path calls psycopg directly.
        cursor.cursor.executemany(sql, rows)

    def refresh_statistics(self, connection: BaseDatabaseWrapper, tables: Sequence[str],
                           rows_written: int, share: float) -> bool:
        """VACUUM (ANALYZE), or only ANALYZE inside a transaction, where VACUUM cannot run."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(reltuples) FROM pg_class WHERE relname = ANY(%s)",
                           [list(tables)])
            counted = max(0.0, float(cursor.fetchone()[0] or 0))
            if rows_written < share * counted:
                return False
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} {', '.join(connection.ops.quote_name(n) for n in tables)}")
        return True

    def checkpoints_log_on_a_thread(self, connection: BaseDatabaseWrapper) -> bool:
        return False  # the server checkpoints its own log

    def lock_writers(self, connection: BaseDatabaseWrapper, key: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    def streaming_read(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        return transaction.atomic(using=connection.alias)  # a server-side cursor needs one

    def epoch_micros(self, column: str) -> str:
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"

    def other_backends(self, connection: BaseDatabaseWrapper) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid()")
            return [row[0] for row in cursor.fetchall()]

    def append_only_triggers(self, tables: Sequence[str], erasing: str) -> list[str]:
        """`erasing` is not needed: `bypassing_triggers` switches triggers off instead."""
        statements = [
            "CREATE OR REPLACE FUNCTION contactpoint_audit_refuse() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            "'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$",
        ]
        for table in tables:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION contactpoint_audit_refuse()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION contactpoint_audit_refuse()",
            ]
        return statements

    def drop_append_only_triggers(self, tables: Sequence[str]) -> list[str]:
        statements = []
        for table in tables:
            statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                           f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]
        return [*statements, "DROP FUNCTION IF EXISTS contactpoint_audit_refuse()"]

    @contextmanager
    def bypassing_triggers(self, connection: BaseDatabaseWrapper) -> Iterator[None]:
        """`session_replication_role = replica`, which only a superuser may set."""
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    def check_deferred_now(self, cursor: Any) -> None:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def drop_load_constraints(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        qn = cursor.db.ops.quote_name
        # PostgreSQL alters no table with checks pending in this transaction.
        self.check_deferred_now(cursor)
        cursor.execute(
            "SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid) "
            "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
            "WHERE co.contype IN ('f', 'u') AND cl.relname = ANY(%s) "
            "AND cl.relnamespace = to_regnamespace(current_schema())::oid "
            "ORDER BY co.contype, cl.relname, co.conname", [list(tables)])
        dropped = []
        for table, name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            dropped.append([table, name, definition])
        return dropped

    def restore_constraints(self, cursor: Any, dropped: Sequence[Sequence[str]]) -> None:
        qn = cursor.db.ops.quote_name
        for table, name, definition in dropped:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s "
                           "AND conrelid = to_regclass(%s)", [name, qn(table)])
            if cursor.fetchone() is None:
                # The definition is PostgreSQL's own rendering of what it dropped.
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} "
                               f"{definition}")

    def secondary_indexes(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
            "AND t.relnamespace = to_regnamespace(current_schema())::oid "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
            "ORDER BY t.relname, i.relname", [list(tables)])
        return [list(row) for row in cursor.fetchall()]

    def index_exists(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT to_regclass(%s)", [cursor.db.ops.quote_name(name)])
        return cursor.fetchone()[0] is not None

    def continue_sequences(self, cursor: Any, tables: Sequence[str]) -> None:
        for table in tables:
            quoted = cursor.db.ops.quote_name(table)  # one of the caller's own tables
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                           f"GREATEST((SELECT max(id) FROM {quoted}), 1))", [table])


_DIALECTS: dict[str, Dialect] = {d.name: d for d in (SQLite(), PostgreSQL())}


def dialect_for(connection: BaseDatabaseWrapper) -> Dialect:
    """The dialect of the engine behind this Django connection."""
    try:
        return _DIALECTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"ContactPoint does not run on {connection.vendor}") from None


# -- helpers ------------------------------------------------------------------------------

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


def _copy_type(field: models.Field, connection: BaseDatabaseWrapper) -> str:
    """The PostgreSQL type name binary COPY needs for a column ('varchar(10)' -> 'text')."""
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    base = db_type.split("(")[0].strip()
    return "text" if base in ("varchar", "char") else base


def _same_length_bytes(values: Sequence[Any]) -> bool:
    first = values[0]
    return isinstance(first, bytes) and all(
        isinstance(v, bytes) and len(v) == len(first) for v in values)


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


def _refusal(operation: str, table: str) -> str:
    return f"the audit trail is append-only: {operation} on {table} refused"
