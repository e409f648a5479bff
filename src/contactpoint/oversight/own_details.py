"""A user's own name and home postcode: sealed, and compared only by blind index.

The original index's real breaches were users looking up their own families. To notice
that, an account may hold its person's own name and home postcode (`contactpoint user
add --name --home-postcode`, the Add a user page). They are sealed like a child's data:
under a data key of the person's own in the key store (owner `user:<id>`), so deleting
that key erases them, backups included. Beside them the account keeps three blind-index
tokens (family name, home postcode, its district), and the misuse rules
(`rules/own_family.py`) compare the children a user looks up with those tokens, made
the same way here from the child's record: nothing is compared in the clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contactpoint.access.models import User
from contactpoint.crypto import envelope
from contactpoint.crypto.blind import BlindIndex
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.crypto.purposes import Purpose
from contactpoint.identity.normalise import (
    check_name,
    fold,
    normalise_postcode,
    postcode_district,
)

PURPOSE = Purpose.OWN_DETAILS
FAMILY, POSTCODE, DISTRICT = "own:family", "own:postcode", "own:district"


class OwnDetailsError(ValueError):
    """A name or postcode that cannot be kept; the message starts with the field's name."""


@dataclass(frozen=True)
class OwnDetails:
    """A person's own name and home postcode, checked and normalised."""

    given_names: str | None
    family_name: str | None
    home_postcode: str | None

    @property
    def empty(self) -> bool:
        return not (self.family_name or self.home_postcode)


def check_own_details(name: str | None, home_postcode: str | None) -> OwnDetails:
    """`name` as "GIVEN FAMILY" (the last word is the family name) and the postcode, checked;
    OwnDetailsError naming the field otherwise."""
    given = family = None
    if name is not None and name.strip():
        words = name.split()
        if len(words) < 2:
            raise OwnDetailsError("name: Enter the name as given names then family name, "
                                  "like \"Jo Bloggs\"")
        given, family = " ".join(words[:-1]), words[-1]
    return check_own_names(given, family, home_postcode)


def check_own_names(given_names: str | None, family_name: str | None,
                    home_postcode: str | None) -> OwnDetails:
    """Given names, family name and home postcode, each optional, checked and normalised."""
    given, family, postcode = _name("given_names", given_names), None, None
    family = _name("family_name", family_name)
    if home_postcode is not None and home_postcode.strip():
        try:
            postcode = normalise_postcode(home_postcode)
        except ValueError:
            raise OwnDetailsError("home_postcode: Enter a UK postcode, like LS1 4AP") from None
    return OwnDetails(given, family, postcode)


def _name(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return check_name(value, max_chars=150)
    except ValueError as exc:
        raise OwnDetailsError(f"{field}: The name {exc}") from None


def family_token(index: BlindIndex, family_name: str) -> bytes | None:
    folded = fold(family_name).replace(" ", "")
    return index.token(FAMILY, folded) if folded else None


def postcode_tokens(index: BlindIndex, postcode: str) -> tuple[bytes, bytes] | None:
    """The postcode's token and its district's; None when it is not a postcode."""
    try:
        normal = normalise_postcode(postcode)
    except ValueError:
        return None
    return index.token(POSTCODE, normal), index.token(DISTRICT, postcode_district(normal))


def _owner(user: User) -> str:
    return f"user:{user.pk}"


def set_own_details(user: User, details: OwnDetails, *, keys: KeyStore | None = None) -> None:
    """Seal `details` for `user` and keep their tokens, in the caller's transaction.

    The person's data key is committed to the key store first (as a child's is): a
    rollback leaves at worst an unused key, never sealed details without one.
    """
    if details.empty:
        return
    keys = keys or get_keystore()
    owner = _owner(user)
    cipher = keys.child_keys_held([owner]).get(owner) or keys.create_child_keys([owner])[owner]
    user.own_details = envelope.seal_json(cipher, owner, PURPOSE, {
        "given_names": details.given_names, "family_name": details.family_name,
        "home_postcode": details.home_postcode})
    index = keys.blind_index
    user.own_family_token = (family_token(index, details.family_name)
                             if details.family_name else None)
    pair = postcode_tokens(index, details.home_postcode) if details.home_postcode else None
    user.own_postcode_token, user.own_district_token = pair or (None, None)
    user.save(update_fields=["own_details", "own_family_token", "own_postcode_token",
                             "own_district_token"])


def open_own_details(user: User, *, keys: KeyStore | None = None) -> dict[str, Any] | None:
    """The sealed details, opened (for the person's own managers); None when none."""
    if user.own_details is None:
        return None
    keys = keys or get_keystore()
    owner = _owner(user)
    cipher = keys.child_keys_held([owner]).get(owner)
    if cipher is None:
        return None
    opened: dict[str, Any] = envelope.open_json(cipher, owner, PURPOSE, bytes(user.own_details))
    return opened


@dataclass(frozen=True)
class ChildTokens:
    """The tokens of a child's record the own-family rule compares with a user's."""

    families: frozenset[bytes]
    postcodes: frozenset[bytes]
    districts: frozenset[bytes]


def child_tokens(index: BlindIndex, record: dict[str, Any]) -> ChildTokens:
    """The child's family names (their own, other and former, their carers') and
    postcodes (their own address, their carers'), as tokens."""
    names: list[str] = [(record.get("name") or {}).get("family_name") or ""]
    names += [n.get("family_name") or "" for n in record.get("other_names") or ()]
    names += list(record.get("former_family_names") or ())
    carers = list(record.get("carers") or ())
    names += [c.get("family_name") or "" for c in carers]
    postcodes = [(record.get("address") or {}).get("postcode")]
    postcodes += [(c.get("address") or {}).get("postcode") for c in carers]
    families = {t for t in (family_token(index, n) for n in names if n) if t}
    pairs = [p for p in (postcode_tokens(index, pc) for pc in _present(postcodes)) if p]
    return ChildTokens(frozenset(families), frozenset(p for p, _ in pairs),
                       frozenset(d for _, d in pairs))


def _present(values: Iterable[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v.strip()]
