"""What a viewer may see of a child's record: the one place these rules live.

Every path that shows a record (the page, the API, an export, a search result, an error
message) passes the derived record through `visible_record` or `visible_match`, so the
rules below hold everywhere or nowhere:

- **Shielded** (DOMAIN.md): only name, gender, date of birth, the ContactPoint ID and
  one carer's name, plus "contact the management team" — unless the viewer is the
  child's own local management team (or a national admin), or breaks the glass (child-
  protection roles only; that one viewing).
- **Sensitive services** (CAMHS, sexual health, substance misuse): readers see that one
  is involved and that the management team can broker contact, never the provider;
  the providing organisation itself and the management team see it.
- **Identifiers issued by other bodies** (NHS number, UPN): shown only to users of the
  kind of body that issued them (NHS organisations; schools and local authorities).

Whether a viewer sees a child whole (`sees_everything`) is access/policy.py's rule of
who is the child's team. Which part of the audit trail a viewer monitors (the Activity
page) is decided here too, by `monitoring` and `monitors`, since it must keep the
shielding rules above.

Plain Python over dicts and small facts: no Django, so it is fast to test exhaustively.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from contactpoint.access.policy import (
    CHILD_PROTECTION_ORGANISATIONS,  # noqa: F401  (re-exported: who may break the glass)
    NATIONAL_PARTNER,
    Actor,
    childs_team,
)

SENSITIVE_SERVICES = frozenset({"camhs", "sexual_health", "substance_misuse"})
#: Which kinds of organisation issue (and so may see) each identifier.
IDENTIFIER_ISSUERS = {
    "nhs_number": frozenset({"gp_practice", "nhs_trust"}),
    "upn": frozenset({"school", "local_authority"}),
}
SHIELDED_NOTICE = ("This record is shielded. Contact the child's local management team, "
                   "who can pass on a message or broker contact.")
SENSITIVE_NOTICE = ("A sensitive service is involved. The local management team can "
                    "broker contact with it.")


#: The viewer is whoever acts, with the facts access/policy.py decides by.
Viewer = Actor


@dataclass(frozen=True)
class Broker:
    """The management team that brokers contact: a name and how to reach it, and nothing
    that says where the child lives."""

    name: str
    phone: str = ""
    email: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "phone": self.phone or None, "email": self.email or None}


NATIONAL_TEAM = Broker("the national ContactPoint team")


@dataclass(frozen=True)
class ChildFacts:
    contactpoint_id: str
    shielded: bool
    status: str
    #: The authority the child's address (or, without one, its sources) falls in.
    authority_id: int | None
    #: The team that brokers contact for the child's services (its local authority's).
    authority_broker: Broker | None = None
    #: While shielded: the organisation of the team that shielded it, and that team.
    shield_broker_id: int | None = None
    shield_broker: Broker | None = None
    #: The day the retention run archived the record (access.policy's lifecycle rule).
    archived_on: date | None = None


def broker(child: ChildFacts) -> Broker:
    """Who a reader is sent to for what they may not see.

    Behind a shield, the team that shielded the record (or the national team): never the
    authority worked out from the child's hidden address, which would say where a child
    fleeing violence now lives. Otherwise the child's local authority's team.
    """
    if child.shielded:
        return child.shield_broker or NATIONAL_TEAM
    return child.authority_broker or Broker("the local management team")


def sees_everything(viewer: Viewer, child: ChildFacts) -> bool:
    """The child's own management team (where the child lives, or the team brokering its
    shield), or a national admin: they broker contact. The policy's rule
    (`policy.childs_team`): who sees a child whole is who acts on it as its team."""
    return childs_team(viewer, child)


def sees_shielded(viewer: Viewer, child: ChildFacts, *, break_glass: bool) -> bool:
    return sees_everything(viewer, child) or (break_glass and viewer.may_break_glass)


def shielded_from(viewer: Viewer, child: ChildFacts) -> bool:
    """The viewer sees only the shielded view of this child (without breaking the glass)."""
    return child.shielded and not sees_everything(viewer, child)


def _provides(viewer: Viewer, organisation_code: str | None) -> bool:
    """The viewer works for the organisation that provides the service."""
    return viewer.organisation_code is not None and organisation_code == viewer.organisation_code


def _service(service: dict[str, Any], viewer: Viewer, child: ChildFacts) -> dict[str, Any]:
    if service.get("type") not in SENSITIVE_SERVICES:
        return service
    if _provides(viewer, service.get("organisation_code")) or sees_everything(viewer, child):
        return service
    # Whether it leads is shown (a lead that is there but unseen would be given away by a
    # refused claim of the lead anyway); who provides it is not.
    return {"type": "sensitive", "sensitive": True, "notice": SENSITIVE_NOTICE,
            "broker": broker(child).name, "broker_contact": broker(child).as_dict(),
            "lead_professional": bool(service.get("lead_professional")), "caf": False}


def may_name_provider(viewer: Viewer, child: ChildFacts, *, service_type: str,
                      organisation_code: str) -> bool:
    """May this viewer be told which organisation provides this service (in a refusal,
    say), by the rules the record follows? Its own organisation, the child's management
    team and national admins, yes; behind a shield, or for a sensitive service, no."""
    if _provides(viewer, organisation_code) or sees_everything(viewer, child):
        return True
    return not child.shielded and service_type not in SENSITIVE_SERVICES


def _identifiers(identifiers: dict[str, list[str]], viewer: Viewer) -> dict[str, list[str]]:
    return {kind: values for kind, values in identifiers.items()
            if viewer.organisation_type in IDENTIFIER_ISSUERS.get(kind, frozenset())}


def _provenance(provenance: dict[str, Any], shown: set[str]) -> dict[str, Any]:
    return {k: v for k, v in provenance.items() if k in shown and k != "identifiers"}


def visible_record(record: dict[str, Any], viewer: Viewer, child: ChildFacts, *,
                   break_glass: bool = False) -> dict[str, Any]:
    """The record as this viewer may see it (the derived record, identity/derive.py)."""
    base = {"contactpoint_id": child.contactpoint_id, "status": child.status,
            "shielded": child.shielded}
    if child.shielded and not sees_shielded(viewer, child, break_glass=break_glass):
        carers = record.get("carers") or []
        first = carers[0] if carers else None
        return {**base, "name": record["name"], "gender": record.get("gender"),
                "date_of_birth": record["date_of_birth"],
                "carer": ({"given_names": first.get("given_names"),
                           "family_name": first.get("family_name")} if first else None),
                "notice": SHIELDED_NOTICE,
                "contact": broker(child).name, "contact_details": broker(child).as_dict(),
                "break_glass_available": viewer.may_break_glass}
    identifiers = record.get("identifiers") or {}
    shown = {"name", "date_of_birth", "gender", "preferred_name", "address"}
    return {
        **base,
        "name": record["name"], "preferred_name": record.get("preferred_name"),
        "other_names": record.get("other_names") or [],
        "former_family_names": record.get("former_family_names") or [],
        "date_of_birth": record["date_of_birth"], "gender": record.get("gender"),
        "address": record.get("address"), "address_status": record.get("address_status"),
        "return_expected": record.get("return_expected"),
        "identifiers": (identifiers if sees_everything(viewer, child)
                        else _identifiers(identifiers, viewer)),
        "carers": [{k: v for k, v in c.items() if k != "provenance"}
                   | {"provenance": c.get("provenance")} for c in record.get("carers") or []],
        "services": [_service(s, viewer, child) for s in record.get("services") or []],
        "provenance": _provenance(record.get("provenance") or {}, shown),
        "break_glass": bool(child.shielded and break_glass
                            and not sees_everything(viewer, child)),
    }


def visible_match(record: dict[str, Any], child: ChildFacts) -> dict[str, Any]:
    """A search result: only what a shielded record shows anyway, so it is the same for all.

    DOMAIN.md: users are not shown a match score.
    """
    return {"contactpoint_id": child.contactpoint_id, "name": record["name"],
            "date_of_birth": record["date_of_birth"], "gender": record.get("gender"),
            "shielded": child.shielded}


@dataclass(frozen=True)
class Monitoring:
    """Whose use of the index a viewer may read in the audit trail (the Activity page).

    `everyone`: the whole trail. Otherwise the entries of one local authority: those
    written by users of its organisations, and those about the children it monitors
    (`monitors`). Nobody's, when `authority_id` is None too.
    """

    everyone: bool
    authority_id: int | None = None


def monitoring(viewer: Viewer) -> Monitoring:
    """DOMAIN.md: "Local management teams monitor their own users; a national team monitors
    everyone." Where the viewer works decides: a national partner's staff (the national
    team, the national auditors) read the whole trail; a council's (its management team,
    its own auditors) read their authority's. Whether the viewer may read the trail at
    all is their role's permission (`audit:read`), checked before this."""
    if viewer.national or viewer.organisation_type == NATIONAL_PARTNER:
        return Monitoring(everyone=True)
    return Monitoring(everyone=False, authority_id=viewer.authority_id)


def monitors(scope: Monitoring, child: ChildFacts) -> bool:
    """Are the entries about this child in the scope (whoever wrote them)?

    A council monitors its own children: where the child lives, or, behind a shield, only
    the child whose shield it brokers (`broker`). Narrower than `sees_everything`, which
    also shows a shielded child's record to the team of the authority its hidden address
    falls in when that team asks for it by ID: the trail must never *tell* a team,
    unasked, that a shielded child lives in its area by listing who looked at the child.
    """
    if scope.everyone:
        return True
    if scope.authority_id is None:
        return False
    if child.shielded:
        return child.shield_broker_id == scope.authority_id
    return child.authority_id == scope.authority_id
