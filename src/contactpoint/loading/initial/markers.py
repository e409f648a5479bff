"""The initial load's markers, and clearing what a dead load wrote.

A marker (a FeedLoad per file, not finished) is committed before anything else, naming
the host and process of the load and the constraints and indexes it dropped. If the
load dies, running it again finds the marker, clears what the dead run wrote and starts
again, so it ends as one clean run would. Keys made for children the dead run wrote are
left unused in the key store, as a crashed `ingest` leaves them.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction

from contactpoint.access.models import SourceSystem
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import get_keystore
from contactpoint.feeds.models import FeedLoad
from contactpoint.identity import store
from contactpoint.identity.models import Child, SourceRecord
from contactpoint.loading.initial import tables
from contactpoint.loading.initial.errors import InitialLoadError
from contactpoint.loading.initial.spool import remove_spools_of
from contactpoint.loading.loader import (
    INITIAL_LOAD_MARKER,
    unfinished_initial_loads,
)

#: What the marker FeedLoads hold until the load finishes (and the host and process).
MARKER = INITIAL_LOAD_MARKER
#: The marker's list of the constraints this load dropped: [table, name, definition].
#: (Its name is older than the unique constraints in it.)
CONSTRAINTS = "foreign_keys"
#: The marker's list of the indexes this load dropped: [table, name, definition].
INDEXES = "indexes"


def _running_here() -> dict[str, Any]:
    return {**MARKER, "host": socket.gethostname(), "pid": os.getpid()}


def _alive(marker: dict[str, Any], dead_hosts: Collection[str] = ()) -> bool:
    """Whether the load that wrote this marker may still be running. On this host, a
    load whose process is gone (or whose number now belongs to some other program) is
    dead; one of another host cannot be told apart from a live one: taken for alive,
    unless the operator has said that host is gone (`dead_hosts`)."""
    if "pid" not in marker:
        return False
    if marker.get("host") != socket.gethostname():
        return marker.get("host") not in dead_hosts
    pid = int(marker["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc to ask: the process exists
    # Empty for a moment while a process starts: it cannot be told apart yet.
    return not command or b"initial-load" in command


def operator(by: str | None) -> str:
    """Who runs the load, as the trail names them (the machine's user if not said)."""
    return audit.operator(by if by is not None else getpass.getuser())


def mark_start(files: Sequence[tuple[str, Path]], dead_hosts: Collection[str] = (),
               by: str | None = None) -> tuple[list[FeedLoad], bool]:
    """Check the index is empty (clearing a dead initial load), and mark this one."""
    cleared = False
    shred: list[str] = []
    with transaction.atomic():
        store.lock_index()
        dead = list(unfinished_initial_loads())
        running = [d.counts for d in dead if _alive(d.counts, dead_hosts)]
        if running:
            where = running[0]
            raise InitialLoadError(
                f"an initial load is already running (process {where.get('pid')} on "
                f"{where.get('host')}); if it is not, run this again on that host, or, if "
                f"that host is gone for good, with --dead-host {where.get('host')}")
        if dead:
            _remove_spools([d.counts for d in dead])
            shred = tables.clear()
            # On the emptied tables, at no cost: dropped again below.
            for d in dead:
                tables.restore_indexes(d.counts.get(INDEXES, []))
                tables.restore_constraints(d.counts.get(CONSTRAINTS, []))
            # Deleting a whole index's children and shredding their keys is audited.
            audit.record("feeds:initial-load:clear", actor=operator(by),
                         details={"children": len(shred),
                                  "dead_loads": [d.counts.get("pid") for d in dead],
                                  "hosts": sorted({str(d.counts.get("host")) for d in dead}),
                                  "hosts_said_dead": sorted(dead_hosts)})
            FeedLoad.objects.filter(pk__in=[d.pk for d in dead]).delete()
            cleared = True
        children = Child.objects.count()
        records = SourceRecord.objects.count()
        if children or records:
            raise InitialLoadError(
                f"the index already holds {children} children and {records} source records: "
                "an initial load is only for an empty index; load further feeds with "
                "`contactpoint ingest`")
        # Dropped in the marker's transaction and named in it: a run that dies before
        # putting them back leaves them to the next, which clears and restores.
        marker = {**_running_here(), CONSTRAINTS: tables.drop_constraints(),
                  INDEXES: tables.drop_indexes()}
        loads = [FeedLoad.objects.create(source=SourceSystem.register(source)[0],
                                         file_name=path.name[:255], counts=marker)
                 for source, path in files]
    # The cleared children's keys, once their data is gone for good: a backup taken
    # while the dead run was writing can no longer be read either.
    keys = get_keystore()
    for start in range(0, len(shred), 10_000):
        keys.destroy_child_keys(shred[start:start + 10_000])
    return loads, cleared


def _remove_spools(markers: list[dict[str, Any]]) -> None:
    """The spools dead loads of this host left behind."""
    for marker in markers:
        if marker.get("host") == socket.gethostname() and "pid" in marker:
            remove_spools_of(int(marker["pid"]))
