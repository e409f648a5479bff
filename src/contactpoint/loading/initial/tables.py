"""The tables the initial load fills: their constraints and indexes dropped for the
writing and put back at its end, their numbering carried on, and clearing them of what
a dead load wrote.

What each engine can drop and how it names what it dropped is its dialect's
(contactpoint.db.dialect); here is which tables, and when. Table names formatted into
SQL come only from FILLED, the load's own fixed set of models.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from contactpoint.db.dialect import dialect_for
from contactpoint.identity.models import BlindIndexEntry, Child, SourceRecord
from contactpoint.matching.models import MatchDecision, ReviewItem

#: The tables the load fills, each before those that point at it.
FILLED = (Child, SourceRecord, BlindIndexEntry, MatchDecision, ReviewItem)


def _tables() -> list[str]:
    return [model._meta.db_table for model in FILLED]


def drop_constraints() -> list[list[str]]:
    """Where the engine can (PostgreSQL), drop the foreign keys and unique constraints of
    the tables the load fills (PostgreSQL's advice for a bulk load); [table, name,
    definition] of each, to add back.

    The foreign keys are DEFERRABLE INITIALLY DEFERRED: each row's check is queued and
    run, one by one, at commit (for the blind index's ten entries a record, the larger
    part of the writing time); added back, they are checked in one join each. A unique
    constraint's index takes random keys (source keys, ContactPoint IDs), a page visited
    at random per row; added back, it is built once, sorted, and a duplicate fails the
    load there. SQLite cannot drop either from a table: it keeps them.
    """
    with connection.cursor() as cursor:
        return dialect_for(connection).drop_load_constraints(cursor, _tables())


def restore_constraints(dropped: Sequence[Sequence[str]]) -> None:
    """Add back the constraints a load dropped (those not there already), each checked
    against every row at once: a row pointing nowhere, or a second row with one source
    key, fails the load here."""
    if not dropped:
        return
    with connection.cursor() as cursor:
        dialect_for(connection).restore_constraints(cursor, dropped)


def drop_indexes() -> list[list[str]]:
    """Drop the indexes of the tables the load fills that are not a primary key's or a
    constraint's; [table, name, definition] of each, to build again.

    Thirty million blind-index entries under random tokens, and records and children
    written bucket by bucket (their children's and sources' numbers interleaved), are
    far cheaper to index once, sorted, than row by row into B-trees whose pages are
    visited at random. The index is empty, so nothing needs them until the load ends:
    matching and search wait for it.
    """
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        dropped = dialect_for(connection).secondary_indexes(cursor, _tables())
        for _table, name, _definition in dropped:
            cursor.execute(f"DROP INDEX {qn(name)}")  # a name the database gave
    return dropped


def restore_indexes(dropped: Sequence[Sequence[str]]) -> None:
    """Build the indexes a load dropped (those not there already)."""
    engine = dialect_for(connection)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # Inside a caller's transaction the rows' deferred foreign-key checks may be
            # pending, and PostgreSQL will not index a table with pending checks.
            engine.check_deferred_now(cursor)
        for _table, name, definition in dropped:
            if not engine.index_exists(cursor, name):
                # The definition is the database's own, as it held it before the drop.
                cursor.execute(definition)


def continue_numbering() -> None:
    """Rows were written with numbers of the load's own: the tables' own sequences must
    carry on after them (children and source records; the rest number themselves)."""
    with connection.cursor() as cursor:
        dialect_for(connection).continue_sequences(
            cursor, [model._meta.db_table for model in (Child, SourceRecord)])


def clear() -> list[str]:
    """Everything a dead initial load wrote (it began on an empty index); the ContactPoint
    IDs of the children it made. Plain DELETEs, children last: the ORM's delete reads
    every row first. Anything else that came to point at one of those children (it
    should not: feeds and people wait for the load) fails the clearing, and so the load."""
    owners = list(Child.objects.values_list("contactpoint_id", flat=True))
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in reversed(FILLED):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608  (FILLED's)
    return owners
