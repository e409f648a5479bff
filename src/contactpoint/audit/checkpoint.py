"""Signed checkpoints of the audit log in the C2SP text formats, signed with Ed25519.

`trail.sign_checkpoint` signs the log with it and `trail.verify` checks what was
signed; plain Python, no Django import. Formats:

- c2sp.org/tlog-checkpoint: the body is an origin line (the log's name), the tree
  size in decimal and the root hash in base64, each ending in a newline, then optional
  extension lines.
- c2sp.org/signed-note: a note is that body, a blank line, and one or more
  signature lines "— <key name> <base64(4-byte key ID || signature)>" (an em dash,
  U+2014, and a space). An Ed25519 key's ID is the first four bytes of
  SHA-256(key name || 0x0A || 0x01 || public key), and its verifier key, the text an
  operator publishes for outside witnesses, is "<name>+<hex key ID>+<base64(0x01 ||
  public key)>" (`vkey`).

Both are what Go's sumdb/note and the transparency-dev witnesses read, so a checkpoint
written here can be checked by their tools. `parse_checkpoint` reads a checkpoint
without trusting it; `verify_checkpoint` is the one to use for anything that matters.
Bad text raises `CheckpointError` (a ValueError) with a message that says what is
wrong; a missing or bad signature raises its subclass `SignatureError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from contactpoint.audit.merkle import HASH_SIZE

_ED25519 = b"\x01"  # the signed-note signature type of Ed25519
_SIG_PREFIX = "\u2014 "  # em dash and space
_MAX_NOTE = 1 << 20  # a checkpoint is a few hundred bytes; refuse anything absurd
_MAX_SIGNATURES = 100  # as Go's sumdb/note
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(ValueError):
    """A checkpoint or note that cannot be read: the message says which part and why."""


class SignatureError(CheckpointError):
    """A checkpoint that is not signed by the key it was checked against, or badly signed."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint commits to: the log's origin, its size and its root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = field(default=())

    def body(self) -> str:
        """The checkpoint text that is signed (tlog-checkpoint)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        lines.extend(self.extensions)
        return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed verifier key: the signer's name, its key ID and its Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


def _check_key_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise CheckpointError(
            f"key name {name!r} is not allowed: it must be non-empty, without spaces or '+'"
        )


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte signed-note key ID of an Ed25519 key under that name."""
    _check_key_name(key_name)
    material = key_name.encode("utf-8") + b"\n" + _ED25519 + _raw_public(public_key)
    return hashlib.sha256(material).digest()[:4]


def vkey(key_name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key text to publish: "<name>+<hex key ID>+<base64(0x01 || key)>"."""
    encoded = base64.b64encode(_ED25519 + _raw_public(public_key)).decode("ascii")
    return f"{key_name}+{key_id(key_name, public_key).hex()}+{encoded}"


def parse_vkey(text: str) -> VerifierKey:
    """Read a verifier key; CheckpointError says what is wrong with it."""
    name, plus, rest = text.strip().partition("+")
    hex_id, plus2, encoded = rest.partition("+")
    if not plus or not plus2:
        raise CheckpointError("verifier key must read <name>+<key ID>+<key>")
    _check_key_name(name)
    try:
        material = base64.b64decode(encoded, validate=True)
        wanted_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as error:
        raise CheckpointError("verifier key's ID or key is not valid hex and base64") from error
    if len(wanted_id) != 4 or len(material) != 33 or material[:1] != _ED25519:
        raise CheckpointError("verifier key is not an Ed25519 key (type 0x01, 32 bytes)")
    public_key = Ed25519PublicKey.from_public_bytes(material[1:])
    if key_id(name, public_key) != wanted_id:
        raise CheckpointError("verifier key's ID does not match its name and key")
    return VerifierKey(name=name, key_id=wanted_id, public_key=public_key)


def _check_note_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise CheckpointError("note text must be non-empty lines each ending in a newline")
    if any(ch < " " and ch != "\n" for ch in text):
        raise CheckpointError("note text must not hold control characters")


def sign_note(text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """`text` with one Ed25519 signature line under `key_name` (signed-note)."""
    _check_note_text(text)
    kid = key_id(key_name, private_key.public_key())
    signature = private_key.sign(text.encode("utf-8"))
    encoded = base64.b64encode(kid + signature).decode("ascii")
    return f"{text}\n{_SIG_PREFIX}{key_name} {encoded}\n"


def _split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The text of a signed note and its signature lines as (key name, key ID || signature)."""
    if len(note) > _MAX_NOTE:
        raise CheckpointError("note is too long to be a checkpoint")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise SignatureError("note has no signature lines: it is not signed")
    text, block = note[: cut + 1], note[cut + 2 :]
    _check_note_text(text)
    if not block.endswith("\n"):
        raise CheckpointError("note's last signature line must end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise CheckpointError(f"note has more than {_MAX_SIGNATURES} signature lines")
    signatures = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise CheckpointError(f"signature line {number} does not start with '— '")
        name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            _check_key_name(name)
            blob = base64.b64decode(encoded, validate=True) if space else b""
        except (CheckpointError, binascii.Error) as error:
            raise CheckpointError(f"signature line {number} is malformed") from error
        if len(blob) < 5:
            raise CheckpointError(f"signature line {number} is too short to hold a signature")
        signatures.append((name, blob))
    return text, signatures


def open_note(note: str, verifier: VerifierKey | str) -> str:
    """The text of `note` once its signature by `verifier` checks; SignatureError if not.

    Lines signed by other keys are skipped (a note may carry witnesses' cosignatures);
    any line with this key's name and ID that does not verify refuses the note.
    """
    key = parse_vkey(verifier) if isinstance(verifier, str) else verifier
    text, signatures = _split_note(note)
    signed = text.encode("utf-8")
    found = False
    for name, blob in signatures:
        if name != key.name or blob[:4] != key.key_id:
            continue
        try:
            key.public_key.verify(blob[4:], signed)
        except InvalidSignature as error:
            raise SignatureError(f"signature by {key.name} does not match the text") from error
        found = True
    if not found:
        raise SignatureError(f"note carries no signature by {key.name} with this key")
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint's origin, size and root WITHOUT checking any signature.

    Takes the body alone or a whole signed note (its signature lines are ignored):
    for anything to rely on, use `verify_checkpoint`.
    """
    if len(text) > _MAX_NOTE:
        raise CheckpointError("checkpoint is too long")
    cut = text.rfind("\n\n")
    body = text if cut < 0 else text[: cut + 1]
    _check_note_text(body)
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint must have an origin, a size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not origin.strip() or origin != origin.strip():
        raise CheckpointError("checkpoint's origin line is empty or has spaces at its ends")
    if not _DECIMAL.fullmatch(size_text):
        raise CheckpointError(
            f"checkpoint's size line {size_text!r} is not a decimal number without leading zeros"
        )
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise CheckpointError("checkpoint's root hash line is not base64") from error
    if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_text:
        raise CheckpointError(f"checkpoint's root hash is not {HASH_SIZE} bytes in base64")
    return Checkpoint(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))


def sign_checkpoint(
    origin: str, size: int, root: bytes, private_key: Ed25519PrivateKey, key_name: str
) -> str:
    """The signed-note text of a checkpoint of the log `origin` at (size, root)."""
    if size < 0 or len(root) != HASH_SIZE:
        raise CheckpointError(f"a checkpoint needs a size >= 0 and a {HASH_SIZE}-byte root")
    body = Checkpoint(origin=origin, size=size, root=root).body()
    parse_checkpoint(body)  # refuses an origin that would not read back
    return sign_note(body, private_key, key_name)


def verify_checkpoint(
    text: str, verifier: VerifierKey | str, *, origin: str | None = None
) -> Checkpoint:
    """The checkpoint in `text`, once signed by `verifier` (and of `origin`, if given).

    Raises SignatureError when the signature is missing or bad, CheckpointError when
    the text is not a checkpoint or names another log.
    """
    checkpoint = parse_checkpoint(open_note(text, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is of the log {checkpoint.origin!r}, not of {origin!r}")
    return checkpoint
