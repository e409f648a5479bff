"""The master key file: the key-encryption keys (KEKs) that wrap every data key.

Plain Python (no Django). The file holds a small keyring so that rotation can run
while the service is up: a new KEK becomes active, data keys are re-wrapped in the
background, and the old KEK is retired only when nothing is wrapped under it.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

KEY_BYTES = 32


class KeyringError(RuntimeError):
    """The master key file is missing, unreadable, malformed or too widely readable."""


@dataclass(frozen=True)
class Keyring:
    active_id: str
    keys: dict[str, bytes]

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]

    def key(self, kek_id: str) -> bytes:
        try:
            return self.keys[kek_id]
        except KeyError:
            raise KeyringError(
                f"key-encryption key {kek_id!r} is not in the master key file"
            ) from None


def _new_kek_id() -> str:
    return f"kek-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def _encode(ring: Keyring) -> bytes:
    return orjson.dumps(
        {
            "format": "contactpoint-keyring-1",
            "active": ring.active_id,
            "keys": {k: base64.b64encode(v).decode() for k, v in ring.keys.items()},
        },
        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS,
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically with mode 0600 from the first byte (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> Keyring:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyringError(
            f"no master key file at {path}: run `contactpoint init` first"
        ) from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyringError(
            f"master key file {path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); "
            "it must be 0600"
        )
    try:
        doc = orjson.loads(path.read_bytes())
        keys = {k: base64.b64decode(v, validate=True) for k, v in doc["keys"].items()}
        ring = Keyring(active_id=doc["active"], keys=keys)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"master key file {path} cannot be read: {exc}") from None
    if ring.active_id not in keys or any(len(k) != KEY_BYTES for k in keys.values()):
        raise KeyringError(f"master key file {path} is malformed")
    return ring


def create(path: Path) -> tuple[Keyring, bool]:
    """Create the master key file if it does not exist. Returns (keyring, created)."""
    if path.exists():
        return load(path), False
    kek_id = _new_kek_id()
    ring = Keyring(active_id=kek_id, keys={kek_id: secrets.token_bytes(KEY_BYTES)})
    _write_private(path, _encode(ring))
    return ring, True


def add_active_key(path: Path) -> Keyring:
    """Start a rotation: a new KEK becomes active; the old ones stay to unwrap until retired."""
    ring = load(path)
    kek_id = _new_kek_id()
    ring = Keyring(active_id=kek_id, keys={**ring.keys, kek_id: secrets.token_bytes(KEY_BYTES)})
    _write_private(path, _encode(ring))
    return ring


def retire_keys(path: Path, keep: set[str]) -> Keyring:
    """Finish a rotation: drop every KEK not in `keep` (the active one is always kept)."""
    ring = load(path)
    kept = {k: v for k, v in ring.keys.items() if k in keep or k == ring.active_id}
    ring = Keyring(active_id=ring.active_id, keys=kept)
    _write_private(path, _encode(ring))
    return ring
