"""Managing organisations and users. Each function owns its transaction.

The command line (an operator) uses add_organisation and add_user directly, naming the
operator with `by` so they call the audit hook; pages and, later, the API go through the
functions below them that take the `actor` and apply the rules of who may manage whom,
and each of those calls the audit hook once (so they pass no `by`).
"""

from __future__ import annotations

import secrets

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone

from contactpoint.access import policy, second_factors
from contactpoint.access.authorise import (
    actor_of,
    authorise,
    organisation_scope,
    user_scope,
)
from contactpoint.access.models import Organisation, OrganisationType, Role, User
from contactpoint.access.permissions import ROLE_ORGANISATION_TYPES, Permission
from contactpoint.access.sessions import end_sessions
from contactpoint.audit import hooks as audit
from contactpoint.errors import NotFound

#: A reason is a sentence for the audit trail, not a case note.
REASON_MAX_CHARS = 500


class AccessError(ValueError):
    """A request to change organisations or users that breaks a rule; the message says which.

    A message about one input starts with its field's name and a colon ("username: A user
    with…"), so a page can put it beside that field; the rest is a sentence for people.
    """


def role_misfit(role: str, org: Organisation) -> str | None:
    """Why `role` cannot be held in `org` (a sentence), or None when it can
    (permissions.ROLE_ORGANISATION_TYPES)."""
    if policy.role_fits(role, org.type):
        return None
    allowed = ROLE_ORGANISATION_TYPES.get(role, frozenset())
    kinds = " or ".join(sorted(_lower(OrganisationType(t).label) for t in allowed or ()))
    return (f"The {_lower(Role(role).label)} role is for staff of a {kinds}, and {org.name} "
            f"is a {_lower(OrganisationType(org.type).label)}: select another role, or select "
            f"their {kinds} as their organisation")


def _lower(label: str) -> str:
    """A label inside a sentence: "School" → "school", but "GP practice" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _authority(code: str | None) -> Organisation | None:
    if not code:
        return None
    try:
        return Organisation.objects.get(code=code, type=OrganisationType.LOCAL_AUTHORITY)
    except Organisation.DoesNotExist:
        raise AccessError(f"authority: There is no local authority with the code {code}: "
                          "check the code, or add the authority first") from None


def _clean(instance: Model, exclude: list[str] | None = None) -> None:
    """Model validation, its messages as one AccessError naming each field in words."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise AccessError("; ".join(
            f"{field}: {' '.join(_in_words(instance, field, e) for e in errors)}"
            for field, errors in exc.error_dict.items())) from None


def _in_words(instance: Model, field: str, error: ValidationError) -> str:
    """One of Django's model validation errors as a sentence naming the field."""
    try:
        named = instance._meta.get_field(field)
    except FieldDoesNotExist:  # a whole-model error (NON_FIELD_ERRORS) names no field
        named = None
    label = str(named.verbose_name) if isinstance(named, Field) else field.replace("_", " ")
    params = error.params or {}
    if error.code == "max_length":
        return f"{label.capitalize()} must be {params.get('limit_value')} characters or fewer"
    if error.code == "unique":
        return (f"A {instance._meta.verbose_name} with this {label} already exists: choose "
                f"another {label}")
    if error.code in ("blank", "null", "required"):
        return f"Enter the {label}"
    if error.code == "invalid" and field == "email":
        return "Enter an email address in the correct format, like name@example.org"
    if error.code == "invalid_choice":
        return f"Choose a {label} from the list"
    message = error.message % params if params else error.message
    return message[:1].upper() + message[1:]


@transaction.atomic
def add_organisation(*, code: str, name: str, type: str, authority: str | None = None,
                     by: str | None = None) -> tuple[Organisation, bool]:
    if type not in OrganisationType.values:
        raise AccessError("type: Choose the kind of organisation, one of: "
                          + ", ".join(OrganisationType.values))
    parent = _authority(authority)
    if type == OrganisationType.LOCAL_AUTHORITY and parent is not None:
        raise AccessError("authority: A local authority belongs to no other authority: "
                          "give none for it")
    org = Organisation.objects.filter(code=code).first() or Organisation(code=code)
    created = org.pk is None
    org.name, org.type, org.authority = name.strip(), type, parent
    _clean(org)
    org.save()
    if by is not None:
        audit.record("account:organisation:create" if created
                     else "account:organisation:update", actor=audit.operator(by),
                     subject=org, details={"type": type, "authority": authority})
    return org, created


@transaction.atomic
def add_user(*, username: str, org_code: str, role: str, email: str | None = None,
             by: str | None = None) -> tuple[User, str]:
    """Create a named user with a one-time password (changed at first sign-in).

    `by` names the operator at the command line, for the audit trail.
    """
    if role not in Role.values:
        raise AccessError("role: Choose a role, one of: " + ", ".join(Role.values))
    try:
        org = Organisation.objects.get(code=org_code)
    except Organisation.DoesNotExist:
        raise AccessError(f"organisation: There is no organisation with the code {org_code}: "
                          "check the code, or add the organisation first") from None
    if User.objects.filter(username=username).exists():
        raise AccessError(f"username: A user with the username {username} already exists: "
                          "choose another username")
    misfit = role_misfit(role, org)
    if misfit is not None:
        raise AccessError(f"role: {misfit}")
    user = User(username=username, organisation=org, role=role, email=email or "")
    _clean(user, exclude=["password"])
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.must_change_password = True
    user.save()
    if by is not None:
        audit.record("account:user:create", actor=audit.operator(by), subject=user,
                     details={"organisation": org.code, "role": role})
    return user, password


# -- management teams and the national team: who may manage whom ------------------------------
#
# access/policy.py decides: a management team acts on its own local authority (the
# authority's own organisation and every organisation that belongs to it); the national
# team sees and acts on everyone, but grants access (new users, new organisations) only
# for national partners: a council's staff are the council's to admit (DOMAIN.md, "Who
# may use it").

NOT_A_MANAGER = "Your account does not manage users or organisations."
NOT_MANAGED = "There is no user with that username that you manage."


def authority_of(org: Organisation | None) -> Organisation | None:
    """The local authority an organisation belongs to (itself, for an authority)."""
    if org is None:
        return None
    return org if org.is_local_authority else org.authority


def _require_manager(actor: User) -> None:
    authorise(actor, Permission.ACCOUNTS_MANAGE, refused=NOT_A_MANAGER)


def grants_in(actor: User, org: Organisation) -> bool:
    """May `actor` give people in `org` access?"""
    return policy.grants_in(actor_of(actor), organisation_scope(org))


def roles_grantable(actor: User, org: Organisation) -> list[str]:
    """The roles `actor` may give someone in `org`, in the order a form lists them."""
    return policy.roles_granted(actor_of(actor), organisation_scope(org))


def organisations_managed_by(actor: User) -> QuerySet[Organisation]:
    facts = authorise(actor, Permission.ACCOUNTS_MANAGE, refused=NOT_A_MANAGER)
    found = Organisation.objects.select_related("authority")
    if facts.national:
        return found.all()
    own = authority_of(actor.organisation)
    return found.filter(Q(pk=own.pk) | Q(authority=own)) if own else found.none()


def organisations_granted_by(actor: User) -> list[Organisation]:
    return [org for org in organisations_managed_by(actor) if grants_in(actor, org)]


def users_managed_by(actor: User) -> QuerySet[User]:
    return (User.objects.select_related("organisation")
            .filter(organisation__in=organisations_managed_by(actor)))


def managed_user(actor: User, username: str) -> User:
    """A user `actor` manages; anyone else is NotFound (a manager learns no other names)."""
    _require_manager(actor)
    found = (User.objects.select_related("organisation", "organisation__authority")
             .filter(username=username, organisation__isnull=False).first())
    if found is None:
        raise NotFound(NOT_MANAGED)
    authorise(actor, Permission.ACCOUNTS_MANAGE, user_scope(found), refused=NOT_A_MANAGER,
              unseen=NOT_MANAGED)
    return found


def list_users(actor: User) -> list[User]:
    """Everyone `actor` manages, for the Users page: a list of people's names and
    addresses, so it is audited (how many, not who)."""
    _require_manager(actor)
    found = list(users_managed_by(actor).order_by("organisation__name", "last_name",
                                                  "username"))
    audit.record("account:user:list", actor=actor, details={"users": len(found)})
    return found


def view_user(actor: User, username: str) -> User:
    """One person `actor` manages, for their page (audited); anyone else is NotFound."""
    _require_manager(actor)
    user = managed_user(actor, username)
    audit.record("account:user:view", actor=actor, subject=user)
    return user


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise AccessError("reason: Enter the reason, for the audit trail")
    if len(text) > REASON_MAX_CHARS:
        raise AccessError(f"reason: The reason must be {REASON_MAX_CHARS} characters or fewer")
    return text


@transaction.atomic
def grant_access(actor: User, *, username: str, org_code: str, role: str, reason: str,
                 first_name: str = "", last_name: str = "",
                 email: str | None = None) -> tuple[User, str]:
    """A management team (or the national team) admits a named person, for a stated
    reason (audited, as every other act on an account is); returns the user and their
    one-time password, to give them by a separate, safe route."""
    _require_manager(actor)
    why = _reason(reason)
    org = organisations_managed_by(actor).filter(code=org_code).first()
    if org is None or not grants_in(actor, org):
        raise AccessError("organisation: Select one of the organisations you give access in")
    misfit = role_misfit(role, org)
    if misfit is not None:
        raise AccessError(f"role: {misfit}")
    if role not in roles_grantable(actor, org):
        raise AccessError(f"role: You cannot give the role {Role(role).label} in {org.name}: "
                          "choose another role")
    user, password = add_user(username=username, org_code=org.code, role=role, email=email)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    _clean(user, exclude=["password"])
    user.save(update_fields=["first_name", "last_name"])
    audit.record("account:user:create", actor=actor, subject=user, reason=why,
                 details={"organisation": org.code, "role": role})
    return user, password


@transaction.atomic
def suspend_user(actor: User, username: str, *, reason: str) -> User:
    """Suspend at once: every session ends now, and API tokens are refused from now on."""
    _require_manager(actor)
    why = _reason(reason)
    user = managed_user(actor, username)
    if user.pk == actor.pk:
        raise AccessError("You cannot suspend your own account.")
    if user.suspended_at is None:
        user.suspended_at = timezone.now()
        user.save(update_fields=["suspended_at"])
    ended = end_sessions(user)
    audit.record("account:user:suspend", actor=actor, subject=user, reason=why,
                 details={"sessions_ended": ended})
    return user


@transaction.atomic
def reinstate_user(actor: User, username: str, *, reason: str) -> User:
    _require_manager(actor)
    why = _reason(reason)
    user = managed_user(actor, username)
    if user.suspended_at is not None:
        user.suspended_at = None
        user.save(update_fields=["suspended_at"])
    audit.record("account:user:reinstate", actor=actor, subject=user, reason=why)
    return user


@transaction.atomic
def reset_second_factor(actor: User, username: str, *, reason: str) -> User:
    """Remove someone's apps and security keys (lost phone, lost key): their sessions end
    and their next sign-in asks them to set up a new one."""
    _require_manager(actor)
    why = _reason(reason)
    user = managed_user(actor, username)
    if user.pk == actor.pk:
        raise AccessError("Ask another member of your team to reset your own second factor.")
    removed = second_factors.remove_all(user)
    ended = end_sessions(user)
    audit.record("account:second-factor:reset", actor=actor, subject=user, reason=why,
                 details={"removed": removed, "sessions_ended": ended})
    return user


@transaction.atomic
def register_organisation(actor: User, *, code: str, name: str, type: str) -> Organisation:
    """A management team adds an organisation in its authority; the national team adds
    national partners. An existing code is refused: nobody renames another's organisation."""
    facts = authorise(actor, Permission.ACCOUNTS_MANAGE, refused=NOT_A_MANAGER)
    if Organisation.objects.filter(code=code).exists():
        raise AccessError(f"code: An organisation with the code {code} already exists: "
                          "check the code")
    if facts.national:
        if type != OrganisationType.NATIONAL_PARTNER:
            raise AccessError("type: The national team adds national partners; a council's "
                              "management team adds organisations in its area")
        authority = None
    else:
        if type in (OrganisationType.LOCAL_AUTHORITY, OrganisationType.NATIONAL_PARTNER):
            raise AccessError("type: Choose the kind of organisation in your area")
        own = authority_of(actor.organisation)
        if own is None:
            raise AccessError("Your organisation belongs to no local authority.")
        authority = own.code
    org, _ = add_organisation(code=code, name=name, type=type, authority=authority)
    audit.record("account:organisation:create", actor=actor, subject=org,
                 details={"type": type, "authority": authority})
    return org


def organisation_types_for(actor: User) -> list[str]:
    if actor_of(actor).national:
        return [OrganisationType.NATIONAL_PARTNER]
    return [t for t in OrganisationType.values
            if t not in (OrganisationType.LOCAL_AUTHORITY, OrganisationType.NATIONAL_PARTNER)]
