"""Fewer garbage collections while a bulk load runs.

CPython runs its youngest collection every 700 allocations net of frees, and a load
allocates a few thousand objects a row (parsed JSON, validated fields, tokens, candidates,
scores) while it holds millions of long-lived ones. At 100,000 children the initial
load's placing process spent half its time collecting (212 µs a row, 108 with collection
off); the reading workers a fifth. Nearly nothing a load makes is cyclic: it is freed by
reference counting. So, for the load's duration, collections are made rarer, not
switched off: a cycle made by accident is still collected, a little later.

The thresholds are the process's, and the web server's threads may run two feed loads
(loading.upload) at once: the first load in sets them, the last out puts them back.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: gc.set_threshold while loading: the youngest generation collected every 50,000
#: allocations, the middle one every 20 of those, the oldest every 100 of the middle's.
LOADING_THRESHOLDS = (50_000, 20, 100)


_lock = threading.Lock()
_loads = 0  # blocks open, in all threads
_before = gc.get_threshold()


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect garbage rarely inside the block (and in processes forked in it)."""
    global _loads, _before  # noqa: PLW0603  (the process's collector, one for all threads)
    with _lock:
        if not _loads:
            _before = gc.get_threshold()
            gc.set_threshold(*LOADING_THRESHOLDS)
        _loads += 1
    try:
        yield
    finally:
        with _lock:
            _loads -= 1
            if not _loads:
                gc.set_threshold(*_before)
