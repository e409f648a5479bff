"""What the index holds about a child, as a subject access export gives it to a family.

Every field with the source that sent it and when; every service and every
practitioner-recorded involvement. Two rules decide what is left out, here alone:

- **Shielded**: the export must not lead the person the child is shielded from to the
  child. The address, carers' contact details, and the names, places and contact details
  of the organisations working with the child are replaced by what kind of body each
  is ("a school"), unless the management team approved naming that organisation.
- **Sensitive services** (sexual health, mental health, substance misuse) were sent with
  the young person's consent or under the harm exception: they are never in a family's
  copy, and an organisation that provides one to the child is named by its kind only.

Practitioners' names follow `CONTACTPOINT_SAR_PRACTITIONER_NAMES` (`role` by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contactpoint.access.visibility import SENSITIVE_SERVICES
from contactpoint.crypto.keystore import KeyStore
from contactpoint.identity.models import Child, Involvement
from contactpoint.identity.store import open_involvement
from contactpoint.subject_access.wording import KINDS, SERVICE_KINDS

WITHHELD = "Held, but not shown: the record is shielded"


@dataclass
class Rules:
    """What this export may name: decided once per export, used for every part of it."""

    shielded: bool
    names_shown: bool
    approved: frozenset[str] = frozenset()
    #: Organisations providing a sensitive service to this child: never named.
    confidential: set[str] = field(default_factory=set)

    def names_organisation(self, code: str | None) -> bool:
        if code is None or code in self.confidential:
            return False
        return not self.shielded or code in self.approved


def _source(provenance: dict[str, Any] | None) -> dict[str, Any]:
    provenance = provenance or {}
    return {"source": provenance.get("source"), "recorded_at": provenance.get("recorded_at")}


def _fields(record: dict[str, Any], rules: Rules) -> list[dict[str, Any]]:
    provenance = record.get("provenance") or {}
    name = record.get("name") or {}
    found = [{"field": "Name", "value": f"{name.get('given_names', '')} "
                                        f"{name.get('family_name', '')}".strip(),
              **_source(provenance.get("name"))}]
    for label, key in (("Preferred name", "preferred_name"), ("Date of birth", "date_of_birth"),
                       ("Gender", "gender")):
        if record.get(key):
            found.append({"field": label, "value": str(record[key]),
                          **_source(provenance.get(key) or provenance.get("name"))})
    for former in record.get("former_family_names") or []:
        found.append({"field": "Former family name", "value": former,
                      **_source(provenance.get("name"))})
    address = record.get("address")
    if address or record.get("address_status"):
        value = (WITHHELD if rules.shielded else
                 ", ".join([*(address or {}).get("lines", []), (address or {}).get("town") or "",
                            (address or {}).get("postcode") or ""]).strip(", "))
        found.append({"field": "Address", "value": value or "None known",
                      "status": record.get("address_status"),
                      **_source(provenance.get("address"))})
    for kind, numbers in (record.get("identifiers") or {}).items():
        for number in numbers:
            found.append({"field": {"nhs_number": "NHS number", "upn": "Unique pupil number"}
                          .get(kind, kind), "value": number,
                          **_source(((provenance.get("identifiers") or {}).get(kind) or {})
                                    .get(number))})
    return found


def _carer(carer: dict[str, Any], rules: Rules) -> dict[str, Any]:
    shown = {"name": f"{carer.get('given_names', '')} {carer.get('family_name', '')}".strip(),
             "relationship": carer.get("relationship"),
             "parental_responsibility": carer.get("parental_responsibility"),
             **_source(carer.get("provenance"))}
    for key in ("phone", "email"):
        shown[key] = WITHHELD if rules.shielded and carer.get(key) else carer.get(key)
    return shown


def _service(service: dict[str, Any], rules: Rules) -> dict[str, Any]:
    code = service.get("organisation_code")
    named = rules.names_organisation(code)
    return {
        "type": service.get("type"),
        "organisation": service.get("organisation") if named else None,
        "kind": SERVICE_KINDS.get(service.get("type") or "", "a service"),
        "practitioner": (service.get("practitioner") if rules.names_shown
                         else ("A named practitioner" if service.get("practitioner") else None)),
        "phone": service.get("phone") if named else None,
        "email": service.get("email") if named else None,
        "start_date": service.get("start_date"), "end_date": service.get("end_date"),
        "lead_professional": bool(service.get("lead_professional")),
        "caf": bool(service.get("caf")),
        **_source(service.get("provenance")),
    }


def _involvement(involvement: Involvement, details: dict[str, Any], rules: Rules
                 ) -> dict[str, Any]:
    org = involvement.organisation
    named = rules.names_organisation(org.code)
    return {
        "type": involvement.service_type,
        "organisation": org.name if named else None,
        "kind": KINDS.get(org.type, "an organisation"),
        "practitioner": (details.get("practitioner") if rules.names_shown
                         else "A practitioner" if details.get("practitioner") else None),
        "phone": details.get("phone") if named else None,
        "email": details.get("email") if named else None,
        "start_date": details.get("start_date"), "end_date": details.get("end_date"),
        "lead_professional": involvement.lead_professional, "caf": involvement.caf,
        "source": "recorded by a practitioner",
        "recorded_at": involvement.recorded_at.isoformat(),
    }


def confidential_organisations(record: dict[str, Any], involvements: list[Involvement]
                               ) -> set[str]:
    """Codes of the organisations that provide this child a sensitive service."""
    codes = {s.get("organisation_code") for s in record.get("services") or []
             if s.get("type") in SENSITIVE_SERVICES}
    codes |= {i.organisation.code for i in involvements if i.service_type in SENSITIVE_SERVICES}
    return {c for c in codes if c}


def current_involvements(child: Child) -> list[Involvement]:
    return list(Involvement.objects.filter(child=child, superseded_by__isnull=True)
                .select_related("organisation").order_by("recorded_at", "pk"))


def held(child: Child, record: dict[str, Any], keys: KeyStore, rules: Rules,
         involvements: list[Involvement]) -> dict[str, Any]:
    """The record's part of `sar.json`, from the child's opened record."""
    services = [s for s in record.get("services") or [] if s.get("type") not in SENSITIVE_SERVICES]
    return {
        "shielded": child.shielded,
        "fields": _fields(record, rules),
        "carers": [_carer(c, rules) for c in record.get("carers") or []],
        "services": [_service(s, rules) for s in services],
        "involvements": [_involvement(i, open_involvement(keys, child.contactpoint_id, i), rules)
                         for i in involvements if i.service_type not in SENSITIVE_SERVICES],
        "sources": [_source(s) | {"source_id": s.get("source_id")}
                    for s in record.get("sources") or []],
    }
