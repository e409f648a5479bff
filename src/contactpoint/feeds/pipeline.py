"""Reading and validating a feed in a second process while the loader writes.

Parsing and validating a row costs about as much as storing it, and the loader's
process is busy with the database and encryption, so `ingest` runs the reader and
validator in a forked worker that hands over chunks through a bounded queue (memory
stays flat: at most QUEUE_CHUNKS chunks wait). The worker touches no database; it
holds what the parent held when it forked (the blind-index key, to compute the row's
keyed digests and tokens) and exits with os._exit, so nothing inherited from the parent
is closed twice.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from queue import Empty
from typing import Any

from contactpoint.feeds.reader import FeedFileError, read_feed
from contactpoint.feeds.validate import Rejection, RowRejected, ValidRow, validate_row

CHUNK_ROWS = 500
QUEUE_CHUNKS = 8
#: How often a loader waiting for the next chunk checks that its reader is still alive.
WORKER_POLL_SECONDS = 1.0


class FeedReaderDied(RuntimeError):
    """The reading worker ended without finishing the file or reporting an error."""


@dataclass(slots=True)
class Checked:
    """One row after validation: loadable (`row`) or not, and what was rejected of it.

    `prepared` is what the loader's `prepare` made of a loadable row in the worker.
    """

    row: ValidRow | None
    rejections: list[Rejection]
    prepared: Any = None


def check(line: int, data: dict | None, error: str | None, *, today: date,
          now: datetime) -> Checked:
    if data is None:
        return Checked(None, [Rejection(line, None, None, error or "row cannot be read")])
    try:
        valid = validate_row(line, data, today=today, now=now)
    except RowRejected as exc:
        sid = data.get("source_id")
        return Checked(None, [Rejection(line, sid if isinstance(sid, str) else None,
                                        exc.field, exc.reason)])
    return Checked(valid, valid.rejections)


def _end_with(parent: int) -> None:
    """End the worker when its loader is gone.

    A loader killed outright (SIGKILL, the out-of-memory killer) runs no clean-up, and
    nothing will ever read what the worker has queued: without this it would wait on
    the full queue for ever, holding its memory.
    """
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _produce(path: Path, today: date, now: datetime, queue,  # type: ignore[no-untyped-def]
             prepare: Callable[[ValidRow], Any] | None, *, parent: int) -> None:
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    try:
        chunk: list[Checked] = []
        for raw in read_feed(path):
            checked = check(raw.line, raw.data, raw.error, today=today, now=now)
            if checked.row is not None:
                if prepare is not None:
                    checked.prepared = prepare(checked.row)
                # The loader needs the row as received only serialised (`content`);
                # not pickling the dict a second time saves the loader's process work.
                checked.row.received = {}
            chunk.append(checked)
            if len(chunk) >= CHUNK_ROWS:
                queue.put(chunk)
                chunk = []
        if chunk:
            queue.put(chunk)
        queue.put(None)
    except FeedFileError as exc:
        queue.put(exc)
    except BaseException as exc:
        queue.put(RuntimeError(f"feed reader failed: {exc!r}\n{traceback.format_exc()}"))
    finally:
        queue.close()
        queue.join_thread()
        os._exit(0)


def _next(queue, worker) -> Any:  # type: ignore[no-untyped-def]
    """The worker's next chunk; an error if it died without saying why (a crash, the
    out-of-memory killer): otherwise the loader would wait on the queue for ever."""
    while True:
        # Asked before waiting: a worker already gone had put everything it sent into the
        # pipe before it ended, so an empty wait after that means nothing more will come.
        alive = worker.is_alive()
        try:
            return queue.get(timeout=WORKER_POLL_SECONDS)
        except Empty:
            if not alive:
                worker.join()
                raise FeedReaderDied(
                    f"the feed reader process ended unexpectedly (exit code {worker.exitcode}); "
                    "nothing after the last stored batch was loaded: run the load again "
                    "to resume") from None


def checked_rows(path: Path, *, today: date, now: datetime,
                 prepare: Callable[[ValidRow], Any] | None = None) -> Iterator[Checked]:
    """Every row of the file, checked (and prepared), in file order, from a worker process.

    `prepare` runs in the worker on each loadable row: the loader's per-row work that
    needs nothing from the database (keyed digests, the matcher's profile and tokens).
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=QUEUE_CHUNKS)
    worker = context.Process(target=_produce, args=(path, today, now, queue, prepare),
                             kwargs={"parent": os.getpid()},
                             daemon=True)
    # The worker must never garbage-collect what it inherited: objects of C extensions
    # loaded in the parent (pyarrow's, in a test run with Splink) can crash a forked
    # child when freed there, and touching them all would copy the parent's pages.
    gc.freeze()
    try:
        worker.start()
    finally:
        gc.unfreeze()
    try:
        while True:
            item = _next(queue, worker)
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
