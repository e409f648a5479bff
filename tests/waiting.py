"""Waiting for a state, not for a time: how a test that drives other processes waits.

A test that sleeps a fixed time, or gives up after one and carries on, passes on a quiet
machine and fails on a busy one (CI's two cores running the suite in parallel). Poll for
the condition the test needs instead, with a deadline far beyond any machine's speed: a
deadline that is reached fails the test, saying what never happened.

    wait_for(lambda: committed_source_records(data) > 0, "the writers' first commit",
             unless=lambda: load.poll() is not None)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: Long enough that only a fault reaches it, on any machine.
DEADLINE_SECONDS = 600.0


def wait_for(condition: Callable[[], T], what: str, *,
             unless: Callable[[], bool] | None = None,
             seconds: float = DEADLINE_SECONDS, every: float = 0.05) -> T:
    """Poll `condition` until it returns a true value, and return that value.

    Fails when `unless` turns true first (what the test waits on has ended, so waiting
    longer changes nothing), or after `seconds`.
    """
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if unless is not None and unless():
            value = condition()  # it may have happened just before the end
            if value:
                return value
            raise AssertionError(f"{what}: never happened, and what it waited on has ended")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(every)
