"""Envelope encryption with AES-256-GCM (the `cryptography` package).

Every sealed value carries associated data naming its owner and purpose (the child's
ContactPoint ID and what the blob is), so a blob copied onto another child's row, or
into another column, fails to open rather than showing the wrong child's data. The
purposes are a closed set (`purposes.Purpose`): nothing else is accepted.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contactpoint.crypto.purposes import ItemPurpose, Purpose, bound

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12
#: How a sealed value starts when it is kept in a text column.
TEXT_PREFIX = "sealed:"


class DecryptionError(RuntimeError):
    """A sealed value failed authentication: wrong key, wrong owner, or tampered with."""


#: What a sealed value may be bound to: a purpose of the closed set, or one of its items.
AnyPurpose = Purpose | ItemPurpose


def _aad(owner: str, purpose: AnyPurpose) -> bytes:
    return f"contactpoint|{owner}|{bound(purpose)}".encode()


def seal(key: AESGCM, owner: str, purpose: AnyPurpose, plaintext: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_V1 + nonce + key.encrypt(nonce, plaintext, _aad(owner, purpose))


def open_sealed(key: AESGCM, owner: str, purpose: AnyPurpose, blob: bytes) -> bytes:
    blob = bytes(blob)
    if blob[:1] != FORMAT_V1:
        raise DecryptionError(f"unknown sealed-value format for {bound(purpose)}")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return key.decrypt(nonce, body, _aad(owner, purpose))
    except InvalidTag:
        raise DecryptionError(f"sealed {bound(purpose)} of {owner} failed authentication") from None


def seal_text(key: AESGCM, owner: str, purpose: AnyPurpose, plaintext: bytes) -> str:
    """A sealed value for a text column: TEXT_PREFIX, then base64url without padding."""
    blob = base64.urlsafe_b64encode(seal(key, owner, purpose, plaintext)).rstrip(b"=")
    return TEXT_PREFIX + blob.decode()


def is_sealed_text(text: str) -> bool:
    return text.startswith(TEXT_PREFIX)


def open_text(key: AESGCM, owner: str, purpose: AnyPurpose, text: str) -> bytes:
    if not is_sealed_text(text):
        raise DecryptionError(f"{bound(purpose)} of {owner} is not a sealed value")
    body = text[len(TEXT_PREFIX):]
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError(f"sealed {bound(purpose)} of {owner} is malformed") from None
    return open_sealed(key, owner, purpose, blob)


def seal_json(key: AESGCM, owner: str, purpose: AnyPurpose, value: Any) -> bytes:
    return seal(key, owner, purpose, orjson.dumps(value))


def open_json(key: AESGCM, owner: str, purpose: AnyPurpose, blob: bytes) -> Any:
    return orjson.loads(open_sealed(key, owner, purpose, blob))


def wrap_key(kek: bytes, owner: str, data_key: bytes) -> bytes:
    """Wrap a data key under a KEK, bound to its owner."""
    return seal(AESGCM(kek), owner, Purpose.DATA_KEY, data_key)


def unwrap_key(kek: bytes, owner: str, wrapped: bytes) -> bytes:
    return open_sealed(AESGCM(kek), owner, Purpose.DATA_KEY, wrapped)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)
