"""Sealing has one home: the purposes are a closed set, each sealed by one module.

The associated data of every sealed value names its purpose; the bytes written here
are the ones already stored in every installation, so a change that alters them would
leave existing data unopenable: they are pinned below, purpose by purpose.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contactpoint.crypto import envelope
from contactpoint.crypto.purposes import Purpose
from contactpoint.identity import sealing

SRC = Path(__file__).resolve().parents[2] / "src" / "contactpoint"
OWNER = "1000000001"

#: Who seals and opens each purpose: the one module, and nothing else names it.
HOMES = {
    Purpose.CHILD_RECORD: "identity/sealing.py",
    Purpose.SOURCE_RECORD: "identity/sealing.py",
    Purpose.INVOLVEMENT: "identity/sealing.py",
    Purpose.SHIELD_REASON: "identity/sealing.py",
    Purpose.MATCH_REASON: "identity/sealing.py",
    Purpose.SUBJECT_ACCESS_EXPORT: "identity/sealing.py",
    Purpose.DATA_KEY: "crypto/envelope.py",
    Purpose.SESSION: "access/sessions.py",
    Purpose.APP_KEY: "access/app_keys.py",
    Purpose.OWN_DETAILS: "oversight/own_details.py",
    Purpose.AUDIT_ENTRY_KEY: "audit/sealing.py",
    Purpose.AUDIT_CONTENT: "audit/sealing.py",
}
SEALING = {"seal", "open_sealed", "seal_text", "open_text", "seal_json", "open_json"}


def _sealed_with(aad: str, plaintext: bytes, key: AESGCM) -> bytes:
    """A value sealed as every installation has stored it: format byte, nonce, body."""
    nonce = os.urandom(envelope.NONCE_BYTES)
    return envelope.FORMAT_V1 + nonce + key.encrypt(nonce, plaintext,
                                                      f"contactpoint|{OWNER}|{aad}".encode())


@pytest.fixture
def key() -> AESGCM:
    return AESGCM(envelope.new_data_key())


def test_every_purpose_has_a_home_and_the_set_is_closed():
    assert set(HOMES) == set(Purpose)


def test_values_stored_under_the_old_wording_still_open(key):
    record = _sealed_with("child-record", b'{"a":1}', key)
    assert sealing.open_record(key, OWNER, record) == {"a": 1}
    source = _sealed_with("source-record:00ff", b'{"record":{}}', key)
    assert sealing.open_source(key, OWNER, b"\x00\xff", source) == {"record": {}}
    involvement = _sealed_with("involvement:42", b'{"phone":"x"}', key)
    assert sealing.open_involvement_details(key, OWNER, 42, involvement) == {"phone": "x"}
    shield = _sealed_with("shield-reason", b'"moved"', key)
    assert sealing.open_shield_reason(key, OWNER, shield) == "moved"
    reason = _sealed_with("match-action-reason:7", b'"same child"', key)
    assert sealing.open_match_reason(key, OWNER, 7, reason) == "same child"
    for purpose, wording in [(Purpose.DATA_KEY, "data-key"), (Purpose.SESSION, "session"),
                             (Purpose.APP_KEY, "totp-key"),
                             (Purpose.AUDIT_ENTRY_KEY, "audit:entry-key"),
                             (Purpose.AUDIT_CONTENT, "audit:personal")]:
        assert envelope.open_sealed(key, OWNER, purpose,
                                    _sealed_with(wording, b"k", key)) == b"k"


def test_a_value_bound_to_one_item_does_not_open_as_another(key):
    sealed = sealing.seal_involvement(key, OWNER, 1, {"phone": "01632 960000"})
    with pytest.raises(envelope.DecryptionError, match="involvement:2"):
        sealing.open_involvement_details(key, OWNER, 2, sealed)
    with pytest.raises(envelope.DecryptionError):
        sealing.open_record(key, OWNER, sealed)


def test_the_envelope_takes_nothing_outside_the_set(key):
    with pytest.raises(TypeError, match="is a Purpose, not str"):
        envelope.seal(key, OWNER, "child-record", b"x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"once per item: use Purpose.INVOLVEMENT.of"):
        envelope.seal(key, OWNER, Purpose.INVOLVEMENT, b"x")
    with pytest.raises(ValueError, match="once per owner"):
        Purpose.CHILD_RECORD.of(1)
    with pytest.raises(ValueError, match="needs the item"):
        Purpose.SOURCE_RECORD.of(b"")


def _modules() -> dict[str, ast.Module]:
    return {str(path.relative_to(SRC)): ast.parse(path.read_text(), str(path))
            for path in SRC.rglob("*.py")}


def test_each_purpose_is_named_only_in_its_home():
    named: dict[str, set[str]] = {}
    for module, tree in _modules().items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "Purpose" and node.attr in Purpose.__members__):
                named.setdefault(node.attr, set()).add(module)
    named.pop("crypto/purposes.py", None)
    for purpose, home in HOMES.items():
        assert named.get(purpose.name, set()) - {"crypto/purposes.py"} == {home}, purpose


def test_only_the_homes_call_the_envelope():
    calling = set()
    for module, tree in _modules().items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in SEALING
                    and isinstance(node.value, ast.Name) and node.value.id == "envelope"):
                calling.add(module)
            if (isinstance(node, ast.ImportFrom) and node.module == "contactpoint.crypto.envelope"
                    and {alias.name for alias in node.names} & SEALING):
                calling.add(module)  # `from ... import seal` calls it by another name
    assert calling == set(HOMES.values()) - {"crypto/envelope.py"}
