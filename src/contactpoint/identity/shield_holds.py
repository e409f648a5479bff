"""Records held shielded by the index itself, until a person decides whom they belong to.

A record that may be a shielded child's (loading.loader: a shielded child scored at least
the review floor for it) becomes a child of its own, shielded and brokered by the team
that shielded the child it may be. The hold is history like any shield (ShieldChange,
with nobody as its author) and is audited; matching.review lifts it when a person
decides the records are not the same child.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore
from contactpoint.identity import sealing
from contactpoint.identity.models import Child, ShieldChange

if TYPE_CHECKING:
    from contactpoint.access.models import User

HELD = ("Held shielded by the index: this record may belong to a shielded child. A person "
        "decides in match review.")
RELEASED = "No longer held: a person decided it is not the shielded child it resembled."


def _change(keys: KeyStore, pk: int, cp_id: str, *, shielded: bool, reason: str,
            now: datetime, by: User | None = None) -> ShieldChange:
    return ShieldChange(child_id=pk, shielded=shielded, review_on=None, changed_by=by,
                        changed_at=now, reason=sealing.seal_shield_reason(
                            keys.child_key(cp_id), cp_id, reason))


def record_shield_change(keys: KeyStore, child: Child, *, shielded: bool, reason: str,
                         now: datetime, by: User | None) -> ShieldChange:
    """A shield put on or lifted as part of another change (a split): its history entry."""
    change = _change(keys, child.pk, child.contactpoint_id, shielded=shielded, reason=reason,
                     now=now, by=by)
    change.save()
    return change


def hold_shields(keys: KeyStore, children: dict[int, str], *, now: datetime,
                 source: str) -> None:
    """Record the hold of these just-inserted, already shielded children (pk: id)."""
    ShieldChange.objects.bulk_create([_change(keys, pk, cp_id, shielded=True, reason=HELD,
                                              now=now) for pk, cp_id in children.items()])
    for cp_id in children.values():
        audit.record("child:shield:hold", actor=None, subject=cp_id,
                     details={"source": source, "why": "possible match for a shielded child"})


def release_hold(keys: KeyStore, child: Child, *, actor: User, now: datetime) -> None:
    """Lift a hold the index put on (a person decided): not a shield a team set."""
    if not (child.shielded and child.shield_held):
        return
    Child.objects.filter(pk=child.pk).update(shielded=False, shield_held=False,
                                             shield_broker=None, updated_at=now)
    child.shielded, child.shield_held, child.shield_broker_id = False, False, None
    record_shield_change(keys, child, shielded=False, reason=RELEASED, now=now, by=actor)
    audit.record("child:shield:release", actor=actor, subject=child.contactpoint_id,
                 details={"why": "kept apart from the shielded child it resembled"})
