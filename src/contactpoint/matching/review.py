"""The review queue and a person's corrections: link, keep apart, defer, split, merge, undo.

Service functions for the command line, the API and the pages. Each one checks
who may act (a management team on its own authority's children, national
administrators on any; a shielded child only by its own authority's team), changes the
index in one transaction, re-derives the children touched, and writes a MatchAction
holding everything needed to reverse it. Records placed by a person are `manual`: the
loader never places them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contactpoint import errors
from contactpoint.access.authorise import allows, authorise
from contactpoint.access.models import User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import Actor
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore, MissingKey, get_keystore
from contactpoint.identity import sealing
from contactpoint.identity.models import Child, ChildStatus, LinkState, SourceRecord
from contactpoint.identity.records import child_scope
from contactpoint.identity.shield_holds import record_shield_change, release_hold
from contactpoint.identity.store import (
    ChildDeriver,
    lock_index,
    move_records,
    open_child_record,
    open_payload,
    reserve_children,
)
from contactpoint.matching.changes import (
    PENDING,
    Change,
    close_pending,
    kept_apart,
    merge_children,
    ordered_pair,
    set_item,
)
from contactpoint.matching.models import (
    ActionKind,
    KeptApart,
    MatchAction,
    ReviewItem,
    ReviewStatus,
)

# The errors a decision can end in (contactpoint.errors: each knows its HTTP status).
ReviewError = errors.RequestError
Invalid = errors.BadRequest
NotFound = errors.NotFound
Forbidden = errors.Forbidden
Conflict = errors.Conflict
#: One answer for what does not exist and what is another authority's.
NOT_YOURS = "no such review item, record or child in your authority"


# -- who may act -----------------------------------------------------------------------------
#
# access/policy.py decides (through access/authorise.py): the permission, and the children
# acted on together. Another authority's child, pair or decision is answered as one that
# does not exist.

def _check_actor(actor: User, permission: Permission = Permission.MATCHING_REVIEW_DECIDE,
                 ) -> Actor:
    return authorise(actor, permission)


def may_act_on(actor: User, children: Iterable[Child],
               permission: Permission = Permission.MATCHING_REVIEW_DECIDE) -> bool:
    """May `actor` decide about these children together (the policy's question, with no
    refusal: for what a page offers)?"""
    return allows(actor, permission, [child_scope(c) for c in children])


def _require(actor: User, children: Iterable[Child],
             permission: Permission = Permission.MATCHING_REVIEW_DECIDE) -> None:
    # The same answer as for an id that does not exist: no hint of what is there.
    authorise(actor, permission, [child_scope(c) for c in children], unseen=NOT_YOURS)


def record_child(item: ReviewItem) -> Child:
    """The child the item's record is joined to. A deleted record is joined to none (a
    tombstone): there is nothing to decide about it."""
    child = item.source_record.child
    if child is None:
        raise Conflict(f"review item {item.pk}: its record was deleted")
    return child


def _reason(reason: str) -> str:
    reason = errors.free_text(reason, "reason", max_chars=10_000)
    if not reason:
        raise Invalid("Enter the reason for your decision.", problems=[
            errors.FieldProblem("reason", "Enter the reason for your decision")])
    if len(reason) > 500:
        raise Invalid("The reason must be 500 characters or fewer.", problems=[
            errors.FieldProblem("reason", "The reason must be 500 characters or fewer")])
    return reason


# -- the queue -------------------------------------------------------------------------------

LIFECYCLE_ENDED = (ChildStatus.ARCHIVED, ChildStatus.PURGED)


def queue(actor: User, *, statuses: Sequence[str] = PENDING,
          limit: int = 50) -> list[ReviewItem]:
    """The actor's pending pairs, open before deferred, strongest first (audited: the
    list names children, and which of them are shielded). A pair whose record was since
    deleted is no longer a pair (its item is closed): it is left out."""
    facts = _check_actor(actor, Permission.MATCHING_REVIEW_READ)
    items: QuerySet[ReviewItem] = (
        ReviewItem.objects.filter(status__in=statuses, source_record__child__isnull=False)
        # Archived (or purged) children are nobody's to review: the policy refuses each
        # below; left out here too, so they do not take places in the list.
        .exclude(candidate__status__in=LIFECYCLE_ENDED)
        .exclude(source_record__child__status__in=LIFECYCLE_ENDED)
        .select_related("candidate", "source_record__child", "source_record__source")
        .order_by("-status", "-score", "pk"))  # open before deferred
    if not facts.national:  # narrowed in the query; the policy decides each below
        authority = facts.authority_id
        items = items.filter(Q(candidate__local_authority=authority)
                             | Q(source_record__child__local_authority=authority)
                             | Q(candidate__shield_broker=authority)
                             | Q(source_record__child__shield_broker=authority))
    shown = [item for item in items[: limit * 2]
             if may_act_on(actor, [item.candidate, record_child(item)],
                           Permission.MATCHING_REVIEW_READ)][:limit]
    audit.record("matching:review:list", actor=actor,
                 details={"statuses": sorted(statuses), "items": [i.pk for i in shown]},
                 children=[c.contactpoint_id for i in shown
                           for c in (record_child(i), i.candidate)])
    return shown


def _item(actor: User, item_id: int, *, pending: bool = True) -> ReviewItem:
    permission = (Permission.MATCHING_REVIEW_DECIDE if pending
                  else Permission.MATCHING_REVIEW_READ)
    _check_actor(actor, permission)
    try:
        item = (ReviewItem.objects.select_for_update(of=("self",))
                .select_related("candidate", "source_record__child", "source_record__source")
                .get(pk=item_id))
    except ReviewItem.DoesNotExist:
        raise NotFound(NOT_YOURS) from None
    _require(actor, [item.candidate, record_child(item)], permission)
    if pending and item.status not in PENDING:
        raise Conflict(f"review item {item_id} is already decided ({item.status})")
    return item


def _record_summary(record: dict[str, Any]) -> dict[str, Any]:
    """A feed record's identifying fields, shaped like a child's for side-by-side display."""
    address = record.get("address") or {}
    return {
        "given_names": record.get("given_names"), "family_name": record.get("family_name"),
        "former_family_names": record.get("former_family_names") or [],
        "date_of_birth": record.get("date_of_birth"), "gender": record.get("gender"),
        "postcode": address.get("postcode"), "address_status": record.get("address_status"),
        "carers": sorted(f"{c.get('given_names', '')} {c.get('family_name', '')}".strip()
                         for c in record.get("carers") or []),
        "identifiers": {k: v for k, v in (record.get("identifiers") or {}).items() if v},
    }


def _child_summary(record: dict[str, Any] | None) -> dict[str, Any]:
    if record is None:
        return {}
    address = record.get("address") or {}
    return {
        "given_names": record["name"]["given_names"],
        "family_name": record["name"]["family_name"],
        "former_family_names": record.get("former_family_names") or [],
        "date_of_birth": record.get("date_of_birth"), "gender": record.get("gender"),
        "postcode": address.get("postcode"), "address_status": record.get("address_status"),
        "carers": sorted(f"{c.get('given_names', '')} {c.get('family_name', '')}".strip()
                         for c in record.get("carers") or []),
        "identifiers": record.get("identifiers") or {},
    }


def pair(actor: User, item_id: int, keys: KeyStore | None = None) -> dict[str, Any]:
    """One pair side by side: the record, the candidate child, and how they compared."""
    keys = keys or get_keystore()
    with transaction.atomic():
        item = _item(actor, item_id, pending=False)
    sr = item.source_record
    if sr.child is None:  # _item has refused it already (record_child)
        raise Conflict(f"review item {item.pk}: its record was deleted")
    record = open_payload(keys, sr.child.contactpoint_id, sr)["record"]
    with transaction.atomic():
        audit.record("matching:review:view", actor=actor,
                     subject=item.candidate.contactpoint_id,
                     details={"item": item.pk, "record_child": sr.child.contactpoint_id},
                     children=[sr.child.contactpoint_id])
    return {
        "id": item.pk, "status": item.status, "score": round(item.score, 2),
        "reason": item.reason,
        "record": {"source": sr.source.name, "source_id": record["source_id"],
                   "recorded_at": sr.recorded_at.isoformat(),
                   "contactpoint_id": sr.child.contactpoint_id, **_record_summary(record)},
        "candidate": {"contactpoint_id": item.candidate.contactpoint_id,
                      "shielded": item.candidate.shielded,
                      **_child_summary(open_child_record(keys, item.candidate))},
        "comparisons": [{"comparison": c, "level": level, "weight": weight,
                         "agrees": weight is not None and weight > 0}
                        for c, level, weight in item.explanation],
    }


# -- decisions -------------------------------------------------------------------------------

def _reason_owner(action: MatchAction) -> str | None:
    """The child whose key seals the reason: the one the decision is about."""
    for child in (action.child, action.retired, action.created):
        if child is not None:
            return child.contactpoint_id
    return None


def stated_reason(action: MatchAction, keys: KeyStore | None = None) -> str | None:
    """The reason a person gave, opened for the history, the API and the command line
    (whose callers have already checked the reader may see it); None once the child's
    key is destroyed (shredded), as for the rest of that child's data."""
    owner = _reason_owner(action)
    if action.reason is None or owner is None:
        return None
    keys = keys or get_keystore()
    try:
        cipher = keys.child_key(owner)
    except MissingKey:
        return None
    return sealing.open_match_reason(cipher, owner, action.pk, action.reason)


def _finish(kind: str, reason: str, change: Change, *,
            child: Child | None, retired: Child | None = None, created: Child | None = None,
            undoes: MatchAction | None = None, keys: KeyStore | None = None) -> MatchAction:
    action = MatchAction.objects.create(
        kind=kind, actor=change.actor, reason=None, at=change.now, child=child,
        moves=change.moves,
        retired=retired, created=created, kept_apart=change.kept_apart,
        released=change.released, items=change.items, undoes=undoes)
    owner = _reason_owner(action)
    if owner is not None:  # every decision names its child; sealed once its pk is known
        cipher = (keys or get_keystore()).child_key(owner)
        action.reason = sealing.seal_match_reason(cipher, owner, action.pk, reason)
        action.save(update_fields=["reason"])
    KeptApart.objects.bulk_create([KeptApart(child_a_id=a, child_b_id=b, action=action)
                                   for a, b in change.kept_apart])
    audit.record(f"matching:decision:{kind.replace('_', '-')}", actor=change.actor,
                 personal={"reason": reason},
                 subject=child.contactpoint_id if child is not None else None,
                 children=[c.contactpoint_id for c in (retired, created) if c is not None],
                 details={"decision": action.pk, "undoes": action.undoes_id,
                          "records_moved": len([m for m in change.moves
                                                if m["from"] != m["to"]])})
    return action


def link(actor: User, item_id: int, reason: str,
         keys: KeyStore | None = None) -> MatchAction:
    """The pair is one child: the record's child is merged into the candidate."""
    keys, reason = keys or get_keystore(), _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        lock_index()
        item = _item(actor, item_id)
        own, candidate = record_child(item), item.candidate
        if candidate.status != ChildStatus.ACTIVE or own.status != ChildStatus.ACTIVE:
            raise Conflict("one of the pair is no longer an active child")
        if kept_apart(own.pk, candidate.pk):
            raise Conflict("these children were kept apart by a person: undo that first")
        change = Change(actor, now)
        set_item(item, ReviewStatus.LINKED, change)
        merge_children(keys, candidate, own, change)
        close_pending(Q(source_record__child=candidate, candidate=candidate), change)
        ChildDeriver(keys).rederive([candidate.pk, own.pk])
        return _finish(ActionKind.LINK, reason, change, child=candidate,
                       retired=own, keys=keys)


def keep_apart(actor: User, item_id: int, reason: str) -> MatchAction:
    """Not the same child: remembered, so the pair is never proposed again."""
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        lock_index()
        item = _item(actor, item_id)
        own, candidate = record_child(item), item.candidate
        change = Change(actor, now)
        set_item(item, ReviewStatus.KEPT_APART, change)
        close_pending(Q(source_record__child=own, candidate=candidate)
                       | Q(source_record__child=candidate, candidate=own), change)
        if item.source_record.link_state == LinkState.REVIEW:
            change.moves.append({"record": item.source_record.pk, "from": own.pk,
                                 "to": own.pk, "state": LinkState.REVIEW})
            SourceRecord.objects.filter(pk=item.source_record.pk).update(
                link_state=LinkState.MANUAL, updated_at=now)
        if not kept_apart(own.pk, candidate.pk):
            change.kept_apart.append(list(ordered_pair(own.pk, candidate.pk)))
        if own.shield_held and not ReviewItem.objects.filter(
                source_record__child=own, status__in=PENDING, candidate__shielded=True).exists():
            release_hold(get_keystore(), own, actor=actor, now=now)
        return _finish(ActionKind.KEEP_APART, reason, change, child=own)


def defer(actor: User, item_id: int, reason: str) -> MatchAction:
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        lock_index()
        item = _item(actor, item_id)
        if item.status == ReviewStatus.DEFERRED:
            raise Conflict(f"review item {item_id} is already deferred")
        change = Change(actor, now)
        set_item(item, ReviewStatus.DEFERRED, change)
        return _finish(ActionKind.DEFER, reason, change,
                       child=item.source_record.child)


def _child(actor: User, contactpoint_id: str) -> Child:
    try:
        child = Child.objects.select_for_update().get(contactpoint_id=contactpoint_id)
    except Child.DoesNotExist:
        raise NotFound(NOT_YOURS) from None
    _require(actor, [child])
    if child.status != ChildStatus.ACTIVE:
        raise Conflict(f"child {contactpoint_id} is {child.status}, not active")
    return child


def _record_of(actor: User, keys: KeyStore, source: str,
               source_id: str) -> tuple[SourceRecord, Child]:
    """The live record and its child, if they are the actor's to act on. A made-up record
    and another authority's real one get the same answer: nothing says whether a record
    exists."""
    key = keys.blind_index.token("source-record", source, source_id)
    record = (SourceRecord.objects.select_for_update(of=("self",))
              .select_related("child").filter(source_key=key, deleted=False).first())
    if record is None or record.child is None:
        raise NotFound(NOT_YOURS)
    _require(actor, [record.child])
    return record, record.child


def split(actor: User, source: str, source_id: str, reason: str,
          keys: KeyStore | None = None) -> MatchAction:
    """A record wrongly joined to a child becomes a child of its own, kept apart from it."""
    keys, reason = keys or get_keystore(), _reason(reason)
    _check_actor(actor)
    now = timezone.now()
    (cp_id,) = reserve_children(keys, 1)  # the key is committed first, as in the loader
    with transaction.atomic():
        lock_index()
        record, old = _record_of(actor, keys, source, source_id)
        if not SourceRecord.objects.filter(child=old, deleted=False).exclude(
                pk=record.pk).exists():
            raise Conflict(f"{source} {source_id} is the only record of its child: "
                           "nothing to split it from")
        # Split from a shielded child, a record stays behind the shield (with the same
        # broker) until its team lifts it: splitting must not make an unshielded copy.
        new = Child.objects.create(contactpoint_id=cp_id, status=ChildStatus.ACTIVE,
                                   shielded=old.shielded, shield_broker_id=old.shield_broker_id,
                                   shield_held=old.shield_held)
        if old.shielded:
            record_shield_change(keys, new, shielded=True, now=now, by=actor,
                                 reason="Split from a shielded record: shielded with it.")
        change = Change(actor, now, move_records(keys, [(record.pk, new.pk, LinkState.MANUAL)]),
                         [list(ordered_pair(old.pk, new.pk))])
        close_pending(Q(source_record=record), change)
        ChildDeriver(keys).rederive([old.pk, new.pk])
        return _finish(ActionKind.SPLIT, reason, change, child=old, created=new, keys=keys)


def merge(actor: User, keep_id: str, gone_id: str, reason: str,
          keys: KeyStore | None = None) -> MatchAction:
    """Two children found to be one: `gone_id`'s records join `keep_id`."""
    keys, reason = keys or get_keystore(), _reason(reason)
    _check_actor(actor)
    if keep_id == gone_id:
        raise Invalid("A child cannot be merged with itself: give two different "
                      "ContactPoint IDs.", problems=[errors.FieldProblem(
                          "gone", "a different child from keep", "body")])
    now = timezone.now()
    with transaction.atomic():
        lock_index()
        keep, gone = _child(actor, keep_id), _child(actor, gone_id)
        _require(actor, [keep, gone])
        change = Change(actor, now)
        low, high = ordered_pair(keep.pk, gone.pk)
        for pair_row in KeptApart.objects.filter(child_a_id=low, child_b_id=high):
            change.released.append([low, high, pair_row.action_id])  # a person overrides it
            pair_row.delete()
        merge_children(keys, keep, gone, change)
        close_pending(Q(source_record__child=keep, candidate=keep), change)
        ChildDeriver(keys).rederive([keep.pk, gone.pk])
        return _finish(ActionKind.MERGE, reason, change, child=keep, retired=gone, keys=keys)


def undo(actor: User, action_id: int, reason: str,
         keys: KeyStore | None = None) -> MatchAction:
    """Reverse an earlier decision, if nothing since has moved the same records."""
    keys, reason = keys or get_keystore(), _reason(reason)
    _check_actor(actor)
    now = timezone.now()
    with transaction.atomic():
        lock_index()
        try:
            done = MatchAction.objects.select_for_update().get(pk=action_id)
        except MatchAction.DoesNotExist:
            raise NotFound(f"no decision {action_id}") from None
        touched = _children_of(done)
        _require(actor, Child.objects.filter(pk__in=touched))
        if done.kind == ActionKind.UNDO:
            raise Conflict("an undo cannot itself be undone: make the decision again")
        if MatchAction.objects.filter(undoes=done).exists():
            raise Conflict(f"decision {action_id} is already undone")
        moved = [m for m in done.moves if m["from"] != m["to"]]
        now_at = dict(SourceRecord.objects.filter(pk__in=[m["record"] for m in moved],
                                                  deleted=False).values_list("pk", "child"))
        if any(now_at.get(m["record"]) != m["to"] for m in moved):
            raise Conflict("later changes moved these records again: undo those first")
        if done.retired_id is not None:
            Child.objects.filter(pk=done.retired_id).update(
                status=ChildStatus.ACTIVE, merged_into=None, updated_at=now)
        change = Change(actor, now, move_records(keys, [(m["record"], m["from"], m["state"])
                                                         for m in moved]))
        for m in done.moves:
            if m["from"] == m["to"]:  # a state change only (keep apart)
                SourceRecord.objects.filter(pk=m["record"]).update(link_state=m["state"],
                                                                   updated_at=now)
        if done.created_id is not None:
            Child.objects.filter(pk=done.created_id).update(
                status=ChildStatus.MERGED, merged_into=done.child_id, record=None,
                updated_at=now)
        for a, b in done.kept_apart:
            for row in KeptApart.objects.filter(child_a_id=a, child_b_id=b):
                change.released.append([a, b, row.action_id])
                row.delete()
        KeptApart.objects.bulk_create([KeptApart(child_a_id=a, child_b_id=b, action_id=act)
                                       for a, b, act in done.released])
        for item_id, status, candidate in reversed(done.items):
            ReviewItem.objects.filter(pk=item_id).update(status=status, candidate_id=candidate,
                                                         decided_by=None, decided_at=None)
        live = [pk for pk in touched if pk != done.created_id]
        ChildDeriver(keys).rederive(live)
        return _finish(ActionKind.UNDO, reason, change, child=done.child,
                       undoes=done, keys=keys)


def _children_of(action: MatchAction) -> set[int]:
    found = {m["from"] for m in action.moves} | {m["to"] for m in action.moves}
    found |= {pk for pk in (action.child_id, action.retired_id, action.created_id) if pk}
    return found


def decision(actor: User, action_id: int) -> MatchAction:
    """One earlier decision, for the undo form: only to those undo would let act on it."""
    _check_actor(actor)
    done = MatchAction.objects.filter(pk=action_id).first()
    if done is None:
        raise NotFound(f"no decision {action_id}")
    _require(actor, Child.objects.filter(pk__in=_children_of(done)))
    return done


def history(actor: User, contactpoint_id: str) -> list[MatchAction]:
    """Every decision touching a child, latest first."""
    _check_actor(actor, Permission.MATCHING_REVIEW_READ)
    try:
        child = Child.objects.get(contactpoint_id=contactpoint_id)
    except Child.DoesNotExist:
        raise NotFound(NOT_YOURS) from None
    _require(actor, [child], Permission.MATCHING_REVIEW_READ)
    actions = list(MatchAction.objects.filter(
        Q(child=child) | Q(retired=child) | Q(created=child)).select_related("actor"))
    audit.record("matching:history:view", actor=actor, subject=child.contactpoint_id,
                 details={"decisions": [a.pk for a in actions]})
    return actions
