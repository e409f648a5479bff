"""The loader's SQLite log is checkpointed by a thread of its own, not by its commits."""

import sqlite3
import threading

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler

from contactpoint.checkpoints import checkpoint_in_background
from contactpoint.settings import _database
from databases import both_databases


@pytest.fixture
def sqlite_file(tmp_path, django_db_blocker):
    """A file database configured as the product configures SQLite, and its path."""
    path = tmp_path / "data.db"
    with django_db_blocker.unblock():
        connection = ConnectionHandler({"default": _database(f"sqlite:///{path}")})["default"]
        try:
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
            yield path, connection
        finally:
            connection.close()


def _rows_in_the_database_file(path):
    """Rows of t as the database file holds them, ignoring the write-ahead log."""
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return db.execute("SELECT count(*) FROM t").fetchone()[0]
    except sqlite3.OperationalError:  # the table itself is still only in the log
        return 0
    finally:
        db.close()


def _autocheckpoint(connection):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cursor.fetchone()[0]


def _insert(connection, rows):
    with connection.cursor() as cursor:  # autocommit: one commit
        cursor.executemany("INSERT INTO t (v) VALUES (%s)", [(bytes(5000),)] * rows)


def test_a_load_on_sqlite_is_checkpointed_off_the_loaders_connection(sqlite_file):
    path, connection = sqlite_file
    with checkpoint_in_background(connection):
        assert "sqlite-checkpoints" in {t.name for t in threading.enumerate()}
        assert _autocheckpoint(connection) == 0  # its commits no longer checkpoint
        for _ in range(5):  # five commits, each over SQLite's 1,000 pages
            _insert(connection, 1000)
    # Leaving the block ran the thread's last checkpoint: the rows are in the file.
    assert _rows_in_the_database_file(path) == 5000
    assert _autocheckpoint(connection) == 1000  # SQLite's default, as it was


def test_without_it_the_rows_wait_in_the_log(sqlite_file):
    # The check above can fail: with checkpoints off and no thread, the file lacks them.
    path, connection = sqlite_file
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    _insert(connection, 1000)
    assert _rows_in_the_database_file(path) == 0


@both_databases
def test_it_does_nothing_on_an_in_memory_or_postgresql_database():
    connection = connections["default"]
    assert connection.vendor == "postgresql" or connection.is_in_memory_db()
    with checkpoint_in_background(connection):
        assert "sqlite-checkpoints" not in {t.name for t in threading.enumerate()}
