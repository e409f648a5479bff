"""Which services are told when a record is opened, and which openings tell nobody.

DOMAIN.md (from CP-IS): when a child with a child-protection plan is looked up, the
responsible local authority is told who looked, from which organisation, and when;
scheduled care can read silently. The index holds no child-protection flag (no feed
sends one: identity/vocabulary.py), so the services that stand for it are the record's
open social-care and youth-offending involvements, from feeds or recorded by
practitioners: their organisations are told. Organisations whose routine work reads
records are made silent by type (`CONTACTPOINT_SILENT_ORGANISATION_TYPES`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from contactpoint.access.visibility import SENSITIVE_SERVICES
from contactpoint.access.vocabulary import ORGANISATION_TYPES

#: The services told when someone outside them opens the record.
TOLD_SERVICES = frozenset({"social_care", "youth_offending"})
#: One person opening one record again within this time (each showing of the page is
#: audited, and a refresh is one) tells a team once. Breaking the glass always tells it.
REPEAT_AFTER = timedelta(minutes=30)


def silent_types() -> frozenset[str]:
    """The organisation types whose openings tell nobody (the setting, checked)."""
    configured = settings.CONTACTPOINT.silent_organisation_types
    unknown = sorted(set(configured) - set(ORGANISATION_TYPES))
    if unknown:
        raise ImproperlyConfigured(
            "CONTACTPOINT_SILENT_ORGANISATION_TYPES names organisation types that do not "
            f"exist: {', '.join(unknown)} (they are: {', '.join(ORGANISATION_TYPES)})")
    return frozenset(configured)


def services_told(record: dict[str, Any], today: date) -> dict[str, str]:
    """The organisations to tell of an opening, by code, with the service each provides:
    the record's social-care and youth-offending services that have not ended."""
    told: dict[str, str] = {}
    for service in record.get("services") or []:
        kind, code = service.get("type"), service.get("organisation_code")
        if kind not in TOLD_SERVICES or not code:
            continue
        if service.get("end_date") and str(service["end_date"]) < today.isoformat():
            continue
        told.setdefault(str(code), str(kind))
    return told


def provides_sensitive(record: dict[str, Any], organisation_code: str) -> bool:
    """Does this organisation provide a sensitive service (CAMHS, sexual health, substance
    misuse) to the child? Then saying it looked would say who the provider is."""
    return any(service.get("type") in SENSITIVE_SERVICES
               and service.get("organisation_code") == organisation_code
               for service in record.get("services") or [])
