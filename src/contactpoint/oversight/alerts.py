"""Misuse alerts as people and operators see and act on them.

Who sees which is the one access policy's answer (`alerts:manage`, reaching users as
`accounts:manage` does): a local management team sees the alerts about its authority's
users, the national team every alert, including those about no account (an address
trying many usernames). An alert outside a team's reach is "not found".

Every read and every action is audited in the same transaction: reading the list
(`oversight:alerts:list`), an alert with its evidence (`oversight:alert:view`),
suspending the account (the suspension service's own `account:user:suspend`, and
`oversight:alert:suspend` naming the alert), telling the user's manager
(`oversight:alert:tell-manager`) and closing with an outcome (`oversight:alert:close`).
The reason and any note are sealed in the entry, as every reason is.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, NoReturn

import orjson
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contactpoint.access import services
from contactpoint.access.authorise import (
    actor_of,
    allows,
    authorise,
    organisation_scope,
    user_scope,
)
from contactpoint.access.models import Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import OrganisationScope
from contactpoint.audit import hooks, trail
from contactpoint.audit.models import Entry
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.errors import BadRequest, FieldProblem, NotFound
from contactpoint.identity.models import Child
from contactpoint.identity.records import child_scope
from contactpoint.oversight.models import Alert, AlertStatus, Outcome

NOT_FOUND = "There is no alert with that number that you can see."
NOTE_MAX_CHARS = 500


def as_item(alert: Alert) -> dict[str, Any]:
    """An alert as `alerts list --json` and `GET /api/v1/alerts` give it (CONTRACTS.md)."""
    return {"id": alert.pk, "rule": alert.rule, "user": alert.username,
            "organisation": alert.organisation,
            "raised_at": alert.raised_at.astimezone(UTC).isoformat(timespec="seconds"),
            "status": alert.status, "evidence": list(alert.evidence),
            "summary": alert.summary}


# -- operators, at the command line -----------------------------------------------------------

def list_for_operator(*, by: str, status: str | None = None) -> list[Alert]:
    """Every alert (of `status`), newest first; audited in the operator's name."""
    found = Alert.objects.all()
    if status:
        found = found.filter(status=status)
    alerts = list(found)
    with transaction.atomic():
        hooks.record("oversight:alerts:list", actor=hooks.operator(by),
                     details={"status": status, "shown": len(alerts)})
    return alerts


# -- management teams and the national team ---------------------------------------------------

def _scope(alert: Alert) -> OrganisationScope:
    """The alert as the policy's target: its user's organisation; no user, no authority."""
    if alert.user is not None:
        return user_scope(alert.user)
    return organisation_scope(None)


def visible_to(user: User, *, status: str | None = AlertStatus.OPEN) -> QuerySet[Alert]:
    """`alert_for`'s rule as a query: the alerts about the team's users, and those about
    a break glass on a child the team shields."""
    facts = authorise(user, Permission.ALERTS_MANAGE)
    found = Alert.objects.select_related("user", "user__organisation")
    if status:
        found = found.filter(status=status)
    if facts.national:
        return found
    if facts.authority_id is None:
        return found.none()
    return found.filter(Q(authority_id=facts.authority_id)
                        | Q(child_team_id=facts.authority_id))


def list_alerts(user: User, *, status: str | None = AlertStatus.OPEN) -> list[Alert]:
    """The alerts `user` may see (open ones, by default), newest first; audited."""
    found = list(visible_to(user, status=status))
    hooks.record("oversight:alerts:list", actor=user,
                 details={"status": status, "shown": len(found)})
    return found


def alert_for(user: User, alert_id: int) -> Alert:
    """One alert `user` may act on; anyone else's is NotFound."""
    authorise(user, Permission.ALERTS_MANAGE)
    alert = Alert.objects.select_related("user", "user__organisation",
                                         "user__organisation__authority").filter(
        pk=alert_id).first()
    if alert is None:
        raise NotFound(NOT_FOUND)
    child = (Child.objects.filter(contactpoint_id=alert.child).first()
             if alert.child else None)
    if child is not None and not allows(user, Permission.ALERTS_MANAGE, _scope(alert)):
        authorise(user, Permission.ALERTS_MANAGE, child_scope(child), unseen=NOT_FOUND)
    else:
        authorise(user, Permission.ALERTS_MANAGE, _scope(alert), unseen=NOT_FOUND)
    return alert


def may_suspend(user: User, alert: Alert) -> bool:
    """Whether `user` manages the alert's user (the child's team of a break glass by
    someone of another authority does not: it tells their team)."""
    return alert.user is not None and allows(user, Permission.ACCOUNTS_MANAGE,
                                             user_scope(alert.user))


def evidence_of(alert: Alert, viewer: User | None = None,
                keys: KeyStore | None = None) -> list[dict[str, Any]]:
    """The trail's entries the alert rests on, read as the Activity page reads them: a
    council's team reads everything in its own users' entries, and in another
    authority's user's entry (a break glass on a child it shields) who, when, what and
    why, but not the personal content typed with it (`withheld`)."""
    keys = keys or get_keystore()
    own = _own_codes(viewer) if viewer is not None else None
    entries = (Entry.objects.filter(leaf__seq__in=list(alert.evidence))
               .select_related("leaf").order_by("leaf__seq"))
    shown = []
    for entry in entries:
        readable = {**trail.readable(entry, entry.leaf.seq, keys), "when": entry.at,
                    "withheld": False}
        if own is not None and entry.organisation not in own:
            plain = orjson.loads(entry.details)
            readable["withheld"] = readable["details"] != plain
            readable["details"] = plain
        shown.append(readable)
    return shown


def _own_codes(viewer: User) -> set[str] | None:
    """The organisations whose users' entries a team reads whole (None: every one)."""
    facts = actor_of(viewer)
    if facts.national:
        return None
    if facts.authority_id is None:
        return set()
    return set(Organisation.objects.filter(Q(pk=facts.authority_id)
                                           | Q(authority_id=facts.authority_id))
               .values_list("code", flat=True))


@transaction.atomic
def view_alert(user: User, alert_id: int) -> tuple[Alert, list[dict[str, Any]]]:
    alert = alert_for(user, alert_id)
    shown = evidence_of(alert, user)
    hooks.record("oversight:alert:view", actor=user, subject=alert.user or alert.username,
                 details={"alert": alert.pk, "rule": alert.rule,
                          "evidence": [e["seq"] for e in shown]})
    return alert, shown


def _text(value: str | None, field: str, label: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        _refuse(field, f"Enter {label}")
    if len(text) > NOTE_MAX_CHARS:
        _refuse(field, f"{label[:1].upper()}{label[1:]} must be {NOTE_MAX_CHARS} characters "
                "or fewer")
    return text


def _refuse(field: str, message: str) -> NoReturn:
    raise BadRequest(message, problems=[FieldProblem(field, message, "body")])


def _open(alert: Alert) -> None:
    if alert.status != AlertStatus.OPEN:
        raise BadRequest("This alert is closed.")


@transaction.atomic
def suspend(actor: User, alert_id: int, *, reason: str) -> Alert:
    """Suspend the alert's user at once, through the suspension service (their sessions
    end, their tokens stop)."""
    alert = alert_for(actor, alert_id)
    why = _text(reason, "reason", "the reason")
    if alert.user is None:
        raise BadRequest("This alert is about no account: there is nobody to suspend.")
    if not may_suspend(actor, alert):
        raise BadRequest("Their account is managed by another authority's team: tell that "
                         "team, or the national team.")
    try:
        services.suspend_user(actor, alert.user.username, reason=why)
    except services.AccessError as exc:
        raise BadRequest(str(exc)) from None
    hooks.record("oversight:alert:suspend", actor=actor, subject=alert.user, reason=why,
                 details={"alert": alert.pk, "rule": alert.rule})
    return alert


@transaction.atomic
def tell_manager(actor: User, alert_id: int, *, note: str) -> Alert:
    """Record that the user's manager was told, and what they were told (sealed)."""
    alert = alert_for(actor, alert_id)
    _open(alert)
    said = _text(note, "note", "what you told their manager")
    alert.manager_told_at, alert.manager_told_by = timezone.now(), actor.username
    alert.save(update_fields=["manager_told_at", "manager_told_by"])
    hooks.record("oversight:alert:tell-manager", actor=actor,
                 subject=alert.user or alert.username, reason=said,
                 details={"alert": alert.pk, "rule": alert.rule})
    return alert


@transaction.atomic
def close(actor: User, alert_id: int, *, outcome: str, reason: str) -> Alert:
    """Close the alert with an outcome and the reason for it (sealed in the entry)."""
    alert = alert_for(actor, alert_id)
    _open(alert)
    if outcome not in Outcome.values:
        _refuse("outcome", "Choose an outcome, one of: " + ", ".join(Outcome.values))
    why = _text(reason, "reason", "the reason")
    alert.status, alert.outcome = AlertStatus.CLOSED, outcome
    alert.closed_at, alert.closed_by = timezone.now(), actor.username
    alert.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    hooks.record("oversight:alert:close", actor=actor, subject=alert.user or alert.username,
                 reason=why, details={"alert": alert.pk, "rule": alert.rule,
                                      "outcome": outcome})
    return alert
