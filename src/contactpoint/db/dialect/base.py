"""What a dialect answers: the differences between engines, as methods and attributes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

#: Bound parameters a bulk statement may hold: SQLite allows 32,766, PostgreSQL 65,535.
MAX_PARAMS = 30_000

Rows = Sequence[Sequence[Any]]
#: What the audit trail's triggers say when they refuse (operation, table).
REFUSAL = "the audit trail is append-only: %s on %s refused"


def column(field: models.Field) -> str:
    """The field's column in its table. The fields the dialects are given are concrete
    (Django leaves `column` None only on a field stored in no column of its own)."""
    if field.column is None:
        raise ValueError(f"{field} is stored in no column of its own")
    return field.column


class Dialect(ABC):
    """What one engine does its own way. Stateless: one instance per engine. Every
    method is abstract: each engine says what it does, even where that is nothing."""

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

    @abstractmethod
    def bind_rows(self, fields: Sequence[models.Field], rows: Rows,
                  connection: BaseDatabaseWrapper) -> Rows:
        """`rows` (values in the order of `fields`) as this engine's driver binds them."""

    @abstractmethod
    def insert(self, connection: BaseDatabaseWrapper, cursor: Any, model: type[models.Model],
               fields: Sequence[models.Field], rows: Rows, *, numbered: bool) -> list[int]:
        """INSERT bound `rows` into `model`'s table; their new primary keys in order if
        `numbered` (the table's own default numbers them), else none."""

    @abstractmethod
    def one_of(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """SQL saying "is one of `values`" (to follow a column) and its parameters; at
        most `in_list_chunk` values."""

    @abstractmethod
    def python_rows(self, rows: list[tuple[Any, ...]],
                    stamps: Sequence[int]) -> list[tuple[Any, ...]]:
        """Rows read back with bytes as bytes and the columns at `stamps` as aware
        date-times."""

    @abstractmethod
    def executemany(self, cursor: Any, sql: str, rows: Rows) -> None:
        """`sql` (with `%s` marks) once per row, as fast as the driver allows."""

    @abstractmethod
    def refresh_statistics(self, connection: BaseDatabaseWrapper, tables: Sequence[str],
                           rows_written: int, share: float) -> bool:
        """Refresh the planner's statistics of `tables` if `rows_written` is at least
        `share` of the rows they last counted; whether it ran."""

    # -- connections, transactions and locks --------------------------------------------

    @abstractmethod
    def checkpoints_log_on_a_thread(self, connection: BaseDatabaseWrapper) -> bool:
        """Whether a load should checkpoint this database's write-ahead log from a
        thread of its own (contactpoint.db.checkpoints)."""

    @abstractmethod
    def prepare_bulk_writer(self, connection: BaseDatabaseWrapper, *, cache_kib: int,
                            busy_seconds: int) -> None:
        """Set up a connection that only writes in bulk (the initial load's writers)."""

    @abstractmethod
    def lock_writers(self, connection: BaseDatabaseWrapper, key: int) -> None:
        """Until this transaction ends, hold the lock named `key` against other writers."""

    @abstractmethod
    def streaming_read(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        """What a long read through `connection.chunked_cursor()` runs inside."""

    @abstractmethod
    def epoch_micros(self, column: str) -> str:
        """SQL for the date-time `column` as whole microseconds since 1970 (NULL if it
        is not a date-time)."""

    @abstractmethod
    def other_backends(self, connection: BaseDatabaseWrapper) -> list[int]:
        """Process ids of the database server serving other connections (none when the
        engine runs in each client's process)."""

    # -- the audit trail's append-only triggers (contactpoint.audit.guard) --------------

    @abstractmethod
    def append_only_triggers(self, tables: Sequence[str], erasing: str) -> list[str]:
        """Statements making triggers that refuse to change or remove rows of `tables`;
        `erasing` names the SQL function that lets a DELETE pass where the engine needs
        one (see `register_function`)."""

    @abstractmethod
    def drop_append_only_triggers(self, tables: Sequence[str]) -> list[str]:
        """Statements removing what `append_only_triggers` made."""

    @abstractmethod
    def register_function(self, connection: BaseDatabaseWrapper, name: str,
                          function: Callable[[], int]) -> None:
        """Make `function` callable from this connection's SQL where triggers need it."""

    @abstractmethod
    def bypassing_triggers(self, connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
        """Inside this, the append-only triggers' own bypass (if any) is open."""

    # -- a bulk load's schema (contactpoint.loading.initial.schema) -------------------------

    @abstractmethod
    def check_deferred_now(self, cursor: Any) -> None:
        """Run this transaction's deferred constraint checks now (the engine will not
        alter or index a table while they are pending)."""

    @abstractmethod
    def drop_load_constraints(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        """Drop the foreign keys and unique constraints of `tables` where the engine
        can; [table, name, definition] of each, to add back."""

    @abstractmethod
    def restore_constraints(self, cursor: Any, dropped: Sequence[Sequence[str]]) -> None:
        """Add back those of the `dropped` constraints not there already."""

    @abstractmethod
    def secondary_indexes(self, cursor: Any, tables: Sequence[str]) -> list[list[str]]:
        """[table, name, definition] of each index of `tables` made by a CREATE INDEX (not
        a primary key's or a constraint's)."""

    @abstractmethod
    def index_exists(self, cursor: Any, name: str) -> bool:
        """Whether an index of this name is in the database."""

    @abstractmethod
    def continue_sequences(self, cursor: Any, tables: Sequence[str]) -> None:
        """Make the `id` numbering of `tables` carry on after rows written with numbers
        of their own."""
