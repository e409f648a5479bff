"""The loader's SQLite log is checkpointed by a thread of its own, not by its commits."""

import sqlite3
import threading

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler

from contactpoint.db.checkpoints import checkpoint_in_background
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


def test_a_log_that_outgrows_its_limit_is_emptied(sqlite_file, monkeypatch):
    # A writer that never pauses (the initial load's) leaves PASSIVE no moment to
    # restart the log; past the limit the thread empties it, holding writers back.
    import os  # noqa: PLC0415
    import time  # noqa: PLC0415

    from contactpoint.db import checkpoints  # noqa: PLC0415

    monkeypatch.setattr(checkpoints, "MAX_LOG_BYTES", 1_000_000)
    monkeypatch.setattr(checkpoints, "INTERVAL", 0.01)
    path, connection = sqlite_file
    log_file = f"{path}-wal"
    largest = 0
    with checkpoint_in_background(connection):
        for _ in range(40):  # 40 commits of 1 MB, back to back
            _insert(connection, 200)
            largest = max(largest, os.path.getsize(log_file))
            time.sleep(0.02)
    assert _rows_in_the_database_file(path) == 8000
    assert os.path.getsize(log_file) < 5_000_000  # emptied, not 40 MB
    assert largest < 10_000_000


def test_the_thread_truncates_only_a_log_past_the_limit(tmp_path, monkeypatch):
    from contactpoint.db import checkpoints  # noqa: PLC0415

    monkeypatch.setattr(checkpoints, "MAX_LOG_BYTES", 1000)
    log_file = tmp_path / "data.db-wal"
    assert checkpoints._mode(str(log_file)) == "PASSIVE"  # no log yet
    log_file.write_bytes(bytes(1000))
    assert checkpoints._mode(str(log_file)) == "PASSIVE"
    log_file.write_bytes(bytes(1001))
    assert checkpoints._mode(str(log_file)) == "TRUNCATE"
