"""The web app's own sequencer: places entries every second, signs a checkpoint a minute.

Each web worker process runs one daemon thread (started by contactpoint.wsgi). Several
workers' threads take turns on the log's Head row, so running one per worker is safe;
it only means a checkpoint may be signed by whichever worker gets there first.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.db import close_old_connections

from contactpoint.audit import trail

logger = logging.getLogger("contactpoint.audit")

#: How often pending entries are placed in the log.
SEQUENCE_EVERY_SECONDS = 1.0

_started_in: int | None = None
_lock = threading.Lock()


def _run(stop: threading.Event) -> None:
    while not stop.wait(SEQUENCE_EVERY_SECONDS):
        try:
            close_old_connections()
            trail.sequence()
            trail.checkpoint_if_due()
        except Exception:  # a lost connection or a full disk must not end the thread
            logger.exception("audit sequencer: will try again")
            time.sleep(SEQUENCE_EVERY_SECONDS)


def start() -> threading.Event | None:
    """Start this process's sequencer thread once; returns the event that stops it."""
    global _started_in  # noqa: PLW0603  (one thread per process)
    with _lock:
        if _started_in == os.getpid():
            return None
        _started_in = os.getpid()
    stop = threading.Event()
    threading.Thread(target=_run, args=(stop,), name="audit-sequencer", daemon=True).start()
    return stop
