"""The initial load's spools: placed records and decisions on disk, in buckets, sealed
under a key that exists only in this process's memory.

A copy of a spool, or a crash that leaves one behind, reveals nothing. `Spooler` is
the placing's change hook that fills them (records bucketed by child, decisions by
record); the writers read them back a bucket at a time.
"""

from __future__ import annotations

import marshal
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contactpoint.loading.placing.memory import Change
from contactpoint.matching.decisions import Placed, decision_rows
from contactpoint.matching.probabilistic import ProbabilisticLinker

#: The spool's folder, in the temporary directory: this, the load's process id, a dash.
SPOOL_PREFIX = "contactpoint-initial-"


class Spool:
    """Length-prefixed entries in bucket files, each sealed with AES-GCM under a key
    held only in memory. The folder is private to this user and removed afterwards."""

    def __init__(self, buckets: int, parent: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-",
                                            dir=parent))
        self.buckets = buckets
        self._cipher = AESGCM(AESGCM.generate_key(bit_length=256))
        self._prefix = secrets.token_bytes(4)
        self._counter = 0
        self._files: list[BinaryIO] | None = [
            open(self._path(b), "wb", buffering=1 << 16)  # noqa: SIM115  (closed in close())
            for b in range(buckets)]

    def _path(self, bucket: int) -> Path:
        return self.folder / f"{bucket}.spool"

    def put(self, bucket: int, entry: bytes) -> None:
        self.put_many(bucket, [entry])

    def put_many(self, bucket: int, entries: list[bytes]) -> None:
        """The entries, sealed together (one seal a batch's entries for a bucket, rather
        than one an entry, cost the placing process less)."""
        if self._files is None:
            raise RuntimeError("the spool is closed for writing")
        self._counter += 1
        nonce = self._prefix + self._counter.to_bytes(8, "big")
        block = b"".join(len(e).to_bytes(4, "big") + e for e in entries)
        # Bound to its bucket: a block moved to another bucket's file does not open.
        sealed = self._cipher.encrypt(nonce, block, bucket.to_bytes(4, "big"))
        self._files[bucket].write(len(sealed).to_bytes(4, "big") + nonce + sealed)

    def close(self) -> None:
        if self._files is not None:
            for fh in self._files:
                fh.close()
            self._files = None

    def read(self, bucket: int) -> Iterator[bytes]:
        with open(self._path(bucket), "rb", buffering=1 << 20) as fh:
            while head := fh.read(4):
                size = int.from_bytes(head, "big")
                nonce = fh.read(12)
                block = self._cipher.decrypt(nonce, fh.read(size), bucket.to_bytes(4, "big"))
                at = 0
                while at < len(block):
                    size = int.from_bytes(block[at:at + 4], "big")
                    yield block[at + 4:at + 4 + size]
                    at += 4 + size

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class Spooler:
    """MemoryPlacer's change hook: each record's version to the records spool (bucket by
    child), and each placing decision to the decisions spool (bucket by record)."""

    def __init__(self, records: Spool, decisions: Spool, configuration: int,
                 linker: ProbabilisticLinker, now: datetime) -> None:
        self.records, self.decisions = records, decisions
        self.configuration, self.linker, self.now = configuration, linker, now

    def __call__(self, changes: list[Change]) -> None:
        records: dict[int, list[bytes]] = {}
        decisions: dict[int, list[bytes]] = {}
        for change in changes:
            if change.decision is not None:
                if change.child_number is None or change.record_number is None:
                    raise ValueError(f"record {change.record} was placed without the "
                                     "numbers its decision's candidates are written under")
                placed = Placed(change.record, change.child, change.decision)
                row, items = decision_rows(
                    self.configuration, placed, self.linker.thresholds,
                    child_pk=change.child_number, record_pk=change.record_number,
                    now=self.now)
                decisions.setdefault(change.record % self.decisions.buckets, []).append(
                    orjson.dumps([change.record, row[2], row[3], row[4],
                                  [i[1:5] for i in items]]))
            prepared = change.ready.linker
            tokens = prepared.packed_stored if prepared is not None else b""
            entry = marshal.dumps((
                change.record, change.slot, change.child, change.state, change.source,
                change.ready.source_key, change.recorded_at.isoformat(), change.ready.digest,
                change.ready.payload, tokens))
            records.setdefault(change.child % self.records.buckets, []).append(entry)
        for bucket, entries in records.items():
            self.records.put_many(bucket, entries)
        for bucket, entries in decisions.items():
            self.decisions.put_many(bucket, entries)


def remove_spools_of(pid: int) -> None:
    """The spools a dead load of this host, process `pid`, left behind (unreadable:
    their key died with it, but not small)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}{int(pid)}-*"):
        shutil.rmtree(folder, ignore_errors=True)
