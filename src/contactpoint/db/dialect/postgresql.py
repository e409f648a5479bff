"""PostgreSQL's dialect: a server, reached over psycopg 3."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import orjson
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.types.json import Jsonb

from contactpoint.db.dialect.base import Dialect, Rows, column


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
        columns = [qn(column(f)) for f in fields]
        types = [_copy_type(f, connection) for f in fields]
        ids: list[int] = []
        if numbered:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)",
                           [meta.db_table, column(meta.pk), len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
            columns = [qn(column(meta.pk)), *columns]
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

    def prepare_bulk_writer(self, connection: BaseDatabaseWrapper, *, cache_kib: int,
                            busy_seconds: int) -> None:
        pass  # the server's own cache and locks serve every connection

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

    def register_function(self, connection: BaseDatabaseWrapper, name: str,
                          function: Callable[[], int]) -> None:
        pass  # the triggers call a function of the server's (`bypassing_triggers`)

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


def _copy_type(field: models.Field, connection: BaseDatabaseWrapper) -> str:
    """The PostgreSQL type name binary COPY needs for a column ('varchar(10)' -> 'text')."""
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    if db_type is None:  # a field with no column of its own
        raise ValueError(f"{field} has no column type to copy into")
    base = db_type.split("(")[0].strip()
    return "text" if base in ("varchar", "char") else base


def _same_length_bytes(values: Sequence[Any]) -> bool:
    first = values[0]
    return isinstance(first, bytes) and all(
        isinstance(v, bytes) and len(v) == len(first) for v in values)
