"""C2SP signed-note checkpoints: a known answer from Go's sumdb/note, then tampering refused."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contactpoint.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    SignatureError,
    key_id,
    open_note,
    parse_checkpoint,
    parse_vkey,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
    vkey,
)
from contactpoint.audit.merkle import leaf_hash, root

# The example of golang.org/x/mod/sumdb/note (note.go's package comment and
# note_test.go): its private key PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 || seed)>,
# its verifier key, and the note Go signs. Ed25519 signing is deterministic, so ours must
# be the same bytes.
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ORIGIN = "contactpoint.example/audit"
NAME = "contactpoint.example/audit"
ROOT = root([leaf_hash(b"entry 0"), leaf_hash(b"entry 1"), leaf_hash(b"entry 2")])


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(key):
    return sign_checkpoint(ORIGIN, 3, ROOT, key, NAME)


def test_go_sumdb_note_known_answer():
    go_key = Ed25519PrivateKey.from_private_bytes(GO_SEED)
    assert vkey("PeterNeumann", go_key.public_key()) == GO_VKEY
    assert key_id("PeterNeumann", go_key.public_key()).hex() == "c74f20a3"
    assert sign_note(GO_TEXT, go_key, "PeterNeumann") == GO_NOTE
    assert open_note(GO_NOTE, GO_VKEY) == GO_TEXT


def test_checkpoint_text_is_origin_size_root_then_signature(signed, key):
    body, signature = signed.split("\n\n")
    assert body.split("\n") == [ORIGIN, "3", base64.b64encode(ROOT).decode()]
    assert signature.startswith(f"\u2014 {NAME} ")
    blob = base64.b64decode(signature.split(" ")[2])
    assert blob[:4] == key_id(NAME, key.public_key())
    assert len(blob) == 4 + 64


def test_round_trip(signed, key):
    expected = Checkpoint(origin=ORIGIN, size=3, root=ROOT)
    assert parse_checkpoint(signed) == expected
    assert verify_checkpoint(signed, vkey(NAME, key.public_key())) == expected
    assert verify_checkpoint(signed, vkey(NAME, key.public_key()), origin=ORIGIN) == expected
    assert parse_vkey(vkey(NAME, key.public_key())).name == NAME


def test_empty_log_checkpoint_round_trips(key):
    text = sign_checkpoint(ORIGIN, 0, root([]), key, NAME)
    assert verify_checkpoint(text, vkey(NAME, key.public_key())).size == 0


def _tamper_size(text):
    return text.replace("\n3\n", "\n4\n", 1)


def _tamper_root(text):
    other = base64.b64encode(leaf_hash(b"forged")).decode()
    return text.replace(base64.b64encode(ROOT).decode(), other)


def _tamper_origin(text):
    return text.replace(ORIGIN, "contactpoint.example/other", 1)


def _tamper_signature(text):
    body, line = text.split("\n\n")
    prefix, blob = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[10] ^= 1
    return f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"


def _tamper_key_name(text):
    body, line = text.split("\n\n")
    return f"{body}\n\n{line.replace(NAME, 'someone-else', 1)}"


def _strip_signature(text):
    return text.split("\n\n")[0] + "\n"


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        (_tamper_size, SignatureError),
        (_tamper_root, SignatureError),
        (_tamper_origin, SignatureError),
        (_tamper_signature, SignatureError),
        (_tamper_key_name, SignatureError),
        (_strip_signature, SignatureError),
    ],
)
def test_tampered_checkpoint_is_refused(signed, key, tamper, error):
    tampered = tamper(signed)
    assert tampered != signed
    with pytest.raises(error):
        verify_checkpoint(tampered, vkey(NAME, key.public_key()))


def test_another_keys_signature_is_refused(signed):
    other = Ed25519PrivateKey.generate()
    with pytest.raises(SignatureError, match="no signature"):
        verify_checkpoint(signed, vkey(NAME, other.public_key()))


def test_another_logs_checkpoint_is_refused(key):
    text = sign_checkpoint("contactpoint.example/other", 3, ROOT, key, NAME)
    with pytest.raises(CheckpointError, match="not of"):
        verify_checkpoint(text, vkey(NAME, key.public_key()), origin=ORIGIN)


def test_cosignatures_by_other_keys_are_skipped(signed, key):
    witness = Ed25519PrivateKey.generate()
    cosigned = sign_note(signed.split("\n\n")[0] + "\n", witness, "witness.example")
    both = signed + cosigned.split("\n\n")[1]
    assert verify_checkpoint(both, vkey(NAME, key.public_key())).size == 3
    assert verify_checkpoint(both, vkey("witness.example", witness.public_key())).size == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "newline"),
        ("origin\n3\n", "origin, a size and a root"),
        ("origin\n03\nAAAA\n", "leading zeros"),
        ("origin\n-3\nAAAA\n", "decimal"),
        ("origin\n3\nnot base64!\n", "base64"),
        ("origin\n3\nAAAA\n", "32 bytes"),
        (" origin\n3\n" + base64.b64encode(ROOT).decode() + "\n", "origin"),
        ("origin\n3\n" + base64.b64encode(ROOT).decode(), "newline"),
        ("ori\x00gin\n3\n" + base64.b64encode(ROOT).decode() + "\n", "control"),
    ],
)
def test_malformed_checkpoint_says_what_is_wrong(text, message):
    with pytest.raises(CheckpointError, match=message):
        parse_checkpoint(text)


@pytest.mark.parametrize(
    "note",
    [
        "origin\n3\nAAAA\n\n- name AAAA\n",  # a hyphen, not the em dash
        "origin\n3\nAAAA\n\n\u2014 name\n",  # no signature
        "origin\n3\nAAAA\n\n\u2014 name AA\n",  # too short
        "origin\n3\nAAAA\n\n\u2014 name AAAAAAAAAA",  # no final newline
    ],
)
def test_malformed_signature_lines_are_refused(note, key):
    with pytest.raises(CheckpointError):
        open_note(note, vkey(NAME, key.public_key()))


@pytest.mark.parametrize("bad", ["", "with space", "with+plus", "tab\tname"])
def test_key_names_with_spaces_or_plus_are_refused(bad, key):
    with pytest.raises(CheckpointError, match="key name"):
        sign_checkpoint(ORIGIN, 3, ROOT, key, bad)


@pytest.mark.parametrize(
    "bad",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong ID
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not base64
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong type
        "PeterNeumann+c74f20a3",
        "PeterNeumann",
    ],
)
def test_malformed_verifier_keys_are_refused(bad):
    with pytest.raises(CheckpointError, match="verifier key"):
        parse_vkey(bad)


def test_sign_refuses_a_root_of_the_wrong_length(key):
    with pytest.raises(CheckpointError, match="32-byte root"):
        sign_checkpoint(ORIGIN, 3, b"short", key, NAME)
