"""A management team answers a subject access request: start it, produce it, hand it over.

Only the child's own management team (where the child lives, or the team brokering its
shield) and the national team may (the access policy's CHILDREN_SUBJECT_ACCESS rule);
to anyone else the child is "not found". Every step is audited: the request
(`child:sar:request`, with who asked and how their identity was checked, sealed), the
export (`child:sar:export`, export.py) and each download (`child:sar:download`).

For a shielded child the team must say it has read the warning before the export is
made: the copy goes to someone who may be the person the child is shielded from.

Each step writes in a transaction of its own (the page runs outside the request's
transaction): the export signs a checkpoint, and a checkpoint written to disk must never
name entries a later rollback would take away.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass

import orjson
from django.db import transaction
from django.utils import timezone

from contactpoint.access.authorise import authorise
from contactpoint.access.models import Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.audit import hooks as audit
from contactpoint.audit import trail as audit_trail
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.errors import BadRequest, FieldProblem, NotFound, free_text
from contactpoint.identity import sealing
from contactpoint.identity.models import Child
from contactpoint.identity.records import NOT_FOUND, facts_of, find_child
from contactpoint.subject_access import export, html
from contactpoint.subject_access.models import SubjectAccessRequest

#: Who may ask (the young person, someone with parental responsibility, or someone
#: acting for either with their authority).
RELATIONS = {
    "young_person": "The young person",
    "parent": "A parent or carer with parental responsibility",
    "representative": "Someone acting for them (with written authority)",
}


@dataclass(frozen=True)
class Asked:
    requester: str
    relation: str
    identity_check: str
    #: Organisations the team approves naming in a shielded child's export (codes).
    approved: frozenset[str] = frozenset()
    #: The team has read the warning about releasing a shielded child's export.
    shield_warning_read: bool = False


def child_for_request(user: User, contactpoint_id: str) -> Child:
    """The child whose request `user` may answer; NotFound for anyone else's."""
    child = find_child(contactpoint_id)
    authorise(user, Permission.CHILDREN_SUBJECT_ACCESS, facts_of(child), unseen=NOT_FOUND)
    return child


def organisations_to_approve(child: Child) -> list[Organisation]:
    """The organisations a shielded child's export would name, were it not shielded: those
    in the trail about the child (placed or still waiting) and those recorded as involved."""
    codes = set(audit_trail.select(child=child.contactpoint_id).exclude(organisation=None)
                .values_list("organisation", flat=True).distinct())
    codes |= set(child.involvements.values_list("organisation__code", flat=True))
    return list(Organisation.objects.filter(code__in=codes).order_by("name"))


def _check(asked: Asked, child: Child) -> Asked:
    problems = []
    requester = free_text(asked.requester, "requester")
    check = free_text(asked.identity_check, "identity_check")
    if not requester:
        problems.append(FieldProblem("requester", "Enter the name of the person who asked"))
    if asked.relation not in RELATIONS:
        problems.append(FieldProblem("relation", "Choose who the person is to the child"))
    if not check:
        problems.append(FieldProblem("identity_check",
                                     "Enter how you checked the person's identity"))
    if child.shielded and not asked.shield_warning_read:
        problems.append(FieldProblem("shield_warning_read", "Confirm you have read the "
                                     "warning about releasing a shielded child's record"))
    if problems:
        raise BadRequest("The request cannot be answered yet.", problems=problems)
    return Asked(requester, asked.relation, check, asked.approved, asked.shield_warning_read)


def answer(user: User, contactpoint_id: str, asked: Asked, *, keys: KeyStore | None = None
           ) -> SubjectAccessRequest:
    """Start the request, produce the export and keep it sealed for the team to download."""
    keys = keys or get_keystore()
    child = child_for_request(user, contactpoint_id)
    asked = _check(asked, child)
    allowed = {o.code for o in organisations_to_approve(child)} if child.shielded else set()
    approved = frozenset(asked.approved & allowed)
    with transaction.atomic():
        audit.record("child:sar:request", actor=user, subject=child.contactpoint_id,
                     personal={"requester": asked.requester,
                               "identity_check": asked.identity_check},
                     details={"relation": asked.relation, "shielded": child.shielded,
                              "approved": sorted(approved)})
    document = export.build(child.contactpoint_id, actor=user, keys=keys, approved=approved)
    token = secrets.token_hex(16)
    sealed = sealing.seal_subject_access(keys.child_key(child.contactpoint_id),
                                         child.contactpoint_id, token, document)
    with transaction.atomic():
        return SubjectAccessRequest.objects.create(
            contactpoint_id=child.contactpoint_id, answered_by=user.username,
            organisation=user.organisation.code if user.organisation else "",
            created_at=timezone.now(), shielded=child.shielded, token=token, export=sealed)


def answered(user: User, contactpoint_id: str) -> list[SubjectAccessRequest]:
    child = child_for_request(user, contactpoint_id)
    return list(SubjectAccessRequest.objects.filter(contactpoint_id=child.contactpoint_id)
                .defer("export"))


def download(user: User, contactpoint_id: str, request_id: int, *,
             keys: KeyStore | None = None) -> tuple[str, bytes]:
    """The export as a zip (sar.json and sar.html, as `sar verify` reads them), audited."""
    keys = keys or get_keystore()
    child = child_for_request(user, contactpoint_id)
    found = SubjectAccessRequest.objects.filter(pk=request_id,
                                                contactpoint_id=child.contactpoint_id).first()
    if found is None:
        raise NotFound("No such subject access request for this child.")
    document = sealing.open_subject_access(
        keys.child_key(child.contactpoint_id), child.contactpoint_id, found.token,
        found.export)
    with transaction.atomic():
        audit.record("child:sar:download", actor=user, subject=child.contactpoint_id,
                     details={"request": found.pk})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sar.json", orjson.dumps(document, option=orjson.OPT_INDENT_2))
        archive.writestr("sar.html", html.render(document))
    return f"subject-access-{child.contactpoint_id}-{found.pk}.zip", buffer.getvalue()
