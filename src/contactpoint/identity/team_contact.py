"""A management team's contact details: how practitioners reach the team that brokers
contact for a shielded record or a sensitive service (a record shows them; kept here,
beside the record, since its rules are the record's phone rules).

The team sets its own. A management team's details are its local authority's; the
national team's are those of the national administrator's organisation, which brokers
the records it shields. Plain organisational contacts, never a person's: stored as
they are, and changing them is audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from contactpoint.access.authorise import authorise
from contactpoint.access.models import Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.audit import hooks as audit
from contactpoint.errors import BadRequest, FieldProblem, Forbidden
from contactpoint.identity.normalise import check_phone
from contactpoint.identity.records import PHONE_PROBLEM


def team_organisation(user: User) -> Organisation:
    """The organisation whose contact details this user's team keeps."""
    pk = authorise(user, Permission.ORGANISATIONS_CONTACT_MANAGE).team_organisation_id
    if pk is None:
        raise Forbidden("Your account belongs to no organisation whose team brokers contact.")
    return Organisation.objects.get(pk=pk)


def set_team_contact(user: User, *, phone: str, email: str) -> Organisation:
    """Save the team's phone and email (either may be blank, not both)."""
    phone, email = phone.strip(), email.strip()
    problems = []
    if phone:
        try:
            phone = check_phone(phone)
        except ValueError:
            problems.append(FieldProblem("phone", PHONE_PROBLEM, "body"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(FieldProblem("email", "Enter an email address in the correct "
                                         "format, like team@council.example", "body"))
        if len(email) > 200:
            problems.append(FieldProblem("email", "Enter an email address of 200 characters "
                                         "or fewer", "body"))
    if not (phone or email):
        problems.append(FieldProblem("phone", "Enter a phone number or an email address, so "
                                     "practitioners can reach your team", "body"))
    if problems:
        raise BadRequest("The contact details cannot be saved as given.", problems=problems)
    with transaction.atomic():
        org = team_organisation(user)
        org.contact_phone, org.contact_email = phone, email
        org.save(update_fields=["contact_phone", "contact_email"])
        audit.record("organisation:contact:update", actor=user, subject=org,
                     details={"phone": phone, "email": email})
    return org
