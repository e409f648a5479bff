"""Opening a child's record, shielding it, and practitioners' own involvements.

The services behind the record's page and `/api/v1/children/{id}…`. Each asks the
access policy (access/authorise.py) whether the user may act on the child, owns its
transaction, and calls the audit hook with who, what and why. What a
viewer sees is decided by access.visibility alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contactpoint.access.authorise import actor_of, authorise
from contactpoint.access.models import Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.access.visibility import (
    SENSITIVE_SERVICES,
    Broker,
    ChildFacts,
    broker,
    may_name_provider,
    sees_everything,
    shielded_from,
    visible_record,
)
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.errors import (
    BadRequest,
    Conflict,
    FieldProblem,
    Forbidden,
    NotFound,
    free_text,
)
from contactpoint.identity import sealing
from contactpoint.identity.models import Child, ChildStatus, Involvement, ShieldChange
from contactpoint.identity.normalise import check_phone
from contactpoint.identity.store import (
    ChildDeriver,
    lock_index,
    open_child_record,
    open_involvement,
)
from contactpoint.identity.vocabulary import CONSENT_BASES, SERVICE_TYPES

#: CONTRACTS.md: why a record is opened. `other` needs a detail.
REASONS = {
    "child_protection": "Child protection",
    "assessment": "Assessment",
    "referral": "Referral",
    "education_welfare": "Education welfare",
    "health_care": "Health care",
    "youth_justice": "Youth justice",
    # With child_protection, the reasons a record archived over a year ago opens for
    # (access.policy.ARCHIVE_PURPOSES).
    "serious_case_review": "Serious case review",
    "child_death_review": "Child death review",
    "other": "Other (say why)",
}
NOT_FOUND = "No child with that ContactPoint ID."
PHONE_PROBLEM = ("Enter a phone number, like 0113 496 0000, 07700 900 982 or "
                 "+44 113 496 0000")


def _broker(organisation: Organisation | None) -> Broker | None:
    if organisation is None:
        return None
    return Broker(organisation.name, organisation.contact_phone, organisation.contact_email)


def facts_of(child: Child) -> ChildFacts:
    """What access.visibility needs to know of a child (its rules take nothing else)."""
    return ChildFacts(child.contactpoint_id, child.shielded, child.status,
                      child.local_authority_id, _broker(child.local_authority),
                      child.shield_broker_id, _broker(child.shield_broker),
                      archived_on=child.archived_on)


def child_scope(child: Child) -> ChildFacts:
    """What the access policy needs of a child (who its team is), without the brokers'
    names, so asking about many children reads no more rows."""
    return ChildFacts(child.contactpoint_id, child.shielded, child.status,
                      child.local_authority_id, shield_broker_id=child.shield_broker_id,
                      archived_on=child.archived_on)


def find_child(contactpoint_id: str, *, for_update: bool = False) -> Child:
    """The child with this id, following merges; NotFound for none.

    Archived and purged children are found too: whoever asks then authorises with the
    child's facts, and the access policy decides (an archived child is unseen by all but
    its data managers, a purged one is gone: 410).
    """
    children = Child.objects.select_related("local_authority", "shield_broker")
    if for_update:
        children = children.select_for_update(of=("self",))
    seen = set()
    while True:
        child = children.filter(contactpoint_id=contactpoint_id).first()
        if child is None or contactpoint_id in seen:
            raise NotFound(NOT_FOUND)
        seen.add(contactpoint_id)
        if child.status == ChildStatus.MERGED and child.merged_into_id is not None:
            contactpoint_id = Child.objects.get(pk=child.merged_into_id).contactpoint_id
            continue
        if child.status in (ChildStatus.ARCHIVED, ChildStatus.PURGED):
            return child
        if child.status != ChildStatus.ACTIVE or child.record is None:
            raise NotFound(NOT_FOUND)
        return child


def check_reason(reason: str | None, detail: str | None, *,
                 location: str = "query") -> tuple[str, str | None]:
    problems = []
    if not reason:
        problems.append(FieldProblem("reason", "Select why you are opening this record: "
                                     + ", ".join(REASONS), location))
    elif reason not in REASONS:
        problems.append(FieldProblem("reason", "Select why you are opening this record, "
                                     "one of: " + ", ".join(REASONS), location))
    detail = free_text(detail, "reason_detail", location=location,
                       label="the reason in words") or None
    if reason == "other" and not detail:
        problems.append(FieldProblem("reason_detail", "Say why you are opening this record",
                                     location))
    if problems or not reason:  # no reason is always a problem (above)
        raise BadRequest("A record opens only with a stated reason.", problems=problems)
    return reason, detail


@dataclass(frozen=True)
class Opened:
    """A record opened: the child, its whole derived record (for the services that act on
    the opening, never to be shown), what the viewer was shown, and the view's entry."""

    child: Child
    record: dict[str, Any]
    shown: dict[str, Any]
    entry_id: int
    break_glass: bool


def open_record(user: User, contactpoint_id: str, *, reason: str | None,
                detail: str | None = None, break_glass: bool = False,
                keys: KeyStore | None = None) -> dict[str, Any]:
    """The record as this user may see it, opened for a stated reason (audited)."""
    return opening(user, contactpoint_id, reason=reason, detail=detail,
                   break_glass=break_glass, keys=keys).shown


def opening(user: User, contactpoint_id: str, *, reason: str | None,
            detail: str | None = None, break_glass: bool = False,
            keys: KeyStore | None = None) -> Opened:
    """open_record, with what a caller acting on the opening needs (the notifications
    service tells the child's services who looked, in its own transaction around this)."""
    authorise(user, Permission.CHILDREN_RECORD_VIEW)
    reason, detail = check_reason(reason, detail)
    keys = keys or get_keystore()
    child = find_child(contactpoint_id)
    facts = facts_of(child)
    viewer = authorise(user, Permission.CHILDREN_RECORD_VIEW, facts, break_glass=break_glass,
                       purpose=reason, unseen=NOT_FOUND)
    glass = break_glass and child.shielded and not sees_everything(viewer, facts)
    record = open_child_record(keys, child)
    if record is None:  # find_child returns only a child with a record
        raise NotFound(NOT_FOUND)
    shown = visible_record(record, viewer, facts, break_glass=glass)
    with transaction.atomic():  # shown only once both entries are written
        entry = audit.record("child:record:view", actor=user, reason=reason,
                             subject=child.contactpoint_id,
                             personal={"reason_detail": detail} if detail else None,
                             details={"break_glass": glass, "shielded": child.shielded,
                                      "asked_for": contactpoint_id,
                                      **({"archived": True}
                                         if child.status == ChildStatus.ARCHIVED else {})})
        if glass:
            # DOMAIN.md: breaking the glass triggers an immediate investigation and alerts
            # the child's management team at once; the audit issue turns this into its alert.
            audit.record("child:shield:break_glass", actor=user, reason=reason,
                         subject=child.contactpoint_id,
                         personal={"reason_detail": detail} if detail else None,
                         details={"alert": "management_team", "broker": broker(facts).name})
    return Opened(child, record, shown, entry["id"], glass)


# -- shielding -------------------------------------------------------------------------------

def _manage(user: User, child: Child) -> None:
    authorise(user, Permission.CHILDREN_SHIELD_MANAGE, facts_of(child),
              refused="Only the child's own local management team (or a national "
                      "administrator) may shield or lift a shield.")


def child_to_shield(user: User, contactpoint_id: str) -> Child:
    """The child `user` may shield or lift the shield of, for the shield form.

    The same rule as set_shield, so the form is shown only to those whose answer to it
    would be taken. Anyone else is told the child is not found: the form does not
    confirm that another authority's child exists or is shielded.
    """
    child = find_child(contactpoint_id)
    authorise(user, Permission.CHILDREN_SHIELD_MANAGE, facts_of(child), unseen=NOT_FOUND)
    return child


def set_shield(user: User, contactpoint_id: str, *, shielded: bool, reason: str,
               review_on: date | None = None, keys: KeyStore | None = None) -> Child:
    keys = keys or get_keystore()
    reason = free_text(reason, "reason")
    problems = []
    if not reason:
        problems.append(FieldProblem("reason", "Enter the reason", "body"))
    if shielded and review_on is None:
        problems.append(FieldProblem("review_on", "Enter the date the shield is to be "
                                     "reviewed", "body"))
    if review_on is not None and review_on <= timezone.localdate():
        problems.append(FieldProblem("review_on", "Enter a review date in the future",
                                     "body"))
    if problems:
        raise BadRequest("The shield needs a reason and a review date.", problems=problems)
    with transaction.atomic():
        child = find_child(contactpoint_id, for_update=True)
        _manage(user, child)
        if child.shielded == shielded:
            raise Conflict("The record is already shielded." if shielded
                           else "The record is not shielded.")
        child.shielded = shielded
        # The team that shielded it brokers contact from now on, wherever the child moves.
        child.shield_broker_id = shielding_team(user) if shielded else None
        child.shield_held = False
        child.save(update_fields=["shielded", "shield_broker", "shield_held", "updated_at"])
        cipher = keys.child_key(child.contactpoint_id)
        ShieldChange.objects.create(
            child=child, shielded=shielded, review_on=review_on, changed_by=user,
            changed_at=timezone.now(),
            reason=sealing.seal_shield_reason(cipher, child.contactpoint_id, reason))
        audit.record("child:shield:set" if shielded else "child:shield:lift", actor=user,
                     personal={"reason": reason}, subject=child.contactpoint_id,
                     details={"review_on": review_on.isoformat() if review_on else None})
    return child


def shielding_team(user: User) -> int | None:
    """The organisation whose team brokers contact for a record `user` shields: a
    management team's local authority, a national admin's own organisation."""
    return actor_of(user).team_organisation_id


# -- involvements ----------------------------------------------------------------------------

@dataclass(frozen=True)
class InvolvementInput:
    service_type: str
    practitioner: str | None = None
    phone: str | None = None
    email: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    lead_professional: bool = False
    caf: bool = False
    consent: str | None = None


def _check_involvement(data: InvolvementInput) -> dict[str, Any]:
    problems = []
    if data.service_type not in SERVICE_TYPES:
        problems.append(FieldProblem("service_type", "Select your service, one of: "
                                     + ", ".join(sorted(SERVICE_TYPES)), "body"))
    if data.service_type in SENSITIVE_SERVICES and data.consent not in CONSENT_BASES:
        problems.append(FieldProblem("consent", "Select whether the young person consented "
                                     "or there is reasonable cause to suspect significant "
                                     "harm", "body"))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems.append(FieldProblem("end_date", "End date must be the same as or after the "
                                     "start date", "body"))
    if not (data.phone or data.email):
        problems.append(FieldProblem("phone", "Enter a phone number or an email address, so "
                                     "others can reach you", "body"))
    sealed = {}
    for name, label in (("practitioner", "practitioner's name"), ("phone", "phone number"),
                        ("email", "email address")):
        value = getattr(data, name)
        sealed[name] = free_text(value, name, max_chars=200, label=label) or None
    if sealed["phone"]:
        try:
            sealed["phone"] = check_phone(sealed["phone"])
        except ValueError:
            problems.append(FieldProblem("phone", PHONE_PROBLEM, "body"))
    if problems:
        raise BadRequest("The involvement cannot be recorded as given.", problems=problems)
    sealed["start_date"] = data.start_date.isoformat() if data.start_date else None
    sealed["end_date"] = data.end_date.isoformat() if data.end_date else None
    sealed["consent"] = data.consent
    return sealed


def _organisation(user: User) -> Organisation:
    if user.organisation is None:
        raise Forbidden("Only a member of an organisation records an involvement.")
    return user.organisation


def _involvement_replaced(child: Child, org: Organisation, replaces: int, *,
                          for_update: bool = False) -> Involvement:
    found = Involvement.objects.filter(pk=replaces, child=child, superseded_by__isnull=True)
    earlier = (found.select_for_update() if for_update else found).first()
    if earlier is None:
        raise NotFound("No current involvement with that id on this record.")
    if earlier.organisation_id != org.pk:
        raise Forbidden("Only the organisation that recorded an involvement updates it.")
    return earlier


def involvement_form_target(user: User, contactpoint_id: str,
                            replaces: int | None = None) -> Child:
    """The child (and, with `replaces`, the involvement) a practitioner's form is for.

    The checks record_involvement makes before it writes, so the form is refused the
    same way its answer would be: an unknown child or involvement is NotFound, another
    organisation's involvement Forbidden.
    """
    authorise(user, Permission.CHILDREN_INVOLVEMENT_CREATE)
    org = _organisation(user)
    child = find_child(contactpoint_id)
    authorise(user, Permission.CHILDREN_INVOLVEMENT_CREATE, facts_of(child))
    if replaces is not None:
        _involvement_replaced(child, org, replaces)
    return child


def involvement_as_recorded(user: User, contactpoint_id: str, replaces: int,
                            keys: KeyStore | None = None) -> dict[str, Any]:
    """The current version of the user's organisation's involvement, as InvolvementInput's
    fields, so an update starts from what is recorded rather than a blank form.

    The same checks as involvement_form_target (NotFound, Forbidden): only the
    organisation that recorded it is shown its sealed details.
    """
    authorise(user, Permission.CHILDREN_INVOLVEMENT_CREATE)
    child = find_child(contactpoint_id)
    authorise(user, Permission.CHILDREN_INVOLVEMENT_CREATE, facts_of(child))
    earlier = _involvement_replaced(child, _organisation(user), replaces)
    details = open_involvement(keys or get_keystore(), child.contactpoint_id, earlier)
    return {"service_type": earlier.service_type, "practitioner": details.get("practitioner"),
            "phone": details.get("phone"), "email": details.get("email"),
            "start_date": date.fromisoformat(details["start_date"])
            if details.get("start_date") else None,
            "end_date": date.fromisoformat(details["end_date"])
            if details.get("end_date") else None,
            "lead_professional": earlier.lead_professional, "caf": earlier.caf,
            "consent": details.get("consent")}


LEAD_BEHIND_SHIELD = ("On a shielded record the lead professional is agreed with the "
                      "management team: contact {broker} to become the lead professional.")


def _current_lead(child: Child, record: dict[str, Any] | None, *,
                  replaces: int | None) -> tuple[str, str | None, str] | None:
    """Who leads now, as (service type, organisation code, organisation name): a
    practitioner's current involvement, or a source's service that has not ended (a
    feed's lead counts as much as a practitioner's: one lead at a time)."""
    leads = Involvement.objects.filter(child=child, lead_professional=True,
                                       superseded_by__isnull=True)
    if replaces is not None:
        leads = leads.exclude(pk=replaces)
    holder = leads.select_related("organisation").first()
    if holder is not None:
        return holder.service_type, holder.organisation.code, holder.organisation.name
    today = timezone.localdate().isoformat()
    for service in (record or {}).get("services") or []:
        if (service.get("lead_professional") and "involvement" not in service
                and not (service.get("end_date") and service["end_date"] < today)):
            return (service.get("type") or "other", service.get("organisation_code"),
                    service.get("organisation") or "Another organisation")
    return None


def _lead_taken(user: User, child: Child, holder: tuple[str, str | None, str]) -> str:
    """Why the lead cannot be claimed, naming the holder only to whom the record would:
    a refusal must not reveal a sensitive provider."""
    service_type, code, name = holder
    facts = facts_of(child)
    if code is not None and may_name_provider(actor_of(user), facts,
                                              service_type=service_type,
                                              organisation_code=code):
        return f"{name} is the lead professional; they step down first."
    return (f"Another service is the lead professional; {broker(facts).name}'s management "
            "team can put you in touch with them.")


def record_involvement(user: User, contactpoint_id: str, data: InvolvementInput, *,
                       reason: str | None, detail: str | None = None,
                       replaces: int | None = None,
                       keys: KeyStore | None = None) -> Involvement:
    """A practitioner records (or, with `replaces`, updates) their organisation's involvement.

    Like opening the record, it needs a stated reason (kept in the audit trail). One lead
    professional per child, whoever recorded it: claiming it while another holds it is a
    409, naming who holds it where the record would; they step down first. Behind a
    shield nobody outside the child's management team claims the lead (the same answer
    whether or not there is one: the shielded view does not say).
    """
    authorise(user, Permission.CHILDREN_INVOLVEMENT_CREATE)
    reason, detail = check_reason(reason, detail, location="body")
    keys = keys or get_keystore()
    details = _check_involvement(data)
    org = _organisation(user)
    now = timezone.now()
    with transaction.atomic():
        lock_index()  # re-derivation below must not interleave with a load or a merge
        child = find_child(contactpoint_id, for_update=True)
        authorise(user, Permission.CHILDREN_INVOLVEMENT_CREATE, facts_of(child))
        earlier = None
        if replaces is not None:
            earlier = _involvement_replaced(child, org, replaces, for_update=True)
        if data.lead_professional and not (earlier is not None and earlier.lead_professional):
            facts = facts_of(child)
            if shielded_from(actor_of(user), facts):
                raise BadRequest("The lead professional cannot be claimed here.", problems=[
                    FieldProblem("lead_professional", LEAD_BEHIND_SHIELD.format(
                        broker=broker(facts).name), "body")])
            holder = _current_lead(child, open_child_record(keys, child), replaces=replaces)
            if holder is not None:
                raise Conflict(_lead_taken(user, child, holder))
        if earlier is not None:
            # The old version gives up the lead while the new one is written (the one-lead
            # constraint counts current versions); it gets its flag back once superseded.
            Involvement.objects.filter(pk=earlier.pk).update(lead_professional=False)
        involvement = Involvement.objects.create(
            child=child, organisation=org, recorded_by=user, service_type=data.service_type,
            lead_professional=data.lead_professional, caf=data.caf, details=b"",
            recorded_at=now)
        cipher = keys.child_key(child.contactpoint_id)
        involvement.details = sealing.seal_involvement(cipher, child.contactpoint_id,
                                                       involvement.pk, details)
        try:
            involvement.save(update_fields=["details"])
            if earlier is not None:
                Involvement.objects.filter(pk=earlier.pk).update(
                    superseded_by=involvement, lead_professional=earlier.lead_professional)
        except IntegrityError:
            raise Conflict("Another lead professional was recorded at the same time.") from None
        ChildDeriver(keys).rederive([child.pk])
        audit.record("child:involvement:update" if earlier else "child:involvement:create",
                     actor=user, subject=child.contactpoint_id, reason=reason,
                     personal={"reason_detail": detail} if detail else None,
                     details={"service_type": data.service_type,
                              "lead_professional": data.lead_professional, "caf": data.caf,
                              "involvement": involvement.pk, "replaces": replaces})
    return involvement
