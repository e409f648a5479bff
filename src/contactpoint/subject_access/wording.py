"""How a subject access export names things for a parent: events, roles, kinds of body."""

from __future__ import annotations

#: What was done, in plain English, by the trail's event name.
EVENTS = {
    "child:search": "Searched the index; the results included this child",
    "child:record:view": "Opened this child's record",
    "child:shield:break_glass": "Broke the glass: saw this shielded record in full",
    "child:shield:set": "Shielded this child's record",
    "child:shield:lift": "Lifted the shield on this child's record",
    "child:shield:hold": "Held this child's record shielded while a match was checked",
    "child:shield:release": "Released a hold on this child's shield",
    "child:involvement:create": "Recorded their service's involvement with this child",
    "child:involvement:update": "Changed their service's involvement with this child",
    "child:involvement:replay": "Sent an involvement again",
    "child:sar:export": "Produced this copy of what is held (a subject access request)",
    "child:sar:request": "Started a subject access request for this child",
    "child:sar:download": "Downloaded this copy for the family",
    "matching:history:view": "Looked at how this child's records were matched",
    "matching:review:view": "Checked whether two records are the same child",
    "audit:trail:export": "Exported the audit trail's entries about this child",
}

ROLES = {
    "practitioner": "a practitioner",
    "management_team": "the local management team",
    "national_admin": "the national team",
    "auditor": "an auditor",
}

#: What kind of body an organisation is, by its type (access.models.OrganisationType).
KINDS = {
    "local_authority": "a local council",
    "school": "a school",
    "early_years": "an early years setting",
    "gp_practice": "a GP practice",
    "nhs_trust": "an NHS organisation",
    "social_care": "a children's social care team",
    "youth_offending": "a youth offending team",
    "police": "a police force",
    "voluntary": "a voluntary organisation",
    "national_partner": "a national partner",
    "other": "an organisation",
}

#: What kind of service a record's service entry is (identity.vocabulary.SERVICE_TYPES).
SERVICE_KINDS = {
    "school": "a school",
    "early_years": "an early years setting",
    "gp": "a GP practice",
    "health_visitor": "a health visiting service",
    "school_nurse": "a school nursing service",
    "social_care": "children's social care",
    "youth_offending": "a youth offending team",
    "voluntary": "a voluntary organisation",
    "police": "a police force",
    "other": "a service",
}

def event_text(event: str) -> str:
    if event in EVENTS:
        return EVENTS[event]
    if event.startswith("matching:decision:"):
        return "Decided whether records from different sources are this child"
    return event


def role_text(role: str | None) -> str:
    return ROLES.get(role or "", "the ContactPoint service itself" if role is None else role)


def reason_text(reason: str | None, detail: str | None) -> str:
    """A reason as the record's page words it (identity.records.REASONS), with its words."""
    from contactpoint.identity.records import REASONS  # noqa: PLC0415  (needs Django)

    if not reason:
        return ""
    said = REASONS.get(reason, reason).removesuffix(" (say why)")
    return f"{said}: {detail}" if detail else said
