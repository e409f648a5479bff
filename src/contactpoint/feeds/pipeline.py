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
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any, TypeAlias

from contactpoint.feeds.reader import FeedFileError, read_feed
from contactpoint.feeds.validate import Rejection, RowRejected, ValidRow, validate_row

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue

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


#: What a reading worker puts on its queue: a chunk of checked rows, the error that
#: stopped it, or None after its share of the file.
Sent: TypeAlias = list[Checked] | BaseException | None
#: A ReaderPool worker's jobs: (path, source) to read, or None to end.
Job: TypeAlias = tuple[Path, str] | None


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


def end_with_parent(parent: int) -> None:
    """End the worker when its loader is gone.

    A loader killed outright (SIGKILL, the out-of-memory killer) runs no clean-up, and
    nothing will ever read what the worker has queued: without this it would wait on
    the full queue for ever, holding its memory.
    """
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _check_share(path: Path, today: date, now: datetime, queue: Queue[Sent],
                 prepare: Callable[[ValidRow], Any] | None, *, share: int,
                 shares: int) -> None:
    """Check (and prepare) chunk `share`, `share + shares`, ... of the file's rows onto
    the queue, then None (or the error that stopped it)."""
    try:
        chunk: list[Checked] = []
        for raw in read_feed(path, keep=None if shares == 1 else
                             lambda index: (index // CHUNK_ROWS) % shares == share):
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


def _produce(path: Path, today: date, now: datetime, queue: Queue[Sent],
             prepare: Callable[[ValidRow], Any] | None, *, parent: int, share: int = 0,
             shares: int = 1) -> None:
    threading.Thread(target=end_with_parent, args=(parent,), daemon=True).start()
    try:
        _check_share(path, today, now, queue, prepare, share=share, shares=shares)
    finally:
        queue.close()
        queue.join_thread()
        os._exit(0)


def _next(queue: Queue[Sent], worker: BaseProcess) -> Sent:
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


def _in_turn(queues: Sequence[Queue[Sent]],
             procs: Sequence[BaseProcess]) -> Generator[Checked, None, int]:
    """The workers' chunks, taken from each in turn, until one ends the file; which
    worker that was. (Each of the others has only its end marker left to send.)"""
    turn = 0
    while True:
        # A worker ends with None after its last chunk: the file ended before the
        # chunk whose turn it is, so every row has been handed over.
        item = _next(queues[turn], procs[turn])
        if item is None:
            return turn
        if isinstance(item, BaseException):
            raise item
        yield from item
        turn = (turn + 1) % len(queues)


def _start(procs: Iterable[BaseProcess]) -> None:
    # A worker must never garbage-collect what it inherited: objects of C extensions
    # loaded in the parent (pyarrow's, in a test run with Splink) can crash a forked
    # child when freed there, and touching them all would copy the parent's pages.
    gc.freeze()
    try:
        for proc in procs:
            proc.start()
    finally:
        gc.unfreeze()


def _stop(procs: Iterable[BaseProcess]) -> None:
    for proc in procs:
        if proc.is_alive():
            proc.kill()
        proc.join()


def checked_rows(path: Path, *, today: date, now: datetime,
                 prepare: Callable[[ValidRow], Any] | None = None,
                 workers: int = 1) -> Iterator[Checked]:
    """Every row of the file, checked (and prepared), in file order, from worker processes.

    `prepare` runs in the worker on each loadable row: the loader's per-row work that
    needs nothing from the database (keyed digests, the matcher's profile and tokens).
    With several `workers`, each reads the whole file but parses and checks only every n-th chunk
    of CHUNK_ROWS rows; the chunks are taken from them in turn, so the order is the file's.
    """
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=QUEUE_CHUNKS) for _ in range(workers)]
    procs = [context.Process(target=_produce, args=(path, today, now, queue, prepare),
                             kwargs={"parent": os.getpid(), "share": share,
                                     "shares": workers},
                             daemon=True)
             for share, queue in enumerate(queues)]
    _start(procs)
    try:
        yield from _in_turn(queues, procs)
    finally:
        _stop(procs)


def _serve(jobs: Queue[Job], queue: Queue[Sent], today: date, now: datetime,
           prepare_for: Callable[[str], Callable[[ValidRow], Any]] | None, *, parent: int,
           share: int, shares: int) -> None:
    """A ReaderPool worker: each (path, source) job's share of rows, until None."""
    threading.Thread(target=end_with_parent, args=(parent,), daemon=True).start()
    try:
        while (job := jobs.get()) is not None:
            path, source = job
            _check_share(path, today, now, queue,
                         prepare_for(source) if prepare_for is not None else None,
                         share=share, shares=shares)
    finally:
        queue.close()
        queue.join_thread()
        os._exit(0)


class ReaderPool:
    """checked_rows for several files from the same workers, forked once.

    A worker forked for each file is a copy of the loader as it is then. A loader that
    builds up a large index in memory as it goes (the initial load's) would hand each
    later worker a copy of it, and copy-on-write keeps those pages apart as the loader
    changes them: at 1,000,000 children each reading worker came to hold most of a
    gigabyte. Forked before the index grows, the workers stay small. `prepare_for(source)`
    gives the worker its per-row preparation for a file of that source.
    """

    def __init__(self, *, today: date, now: datetime, workers: int = 2,
                 prepare_for: Callable[[str], Callable[[ValidRow], Any]] | None = None) -> None:
        context = multiprocessing.get_context("fork")
        self._jobs = [context.Queue() for _ in range(workers)]
        self._queues = [context.Queue(maxsize=QUEUE_CHUNKS) for _ in range(workers)]
        self._procs = [context.Process(target=_serve, args=(jobs, queue, today, now,
                                                            prepare_for),
                                       kwargs={"parent": os.getpid(), "share": share,
                                               "shares": workers},
                                       daemon=True)
                       for share, (jobs, queue) in enumerate(zip(self._jobs, self._queues,
                                                                 strict=True))]
        _start(self._procs)
        self._busy = False

    def rows(self, path: Path, source: str) -> Iterator[Checked]:
        """Every row of the file, checked and prepared for `source`, in file order. Read
        each file to its end before the next: a file left half-read leaves the pool
        unusable (close it)."""
        if self._busy:
            raise RuntimeError("the reader pool is still reading another file")
        self._busy = True
        for jobs in self._jobs:
            jobs.put((path, source))
        ended = yield from _in_turn(self._queues, self._procs)
        # The others end the file too: take their end markers, so the next file starts
        # clean.
        for share, (queue, proc) in enumerate(zip(self._queues, self._procs, strict=True)):
            if share != ended:
                item = _next(queue, proc)
                if item is not None:
                    raise item if isinstance(item, BaseException) else RuntimeError(
                        "a reading worker went on past the end of the file")
        self._busy = False

    def close(self) -> None:
        for jobs in self._jobs:
            jobs.put(None)
        for proc in self._procs:
            proc.join(timeout=5)
        _stop(self._procs)

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
