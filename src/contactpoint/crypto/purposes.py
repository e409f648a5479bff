"""What a sealed value is: the closed set of purposes every sealed value is bound to.

Every sealed value carries associated data naming its owner and one of these purposes,
so a value copied onto another owner, or into another column, fails to open. The
envelope accepts nothing else: a new kind of sealed value is a new member here, and a
test names the one module that seals and opens each.

Some purposes are sealed once per item (each source record, involvement or match
decision has its own): those are bound with `.of(item)`, and the envelope refuses them
bare, so two items' values cannot be swapped unnoticed either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Purpose(StrEnum):
    # Children's data, under the child's data key: identity/sealing.py.
    CHILD_RECORD = "child-record"
    SOURCE_RECORD = "source-record"  # .of(the source key, hex)
    INVOLVEMENT = "involvement"  # .of(the involvement's pk)
    SHIELD_REASON = "shield-reason"
    MATCH_REASON = "match-action-reason"  # .of(the match decision's pk)
    SUBJECT_ACCESS_EXPORT = "sar:export"  # .of(the request's token)
    # Data keys, wrapped under a key-encryption key: crypto/envelope.py for the key store.
    DATA_KEY = "data-key"
    # Users' secrets, under system keys: access/sessions.py and access/app_keys.py.
    SESSION = "session"
    APP_KEY = "totp-key"
    # A user's own name and home postcode, under a data key of their own:
    # oversight/own_details.py.
    OWN_DETAILS = "user:own-details"
    # The audit trail's personal content: audit/sealing.py.
    AUDIT_ENTRY_KEY = "audit:entry-key"
    AUDIT_CONTENT = "audit:personal"

    @property
    def per_item(self) -> bool:
        return self in _PER_ITEM

    def of(self, item: int | str | bytes) -> ItemPurpose:
        """This purpose for one item: bytes are written as hex, as stored keys are."""
        if not self.per_item:
            raise ValueError(f"{self.value} is sealed once per owner, not per item")
        text = bytes(item).hex() if isinstance(item, (bytes, bytearray, memoryview)) \
            else str(item)
        if not text:
            raise ValueError(f"{self.value} needs the item it is for")
        return ItemPurpose(self, text)


_PER_ITEM = frozenset({Purpose.SOURCE_RECORD, Purpose.INVOLVEMENT, Purpose.MATCH_REASON,
                       Purpose.SUBJECT_ACCESS_EXPORT})


@dataclass(frozen=True)
class ItemPurpose:
    """A per-item purpose bound to its item (made by `Purpose.of`)."""

    purpose: Purpose
    item: str

    def __str__(self) -> str:
        return f"{self.purpose.value}:{self.item}"


def bound(purpose: Purpose | ItemPurpose) -> str:
    """The purpose as written into a sealed value's associated data.

    Refuses anything outside the closed set, and a per-item purpose without its item.
    """
    if isinstance(purpose, ItemPurpose):
        return str(purpose)
    if not isinstance(purpose, Purpose):
        raise TypeError(f"a sealed value's purpose is a Purpose, not {type(purpose).__name__} "
                        f"{purpose!r}")
    if purpose.per_item:
        raise ValueError(f"{purpose.value} is sealed once per item: use "
                         f"Purpose.{purpose.name}.of(item)")
    return purpose.value
