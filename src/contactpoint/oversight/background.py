"""The web app runs the misuse rules by itself, at least every minute.

Each web worker process runs one daemon thread (started by contactpoint.wsgi, as the
audit trail's sequencer is), which runs the rules every `run_every_seconds` (settings:
CONTACTPOINT_MISUSE). Several workers' threads take turns on the rules' lock and
progress row (`runner.py`), so each entry is read once and each alert raised once
however many workers gunicorn starts.
"""

from __future__ import annotations

import logging
import os
import threading

from django.db import close_old_connections

from contactpoint.oversight import runner
from contactpoint.oversight.rules.base import Thresholds

logger = logging.getLogger("contactpoint.oversight")

_started_in: int | None = None
_lock = threading.Lock()


def _run(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            close_old_connections()
            runner.run()
        except Exception:  # a lost connection or a full disk must not end the thread
            logger.exception("misuse rules: will try again")


def start() -> threading.Event | None:
    """Start this process's rules thread once; returns the event that stops it."""
    global _started_in  # noqa: PLW0603  (one thread per process)
    with _lock:
        if _started_in == os.getpid():
            return None
        _started_in = os.getpid()
    every = min(60.0, float(Thresholds.from_settings().run_every_seconds))
    stop = threading.Event()
    threading.Thread(target=_run, args=(stop, every), name="misuse-rules", daemon=True).start()
    return stop
