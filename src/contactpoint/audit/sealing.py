"""The personal content of an audit entry, sealed so that shredding a child erases it.

Each entry with something personal (its reason, names searched for, free text) gets a
fresh AES-256 key. The content is sealed under that key, and the key is wrapped under
the data key of every child the entry concerns, so it opens while any of them is still
in the index and becomes unreadable, backups included, once all of them are shredded.
An entry that concerns no child wraps it under the trail's own key (`AUDIT_KEY`).

The log commits to these stored bytes, not to the plaintext, so an entry that can no
longer be opened still verifies.

Layout: version byte, wrap count (2 bytes), then per wrap the owner (1-byte length,
ASCII) and the wrapped key (2-byte length), then the sealed content.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contactpoint.crypto import envelope
from contactpoint.crypto.purposes import Purpose

if TYPE_CHECKING:  # the key store needs Django; opening with a key in hand does not
    from contactpoint.crypto.keystore import KeyStore

VERSION = b"\x01"
_OWNER = "audit-entry"
_CONTENT = Purpose.AUDIT_CONTENT
_KEY = Purpose.AUDIT_ENTRY_KEY


class Unreadable(LookupError):
    """Every key that could open this entry's content is gone (its children shredded)."""


def seal(content: dict[str, Any], children: Sequence[str], keys: KeyStore) -> bytes:
    """The sealed bytes of `content`, openable through each child's key (or the trail's)."""
    from contactpoint.crypto.keystore import AUDIT_KEY  # noqa: PLC0415  (needs Django)

    entry_key = envelope.new_data_key()
    wrapping = keys.child_keys_held(children) if children else {}
    owners = [cp_id for cp_id in dict.fromkeys(children) if cp_id in wrapping]
    if not owners:
        # No child, or every child already shredded: the trail's own key holds it.
        wrapping = {AUDIT_KEY: keys.system_cipher(AUDIT_KEY)}
        owners = [AUDIT_KEY]
    parts = [VERSION, struct.pack(">H", len(owners))]
    for owner in owners:
        wrapped = envelope.seal(wrapping[owner], owner, _KEY, entry_key)
        name = owner.encode("ascii")
        parts += [struct.pack(">B", len(name)), name, struct.pack(">H", len(wrapped)), wrapped]
    parts.append(envelope.seal_json(AESGCM(entry_key), _OWNER, _CONTENT, content))
    return b"".join(parts)


def _wraps(blob: bytes) -> tuple[list[tuple[str, bytes]], bytes]:
    if blob[:1] != VERSION:
        raise envelope.DecryptionError("unknown audit sealing format")
    try:
        (count,) = struct.unpack_from(">H", blob, 1)
        at, wraps = 3, []
        for _ in range(count):
            (name_len,) = struct.unpack_from(">B", blob, at)
            owner = blob[at + 1 : at + 1 + name_len].decode("ascii")
            at += 1 + name_len
            (wrap_len,) = struct.unpack_from(">H", blob, at)
            wraps.append((owner, blob[at + 2 : at + 2 + wrap_len]))
            at += 2 + wrap_len
    except (struct.error, UnicodeDecodeError):
        raise envelope.DecryptionError("audit entry's sealed content is malformed") from None
    return wraps, blob[at:]


def owners(blob: bytes) -> list[str]:
    """Whose keys can open this content (ContactPoint IDs, or AUDIT_KEY)."""
    return [owner for owner, _ in _wraps(bytes(blob))[0]]


def entry_key(blob: bytes, keys: KeyStore) -> bytes:
    """The entry's own key, unwrapped by any key still held; Unreadable when none is."""
    from contactpoint.crypto.keystore import AUDIT_KEY  # noqa: PLC0415  (needs Django)

    wraps, _ = _wraps(bytes(blob))
    children = [owner for owner, _ in wraps if owner != AUDIT_KEY]
    held = keys.child_keys_held(children) if children else {}
    for owner, wrapped in wraps:
        cipher = keys.system_cipher(AUDIT_KEY) if owner == AUDIT_KEY else held.get(owner)
        if cipher is not None:
            return envelope.open_sealed(cipher, owner, _KEY, wrapped)
    raise Unreadable("the children this entry concerns have been shredded")


def open_with_key(blob: bytes, key: bytes) -> dict[str, Any]:
    """The content sealed in `blob`, opened with the entry's own key (`entry_key`).

    What a subject access export hands over for an entry whose content is only its
    reason, so that a reader can check the reason shown is the one sealed.
    """
    _, body = _wraps(bytes(blob))
    content: dict[str, Any] = envelope.open_json(AESGCM(key), _OWNER, _CONTENT, body)
    return content


def open_content(blob: bytes, keys: KeyStore) -> dict[str, Any]:
    """The content sealed in `blob`; raises Unreadable when every key is gone."""
    return open_with_key(blob, entry_key(blob, keys))
