"""Organisations, users and API clients for tests, made through the real services."""

from __future__ import annotations

import itertools

from contactpoint.access import services, tokens
from contactpoint.access.models import ApiClient, OrganisationType, User

_counter = itertools.count(1)
AUTHORITY = "E08000035"


def make_user(role: str = "practitioner", *, username: str | None = None) -> User:
    """A user of `role` in a school (a national partner, for national admins; the authority,
    for its management team and auditors: access.services.ROLE_ORGANISATION_TYPES)."""
    authority, _ = services.add_organisation(code=AUTHORITY, name="Leeds",
                                             type=OrganisationType.LOCAL_AUTHORITY)
    school, _ = services.add_organisation(code="URN:107654", name="Park Primary School",
                                          type=OrganisationType.SCHOOL, authority=AUTHORITY)
    if role == "national_admin":
        org, _ = services.add_organisation(code="NP:1", name="National team",
                                           type=OrganisationType.NATIONAL_PARTNER)
    else:
        org = authority if role in ("management_team", "auditor") else school
    user, _ = services.add_user(username=username or f"user{next(_counter)}",
                                org_code=org.code, role=role)
    return user


def make_client(name: str = "school-census-feed", source: str = "school_census") -> ApiClient:
    client, _ = tokens.add_client(name=name, source=source)
    return client


def bearer(token: str) -> dict[str, str]:
    """The header a caller sends its API token in."""
    return {"Authorization": f"Bearer {token}"}


def raise_alert(user: User, *, rule: str = "break_glass", evidence: list[int] | None = None):  # type: ignore[no-untyped-def]
    """A misuse alert about `user`, as the rules raise one (oversight.runner)."""
    from django.utils import timezone  # noqa: PLC0415

    from contactpoint.access.services import authority_of  # noqa: PLC0415
    from contactpoint.oversight.models import Alert  # noqa: PLC0415

    return Alert.objects.create(
        rule=rule, key=f"{rule}:test:{user.username}:{next(_counter)}", user=user,
        username=user.username, organisation=user.organisation.code if user.organisation
        else None, authority=authority_of(user.organisation), raised_at=timezone.now(),
        summary="Broke the glass to see a shielded child's record", evidence=evidence or [])
