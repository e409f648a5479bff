"""The initial load's forked writers: buckets shared among processes that take them in
turn, each ending as soon as the load that forked it is gone, and their failures
reported to the load, which fails with them."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

from django.db import connections

from contactpoint.feeds.pipeline import end_with_parent
from contactpoint.loading.initial.errors import InitialLoadError

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue

#: What a writer reports: the sums of what its task returned, or why it failed.
Outcome: TypeAlias = tuple[int, int] | str


def give_back_freed() -> None:
    """Collect what placing let go, and hand the C heap's free pages back to the system
    (glibc's malloc_trim) before the writers fork: otherwise each writer starts out
    sharing, and soon copying, a heap mostly of free space."""
    gc.collect()
    try:
        import ctypes  # noqa: PLC0415

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its pages stay with the process
        pass


def write_all(task: Callable[[int], tuple[int, int]], buckets: int,
              workers: int) -> tuple[int, int]:
    """`task` on every bucket, by `workers` forked processes taking them in turn (or in
    this process, for one); the sums of what it returned."""
    if workers <= 1:
        totals = [task(b) for b in range(buckets)]
        return sum(t[0] for t in totals), sum(t[1] for t in totals)
    connections.close_all()  # each writer opens its own
    context = multiprocessing.get_context("fork")
    results: Queue[Outcome] = context.Queue()
    procs = [context.Process(target=_write_share,
                             args=(task, buckets, w, workers, results, os.getpid()),
                             daemon=True) for w in range(workers)]
    gc.freeze()  # as feeds.pipeline: a forked writer must not free what it inherited
    try:
        for proc in procs:
            proc.start()
    finally:
        gc.unfreeze()
    done = [0, 0]
    failures: list[str] = []
    try:
        for _ in procs:
            outcome = _result(results, procs)
            if isinstance(outcome, str):
                failures.append(outcome)
                continue
            done[0] += outcome[0]
            done[1] += outcome[1]
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    if failures:
        raise InitialLoadError("a writer failed; run the initial load again to start it "
                               "afresh:\n" + "\n".join(failures))
    return done[0], done[1]


def _result(results: Queue[Outcome], procs: Sequence[BaseProcess]) -> Outcome:
    from queue import Empty  # noqa: PLC0415

    while True:
        alive = [p.is_alive() for p in procs]
        try:
            return results.get(timeout=1.0)
        except Empty:
            if not any(alive):
                codes = ", ".join(str(p.exitcode) for p in procs)
                return f"a writer ended without a word (exit codes {codes})"


def _die_with(parent: int) -> None:
    """End this writer as soon as the load that forked it is gone.

    A writer outliving a killed load would go on writing while the load is run again
    (which first clears what the dead run wrote). Linux kills it at once when asked
    (PR_SET_PDEATHSIG); elsewhere a thread watches the parent, as feeds.pipeline does.
    """
    try:
        import ctypes  # noqa: PLC0415

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        threading.Thread(target=end_with_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the kernel was asked
        os._exit(1)


def _write_share(task: Callable[[int], tuple[int, int]], buckets: int,  # noqa: PLR0917
                 share: int, workers: int, results: Queue[Outcome], parent: int) -> None:
    _die_with(parent)
    try:
        totals = [task(b) for b in range(share, buckets, workers)]
        results.put((sum(t[0] for t in totals), sum(t[1] for t in totals)))
    except BaseException as exc:  # reported to the parent, which fails the load
        results.put(f"writer {share}: {exc!r}\n{traceback.format_exc()}")
    finally:
        connections.close_all()
        results.close()
        results.join_thread()
        os._exit(0)
