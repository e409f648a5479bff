"""The database refuses to change or remove what the audit trail has written.

Triggers on the append-only tables (entries, their child index, leaves, signed
checkpoints) refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE, whatever the
application asks. On PostgreSQL that is the second line: docs/configuration.md shows
the deployment where the application's role is granted only INSERT and SELECT on them.

The triggers' SQL is each engine's own (contactpoint.db.dialect). `erasing()` is the
one way past them, for destroying a whole database (the test suite's teardown;
decommissioning): on PostgreSQL it sets
`session_replication_role = replica`, which only a superuser may, so the application's
own role cannot use it; on SQLite it answers the triggers' question from this process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from contactpoint.db.dialect import dialect_for

#: The tables whose rows are never changed or removed once written.
APPEND_ONLY = ("audit_entry", "audit_entry_child", "audit_leaf", "audit_checkpoint")
#: SQLite asks this function whether a DELETE may pass (only inside `erasing()`).
SQLITE_FUNCTION = "contactpoint_audit_erasing"

_erasing = threading.local()


def _sqlite_erasing() -> int:
    return 1 if getattr(_erasing, "on", False) else 0


def _register(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    dialect_for(connection).register_function(connection, SQLITE_FUNCTION, _sqlite_erasing)


def connect() -> None:
    """Give every new connection what its triggers call (SQLite's DELETE triggers ask
    SQLITE_FUNCTION)."""
    connection_created.connect(_register, dispatch_uid="contactpoint.audit.guard")


def install_sql(connection: BaseDatabaseWrapper) -> list[str]:
    """The statements that create the triggers on this connection's engine."""
    return dialect_for(connection).append_only_triggers(APPEND_ONLY, SQLITE_FUNCTION)


def remove_sql(connection: BaseDatabaseWrapper) -> list[str]:
    return dialect_for(connection).drop_append_only_triggers(APPEND_ONLY)


@contextmanager
def erasing(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let this connection remove the trail's rows (a whole database being destroyed)."""
    with dialect_for(connection).bypassing_triggers(connection):
        _erasing.on = True
        try:
            yield
        finally:
            _erasing.on = False


#: What the application's own role may do to each of the trail's tables on PostgreSQL,
#: when it is not the schema's owner (docs/configuration.md, "A role that cannot rewrite
#: the trail"). Entries, leaves, the child index and checkpoints: add and read, never
#: change. The pending marks are removed once placed; the one head row, and each child's
#: latest entry (`chains.py`), are rewritten.
APP_ROLE_PRIVILEGES = {
    "audit_entry": "SELECT, INSERT",
    "audit_entry_child": "SELECT, INSERT",
    "audit_leaf": "SELECT, INSERT",
    "audit_checkpoint": "SELECT, INSERT",
    "audit_pending": "SELECT, INSERT, DELETE",
    "audit_head": "SELECT, INSERT, UPDATE",
    "audit_child_head": "SELECT, INSERT, UPDATE",
}


def app_role_sql(role: str) -> list[str]:
    """The statements an owner runs (after `contactpoint init`) to give `role` what the
    app needs: everything on the index's tables, only adding and reading on the trail's."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"a role name is lower-case letters, digits and _, not {role!r}")
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE ALL ON {', '.join(APP_ROLE_PRIVILEGES)} FROM {role}",
    ]
    statements += [f"GRANT {privileges} ON {table} TO {role}"
                   for table, privileges in APP_ROLE_PRIVILEGES.items()]
    return statements
