"""SQLite: checkpoint the write-ahead log on a thread of its own while a feed loads.

The SQLite dialect asks for it (`Dialect.checkpoints_log_on_a_thread`); this module is
the mechanism, SQLite's own PRAGMAs over the standard library's sqlite3.

In WAL mode a commit appends the transaction's pages to the log. Once the log passes
`wal_autocheckpoint` pages (1,000 by default), the committing connection copies them
into the database file and waits for the disk before it returns. A feed batch rewrites
thousands of pages scattered over the index, so nearly every commit of a load waited
on the disk: about a third of a daily delta against 1,000,000 children
(docs/benchmarks.md, "Daily delta").

While `checkpoint_in_background()` is open the loader's connection never checkpoints;
a thread with a connection of its own does, PASSIVE (it never blocks the writer or a
reader), so the disk works while the loader places the next batch. SQLite's Python
module lets other threads run while a statement executes, so the two overlap.

What a commit promises does not change. Under `synchronous=NORMAL` a commit is
durable once a checkpoint has synced the log, as before; an interrupted load is rerun
as ever. SQLite itself: https://sqlite.org/wal.html#ckpt. Written here rather than
taken from a library because it is a dozen lines over the standard library's sqlite3.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from contactpoint.db.dialect import dialect_for

log = logging.getLogger(__name__)

#: Seconds between the thread's checkpoints. A checkpoint with nothing to copy costs
#: microseconds; one behind the writer copies what has piled up.
INTERVAL = 0.2
#: A log larger than this is checkpointed in full and emptied, writers waiting.
MAX_LOG_BYTES = 512 * 1024 * 1024


def _checkpoints(path: str, stop: threading.Event) -> None:
    try:
        db = sqlite3.connect(path, timeout=30)
    except sqlite3.Error:
        log.exception("no checkpointing connection to %s: commits will wait on the disk", path)
        return
    log_file = f"{path}-wal"
    try:
        while not stop.wait(INTERVAL):
            # A PRAGMA takes no parameters: the mode is one of _mode's two words.
            db.execute(f"PRAGMA wal_checkpoint({_mode(log_file)})").fetchall()
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        # The log only grows until the loader's own commits checkpoint again, at the end.
        log.exception("checkpointing %s stopped", path)
    finally:
        db.close()


def _mode(log_file: str) -> str:
    """PASSIVE, unless the log has outgrown MAX_LOG_BYTES: then TRUNCATE, which waits for
    the writer in progress, holds the next one back while it copies, and empties the log.

    A PASSIVE checkpoint never resets the log while a writer is always at work (the
    initial load's writers, one after the other): it can only be restarted once every
    frame is copied and no one is writing, and it grew to 37 GB at 1,000,000 children.
    """
    try:
        size = os.path.getsize(log_file)
    except OSError:
        return "PASSIVE"
    return "TRUNCATE" if size > MAX_LOG_BYTES else "PASSIVE"


@contextmanager
def checkpoint_in_background(connection: BaseDatabaseWrapper | None = None) -> Iterator[None]:
    """Checkpoint the SQLite log of `connection` (the data's) on another thread while
    the block runs.

    Does nothing where the dialect says the client need not (PostgreSQL's server
    checkpoints its own log; an in-memory SQLite database has none).
    """
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if not dialect_for(connection).checkpoints_log_on_a_thread(connection):
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (held,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    stop = threading.Event()
    thread = threading.Thread(target=_checkpoints, name="sqlite-checkpoints", daemon=True,
                              args=(str(connection.settings_dict["NAME"]), stop))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        if connection.connection is not None:  # a failed load may have closed it
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={int(held)}")  # an integer only
