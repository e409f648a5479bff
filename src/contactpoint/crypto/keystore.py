"""The key store service: creates, unwraps, caches, rotates and destroys data keys.

Key-store writes commit in the key store's own transaction *before* any data sealed
under the new key is written, so a crash can leave an unused key (it protects nothing
and its id is never drawn again) but never data whose key was not saved.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contactpoint.crypto import envelope, keyring
from contactpoint.crypto.blind import BlindIndex
from contactpoint.crypto.models import DataKey, SystemKey
from contactpoint.crypto.routers import KEYSTORE_DB
from contactpoint.db import bulk

#: The two kinds of wrapped key a rotation re-wraps.
_Wrapped = TypeVar("_Wrapped", SystemKey, DataKey)

BLIND_INDEX_KEY = "blind-index"
#: Seals the keys of people's authenticator apps (TOTP) in the data database.
SECOND_FACTOR_KEY = "second-factors"
#: Seals what a signed-in session holds (the records opened and the reasons given).
SESSION_KEY = "sessions"
#: Seals the personal content of audit entries that name no child (contactpoint.audit).
AUDIT_KEY = "audit-trail"
#: The audit trail's Ed25519 signing key: its 32 bytes are the private key's seed.
AUDIT_SIGNING_KEY = "audit-signing"
#: The service-wide keys `contactpoint init` creates, each wrapped like a data key.
SYSTEM_KEYS = (BLIND_INDEX_KEY, SECOND_FACTOR_KEY, SESSION_KEY, AUDIT_KEY, AUDIT_SIGNING_KEY)
#: Unwrapped keys kept per process. Each costs about 2.6 KB (an OpenSSL context), so the
#: cache is sized for a few batches of a load, not for the whole index.
CACHE_SIZE = 20_000


class MissingKey(LookupError):
    """A child's data key is not in the key store (never created, or shredded)."""


@dataclass(frozen=True)
class RotationReport:
    rewrapped: int
    retired: list[str]


class KeyStore:
    def __init__(self, master_key_file: Path, cache_size: int = CACHE_SIZE) -> None:
        self._path = master_key_file
        self._ring: keyring.Keyring | None = None
        self._ring_mtime = 0
        self._cache: OrderedDict[str, AESGCM] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._blind: BlindIndex | None = None
        self._system: dict[str, AESGCM] = {}

    # -- the keyring -------------------------------------------------------------------
    def _keyring(self, need: str | None = None, *, current: bool = False) -> keyring.Keyring:
        """The keyring, reloaded when a KEK is unknown or (for `current`) the file changed.

        Wrapping new keys asks for the current ring, so once a rotation has made a new
        KEK active every process wraps under it from its next batch.
        """
        ring = self._ring
        stale = ring is None or (need is not None and need not in ring.keys)
        if current and not stale:
            try:
                stale = self._path.stat().st_mtime_ns != self._ring_mtime
            except OSError:
                stale = True
        if stale or ring is None:
            self._ring_mtime = self._path.stat().st_mtime_ns if self._path.exists() else 0
            ring = self._ring = keyring.load(self._path)
        return ring

    def _unwrap(self, owner: str, kek_id: str, wrapped: bytes) -> bytes:
        return envelope.unwrap_key(self._keyring(kek_id).key(kek_id), owner, bytes(wrapped))

    # -- system keys -------------------------------------------------------------------
    def ensure_system_keys(self) -> list[str]:
        """Create whichever system keys are missing; returns the names created."""
        created = []
        with transaction.atomic(using=KEYSTORE_DB):
            present = set(SystemKey.objects.values_list("name", flat=True))
            ring = self._keyring(current=True)
            for name in SYSTEM_KEYS:
                if name in present:
                    continue
                SystemKey.objects.create(
                    name=name, kek_id=ring.active_id,
                    wrapped=envelope.wrap_key(ring.active_key, name, envelope.new_data_key()))
                created.append(name)
        return created

    def _system_key(self, name: str) -> bytes:
        try:
            row = SystemKey.objects.get(name=name)
        except SystemKey.DoesNotExist:
            raise MissingKey(f"no {name} key: run `contactpoint init` first") from None
        return self._unwrap(name, row.kek_id, bytes(row.wrapped))

    def system_secret(self, name: str) -> bytes:
        """The raw 32 bytes of a system key (the audit signing key's Ed25519 seed)."""
        return self._system_key(name)

    def system_cipher(self, name: str) -> AESGCM:
        """The AES-256-GCM key of a service-wide purpose (SECOND_FACTOR_KEY, SESSION_KEY)."""
        cipher = self._system.get(name)
        if cipher is None:
            cipher = self._system[name] = AESGCM(self._system_key(name))
        return cipher

    @property
    def blind_index(self) -> BlindIndex:
        if self._blind is None:
            self._blind = BlindIndex(self._system_key(BLIND_INDEX_KEY))
        return self._blind

    # -- children's data keys ----------------------------------------------------------
    def create_child_keys(self, owners: Iterable[str]) -> dict[str, AESGCM]:
        """Create and store a fresh data key for each owner, committed before returning."""
        ring = self._keyring(current=True)
        fresh = {owner: envelope.new_data_key() for owner in owners}
        now = timezone.now()
        rows = [(owner, ring.active_id, envelope.wrap_key(ring.active_key, owner, key), now)
                for owner, key in fresh.items()]
        with transaction.atomic(using=KEYSTORE_DB):
            bulk.insert_rows(DataKey, ["owner", "kek_id", "wrapped", "created_at"], rows)
        ciphers = {owner: AESGCM(key) for owner, key in fresh.items()}
        with self._lock:
            for owner, cipher in ciphers.items():
                self._remember(owner, cipher)
        return ciphers

    def owners_present(self, owners: Iterable[str]) -> set[str]:
        """Which of these owners already have a data key (one indexed lookup)."""
        return {owner for (owner,) in bulk.select_in(DataKey, ["owner"], "owner",
                                                     sorted(set(owners)))}

    def child_keys(self, owners: Iterable[str]) -> dict[str, AESGCM]:
        """Unwrapped keys for the owners; raises MissingKey if any has none."""
        wanted = set(owners)
        found = self.child_keys_held(wanted)
        absent = wanted - found.keys()
        if absent:
            raise MissingKey(f"no data key for {len(absent)} record(s), e.g. {min(absent)}")
        return found

    def child_keys_held(self, owners: Iterable[str]) -> dict[str, AESGCM]:
        """Unwrapped keys for those owners that have one (a shredded child has none)."""
        wanted = set(owners)
        found: dict[str, AESGCM] = {}
        with self._lock:
            for owner in wanted:
                cipher = self._cache.get(owner)
                if cipher is not None:
                    self._cache.move_to_end(owner)
                    found[owner] = cipher
        missing = sorted(wanted - found.keys())
        # Raw rows, not model instances: every search asks for a few keys, and the ORM
        # spent longer composing this query than the database took to answer it.
        for owner, kek_id, wrapped in bulk.select_in(DataKey, ["owner", "kek_id", "wrapped"],
                                                     "owner", missing):
            found[owner] = AESGCM(self._unwrap(owner, kek_id, wrapped))
        with self._lock:
            for owner in missing:
                if owner in found:
                    self._remember(owner, found[owner])
        return found

    def child_key(self, owner: str) -> AESGCM:
        return self.child_keys([owner])[owner]

    def destroy_child_keys(self, owners: Iterable[str]) -> int:
        owners = list(owners)
        with self._lock:
            for owner in owners:
                self._cache.pop(owner, None)
        with transaction.atomic(using=KEYSTORE_DB):
            deleted, _ = DataKey.objects.filter(owner__in=owners).delete()
        return deleted

    def _remember(self, owner: str, cipher: AESGCM) -> None:
        self._cache[owner] = cipher
        self._cache.move_to_end(owner)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()
        self._blind = None
        self._system = {}
        self._ring = None

    # -- rotation ----------------------------------------------------------------------
    def rotate(self, batch_size: int = 2000,
               progress: Callable[[int, int], None] | None = None) -> RotationReport:
        """Re-wrap every key under a new KEK, online, resumably.

        A new KEK is added to the master key file and made active (so new keys use it at
        once); keys still under older KEKs are re-wrapped in small transactions; when
        none remain the old KEKs are removed from the file. If this dies halfway, running
        it again carries on: rows already re-wrapped are under the active KEK.
        """
        ring = self._keyring(current=True)
        if not self._pending_rotation(ring):
            keyring.add_active_key(self._path)
            ring = self._keyring(current=True)
        total = (DataKey.objects.exclude(kek_id=ring.active_id).count()
                 + SystemKey.objects.exclude(kek_id=ring.active_id).count())
        done = 0
        # Passes repeat until one finds nothing left: a process that wrapped a key under
        # the old KEK just before it noticed the new one is caught by the next pass.
        passes_left = 2
        while passes_left:
            moved = self._rewrap_pass(ring, batch_size, done, total, progress)
            done += moved
            passes_left = passes_left - 1 if moved == 0 else 2
        retired = sorted(set(ring.keys) - {ring.active_id})
        keyring.retire_keys(self._path, keep={ring.active_id})
        self._keyring(current=True)
        return RotationReport(rewrapped=done, retired=retired)

    def _rewrap_batch(self, model: type[_Wrapped], key_field: str, ring: keyring.Keyring,
                      batch_size: int) -> int:
        """Re-wrap up to `batch_size` of `model`'s keys not under the active KEK: how many."""
        with transaction.atomic(using=KEYSTORE_DB):
            rows = list(model.objects.select_for_update()
                        .exclude(kek_id=ring.active_id)
                        .order_by(key_field)[:batch_size])
            for row in rows:
                owner = getattr(row, key_field)
                plain = self._unwrap(owner, row.kek_id, bytes(row.wrapped))
                row.wrapped = envelope.wrap_key(ring.active_key, owner, plain)
                row.kek_id = ring.active_id
            model.objects.bulk_update(rows, ["wrapped", "kek_id"])
        return len(rows)

    def _rewrap_pass(self, ring: keyring.Keyring, batch_size: int, done: int, total: int,
                     progress: Callable[[int, int], None] | None) -> int:
        moved = 0

        def every(model: type[_Wrapped], key_field: str) -> None:
            nonlocal moved
            while batch := self._rewrap_batch(model, key_field, ring, batch_size):
                moved += batch
                if progress:
                    progress(done + moved, max(total, done + moved))

        every(SystemKey, "name")
        every(DataKey, "owner")
        return moved

    @staticmethod
    def _pending_rotation(ring: keyring.Keyring) -> bool:
        """A rotation is under way when the ring holds several KEKs (resume it)."""
        return len(ring.keys) > 1


_instance: KeyStore | None = None
_instance_lock = threading.Lock()


def get_keystore() -> KeyStore:
    global _instance  # noqa: PLW0603  (one key store, and one key cache, per process)
    with _instance_lock:
        if _instance is None:
            _instance = KeyStore(settings.CONTACTPOINT.master_key_file)
        return _instance


def reset_keystore() -> None:
    """Forget the process's key store (tests, and after `init` creates a new keyring)."""
    global _instance  # noqa: PLW0603
    with _instance_lock:
        _instance = None
