"""Template filters for showing a record's values the GOV.UK way (dates as "2 April 2015").

Values reach the templates as the services return them (ISO dates, code words); these
turn them into words at the last moment, so the services stay free of presentation.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template

from contactpoint.web.child_forms import CONSENT_LABELS, GENDER_LABELS, SERVICE_LABELS

register = template.Library()

ADDRESS_STATUS_LABELS = {"current": "Current address", "last_known": "Last known address",
                         "none_known": "No address known", "left_england": "Left England"}
RELATIONSHIP_LABELS = {"mother": "Mother", "father": "Father"}


@register.filter
def govuk_date(value: object) -> str:
    """An ISO date or date-time (or a date) as GOV.UK writes dates: 2 April 2015."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = (datetime.fromisoformat(value).date() if "T" in value
                     else date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


@register.filter
def service_label(value: str | None) -> str:
    return SERVICE_LABELS.get(value or "", (value or "").replace("_", " ").capitalize())


@register.filter
def gender_label(value: str | None) -> str:
    return GENDER_LABELS.get(value or "", "Not known or not stated")


@register.filter
def consent_label(value: str | None) -> str:
    return CONSENT_LABELS.get(value or "", "")


@register.filter
def address_status_label(value: str | None) -> str:
    return ADDRESS_STATUS_LABELS.get(value or "", "")


@register.filter
def source_label(value: str | None) -> str:
    """A source system's name in words ("school_census" → "School census")."""
    if value == "practitioner":
        return "A practitioner, on ContactPoint"
    return (value or "").replace("_", " ").replace("-", " ").capitalize()


@register.filter
def words(value: str | None) -> str:
    """A code word in words ("parental_responsibility" → "Parental responsibility")."""
    return (value or "").replace("_", " ").capitalize()


@register.filter
def full_name(name: dict[str, str] | None) -> str:
    if not name:
        return ""
    return " ".join(p for p in (name.get("given_names"), name.get("family_name")) if p)
