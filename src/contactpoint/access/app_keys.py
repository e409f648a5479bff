"""Authenticator app (TOTP) keys, sealed at rest.

django-otp keeps a TOTP key as hex in `TOTPDevice.key`: anyone who reads the database
(a backup, a replica, a support query) could make every person's codes. Here the column
holds the key sealed with AES-256-GCM under the service's second-factor key (a system key
in the key store, wrapped under the master key file), bound to the person it belongs to,
so a sealed key copied onto someone else's app does not open. django-otp has no hook for
its key storage (its issue 67 asks for one), so `models.AuthenticatorApp`, a proxy of
TOTPDevice, opens the key where django-otp reads it (`bin_key`), and a pre_save receiver
seals it before any row is written, whichever class writes it.

A key saved before this existed is hex until `contactpoint init` seals it
(`second_factors.seal_stored_app_keys`); until then it is read as it is, so nobody's app
stops working during an upgrade.
"""

from __future__ import annotations

from binascii import unhexlify
from typing import Protocol

from contactpoint.crypto import envelope
from contactpoint.crypto.keystore import SECOND_FACTOR_KEY, get_keystore
from contactpoint.crypto.purposes import Purpose

PURPOSE = Purpose.APP_KEY
#: TOTPDevice.key is at most 80 characters: the sealed form of a key of at most this many
#: bytes fits (django-otp makes 20-byte keys).
LONGEST_KEY_BYTES = 25


class HasAppKey(Protocol):
    key: str
    user_id: int


def _owner(user_id: int) -> str:
    return f"user:{user_id}"


def is_sealed(stored: str) -> bool:
    return envelope.is_sealed_text(stored)


def seal_app_key(user_id: int, key: bytes) -> str:
    if len(key) > LONGEST_KEY_BYTES:
        raise ValueError(f"an authenticator app key of {len(key)} bytes is too long to seal "
                         f"in TOTPDevice.key (at most {LONGEST_KEY_BYTES})")
    cipher = get_keystore().system_cipher(SECOND_FACTOR_KEY)
    return envelope.seal_text(cipher, _owner(user_id), PURPOSE, key)


def key_of(device: HasAppKey) -> bytes:
    """The app's key, opened (or read as hex, if it was stored before keys were sealed)."""
    if not is_sealed(device.key):
        return unhexlify(device.key.encode())
    cipher = get_keystore().system_cipher(SECOND_FACTOR_KEY)
    return envelope.open_text(cipher, _owner(device.user_id), PURPOSE, device.key)


def seal_in_place(device: HasAppKey) -> None:
    """Replace a hex key with its sealed form (a key already sealed is left as it is)."""
    if not is_sealed(device.key):
        device.key = seal_app_key(device.user_id, unhexlify(device.key.encode()))
