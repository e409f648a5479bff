"""Template filters for showing a record's values the GOV.UK way (dates as "2 April 2015").

Values reach the templates as the services return them (ISO dates, code words); these
turn them into words at the last moment, so the services stay free of presentation.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from contactpoint.loading.sources import code_in_words, display_name
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
        text = value
        try:
            value = (datetime.fromisoformat(text).date() if "T" in text
                     else date.fromisoformat(text))
        except ValueError:
            return text
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
    """A source system's name as people read it (loading.sources.display_name)."""
    return display_name(value)


@register.filter
def govuk_time(value: datetime | None) -> str:
    """A time as GOV.UK writes it: 11:48am, 3pm, midday, midnight (local time)."""
    if not isinstance(value, datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


@register.filter
def govuk_datetime(value: datetime | None) -> str:
    """A moment as GOV.UK writes it: 9 March 2014, 11:48am (local time)."""
    if not isinstance(value, datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{govuk_date(value)}, {govuk_time(value)}"


@register.filter
def words(value: str | None) -> str:
    """A code word in words ("parental_responsibility" → "Parental responsibility",
    "nhs_number" → "NHS number")."""
    return code_in_words(value)


@register.filter
def full_name(name: dict[str, str] | None) -> str:
    if not name:
        return ""
    return " ".join(p for p in (name.get("given_names"), name.get("family_name")) if p)
