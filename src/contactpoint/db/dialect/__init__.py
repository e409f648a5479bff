"""How SQLite and PostgreSQL differ, in one place: one dialect object per engine.

As Splink's dialects do (splink/internals/dialects.py), every difference between the
engines the index runs on is a method or attribute of a `Dialect` (`base`), one class
per engine (`sqlite`, `postgresql`), and code that needs one asks the connection's
dialect, `dialect_for(connection)`, rather than testing the engine's name. This package
is the only place in `contactpoint` that reads `connection.vendor`
(tests/db/test_dialect.py checks).

The dialects know no domain: callers hand them models, table names and values. Table
and column names they format into SQL come from model metadata or the callers' fixed
sets of tables, never from input; values always go as parameters.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from contactpoint.db.dialect.base import MAX_PARAMS, Dialect, column
from contactpoint.db.dialect.postgresql import PostgreSQL
from contactpoint.db.dialect.sqlite import SQLite

__all__ = ["MAX_PARAMS", "Dialect", "PostgreSQL", "SQLite", "column", "dialect_for"]

_DIALECTS: dict[str, Dialect] = {d.name: d for d in (SQLite(), PostgreSQL())}


def dialect_for(connection: BaseDatabaseWrapper) -> Dialect:
    """The dialect of the engine behind this Django connection."""
    try:
        return _DIALECTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"ContactPoint does not run on {connection.vendor}") from None
