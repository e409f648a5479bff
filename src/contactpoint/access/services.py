"""Managing organisations and users. Each function owns its transaction."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from contactpoint.access.models import Organisation, OrganisationType, Role, User


class AccessError(ValueError):
    """A request to change organisations or users that breaks a rule; the message says which."""


def _authority(code: str | None) -> Organisation | None:
    if not code:
        return None
    try:
        return Organisation.objects.get(code=code, type=OrganisationType.LOCAL_AUTHORITY)
    except Organisation.DoesNotExist:
        raise AccessError(f"no local authority with code {code!r}: add it first") from None


def _clean(instance, exclude: list[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Model validation, its messages as one AccessError naming each field."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise AccessError("; ".join(f"{k}: {' '.join(v)}" for k, v in
                                    exc.message_dict.items())) from None


@transaction.atomic
def add_organisation(*, code: str, name: str, type: str,
                     authority: str | None = None) -> tuple[Organisation, bool]:
    if type not in OrganisationType.values:
        raise AccessError(f"unknown organisation type {type!r}")
    parent = _authority(authority)
    if type == OrganisationType.LOCAL_AUTHORITY and parent is not None:
        raise AccessError("a local authority does not belong to another authority")
    org = Organisation.objects.filter(code=code).first() or Organisation(code=code)
    created = org.pk is None
    org.name, org.type, org.authority = name.strip(), type, parent
    _clean(org)
    org.save()
    return org, created


@transaction.atomic
def add_user(*, username: str, org_code: str, role: str,
             email: str | None = None) -> tuple[User, str]:
    """Create a named user with a one-time password (changed at first sign-in)."""
    if role not in Role.values:
        raise AccessError(f"unknown role {role!r}")
    try:
        org = Organisation.objects.get(code=org_code)
    except Organisation.DoesNotExist:
        raise AccessError(f"no organisation with code {org_code!r}") from None
    if User.objects.filter(username=username).exists():
        raise AccessError(f"user {username!r} already exists")
    if role == Role.NATIONAL_ADMIN and org.type != OrganisationType.NATIONAL_PARTNER:
        raise AccessError("national admins belong to a national partner organisation")
    user = User(username=username, organisation=org, role=role, email=email or "")
    _clean(user, exclude=["password"])
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save()
    return user, password
