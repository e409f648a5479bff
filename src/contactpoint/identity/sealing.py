"""Children's data sealed and opened: the one module that does it, purpose by purpose.

Each value is sealed under its child's data key and bound to the child's ContactPoint
ID and to what it is (`crypto.purposes.Purpose`): the derived record, one source record,
one involvement's details, a shield's reason, a match decision's reason, a subject
access export kept for its team to download. A value copied
onto another child, another item or another column does not open, and destroying the
child's key (shredding) makes every one of them unreadable. Every other module reaches
children's sealed values through these functions; a test holds the code to that.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contactpoint.crypto import envelope
from contactpoint.crypto.purposes import Purpose

#: A sealed value as a column gives it back (bytes on SQLite, memoryview on PostgreSQL).
Stored = bytes | memoryview


def seal_record(cipher: AESGCM, cp_id: str, record: dict[str, Any]) -> bytes:
    """The child's derived record (what a practitioner reads)."""
    return envelope.seal_json(cipher, cp_id, Purpose.CHILD_RECORD, record)


def open_record(cipher: AESGCM, cp_id: str, sealed: Stored) -> dict[str, Any]:
    opened: dict[str, Any] = envelope.open_json(cipher, cp_id, Purpose.CHILD_RECORD,
                                                bytes(sealed))
    return opened


def seal_source(cipher: AESGCM, cp_id: str, source_key: bytes, payload: bytes) -> bytes:
    """One source record's serialised payload, bound to its source key."""
    return envelope.seal(cipher, cp_id, Purpose.SOURCE_RECORD.of(source_key), payload)


def open_source_bytes(cipher: AESGCM, cp_id: str, source_key: bytes, sealed: Stored) -> bytes:
    return envelope.open_sealed(cipher, cp_id, Purpose.SOURCE_RECORD.of(source_key),
                                bytes(sealed))


def open_source(cipher: AESGCM, cp_id: str, source_key: bytes,
                sealed: Stored) -> dict[str, Any]:
    """One source record's payload: {"record": ..., ...}."""
    opened: dict[str, Any] = envelope.open_json(
        cipher, cp_id, Purpose.SOURCE_RECORD.of(source_key), bytes(sealed))
    return opened


def seal_involvement(cipher: AESGCM, cp_id: str, involvement_pk: int,
                     details: dict[str, Any]) -> bytes:
    """A practitioner's involvement's details: practitioner, phone, email, dates, consent."""
    return envelope.seal_json(cipher, cp_id, Purpose.INVOLVEMENT.of(involvement_pk), details)


def open_involvement_details(cipher: AESGCM, cp_id: str, involvement_pk: int,
                             sealed: Stored) -> dict[str, Any]:
    opened: dict[str, Any] = envelope.open_json(
        cipher, cp_id, Purpose.INVOLVEMENT.of(involvement_pk), bytes(sealed))
    return opened


def seal_shield_reason(cipher: AESGCM, cp_id: str, reason: str) -> bytes:
    """Why a shield was put on or lifted (a person's words, or the index's own)."""
    return envelope.seal_json(cipher, cp_id, Purpose.SHIELD_REASON, reason)


def open_shield_reason(cipher: AESGCM, cp_id: str, sealed: Stored) -> str:
    return str(envelope.open_json(cipher, cp_id, Purpose.SHIELD_REASON, bytes(sealed)))


def seal_match_reason(cipher: AESGCM, cp_id: str, action_pk: int, reason: str) -> bytes:
    """The reason a person gave for a match decision, under the child it names."""
    return envelope.seal_json(cipher, cp_id, Purpose.MATCH_REASON.of(action_pk), reason)


def open_match_reason(cipher: AESGCM, cp_id: str, action_pk: int, sealed: Stored) -> str:
    return str(envelope.open_json(cipher, cp_id, Purpose.MATCH_REASON.of(action_pk),
                                  bytes(sealed)))


def seal_subject_access(cipher: AESGCM, cp_id: str, token: str,
                        document: dict[str, Any]) -> bytes:
    """A subject access export, kept for the child's team to download, bound to its
    request's token."""
    return envelope.seal_json(cipher, cp_id, Purpose.SUBJECT_ACCESS_EXPORT.of(token),
                              document)


def open_subject_access(cipher: AESGCM, cp_id: str, token: str,
                        sealed: Stored) -> dict[str, Any]:
    opened: dict[str, Any] = envelope.open_json(
        cipher, cp_id, Purpose.SUBJECT_ACCESS_EXPORT.of(token), bytes(sealed))
    return opened
