"""Deriving a child's record from its source records, with provenance.

Survivorship rules (docs/architecture.md): for each single-valued field the value comes
from the most recent record that has it (by `recorded_at`), ties going to the more
trusted source (lower trust rank), then by source name and source id so the result
never depends on the order records were loaded in. Names and the address are taken
whole from one record, never stitched together from several. Lists (identifiers,
carers, services, former names) are the union over all records, de-duplicated, each
entry carrying the record it came from.

Pure Python: the same inputs always give the same record, so a child re-derived from
its stored source records is exactly the child derived at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from contactpoint.identity.normalise import display_case, fold


@dataclass(frozen=True)
class SourceView:
    """One live source record as derivation sees it."""

    source: str
    trust_rank: int
    source_id: str
    recorded_at: datetime
    record: dict[str, Any]

    @cached_property
    def provenance(self) -> dict[str, str]:
        return {"source": self.source, "source_id": self.source_id,
                "recorded_at": self.recorded_at.isoformat()}


def priority_order(views: Iterable[SourceView]) -> list[SourceView]:
    """Most recent first, then most trusted, then a stable tie-break."""
    return sorted(views, key=lambda v: (-v.recorded_at.timestamp(), v.trust_rank, v.source,
                                        v.source_id))


def _first(ordered: Sequence[SourceView], key: str) -> tuple[Any, SourceView | None]:
    for view in ordered:
        value = view.record.get(key)
        if value not in (None, "", [], {}):
            return value, view
    return None, None


def _name(given: str, family: str) -> dict[str, str]:
    return {"given_names": display_case(given), "family_name": display_case(family)}


def _whereabouts(ordered: Sequence[SourceView]) -> tuple[dict[str, Any], SourceView | None]:
    """The address and its status come whole from the most recent record that says either."""
    for view in ordered:
        rec = view.record
        status = rec.get("address_status")
        if rec.get("address") is None and status is None:
            continue
        if status is None:
            status = "current"
        return {"address": rec.get("address"), "address_status": status,
                "return_expected": rec.get("return_expected")}, view
    return {"address": None, "address_status": "none_known", "return_expected": None}, None


def _union(ordered: Sequence[SourceView], key: str,
           identity: Callable[[dict[str, Any]], Hashable]) -> list[dict[str, Any]]:
    seen: dict[Any, dict[str, Any]] = {}
    for view in ordered:
        for item in view.record.get(key) or []:
            ident = identity(item)
            if ident not in seen:
                seen[ident] = {**item, "provenance": view.provenance}
    return list(seen.values())


def _carer_identity(carer: dict[str, Any]) -> tuple[str, str, str]:
    return (fold(carer.get("given_names") or ""), fold(carer.get("family_name") or ""),
            carer.get("relationship") or "")


def _service_identity(service: dict[str, Any]) -> tuple[str, str]:
    org = service.get("organisation_code") or fold(service.get("organisation") or "")
    return service["type"], org


def derive(views: Iterable[SourceView],
           involvements: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The child's record from its live source records and practitioners' involvements."""
    ordered = priority_order(views)
    if not ordered:
        raise ValueError("a child needs at least one source record")
    top = ordered[0]
    record = top.record
    name = _name(record["given_names"], record["family_name"])
    other_names: list[dict[str, str]] = []
    seen_names = {(fold(name["given_names"]), fold(name["family_name"]))}
    for view in ordered[1:]:
        candidate = _name(view.record["given_names"], view.record["family_name"])
        key = (fold(candidate["given_names"]), fold(candidate["family_name"]))
        if key not in seen_names:
            seen_names.add(key)
            other_names.append(candidate)
    former: list[str] = []
    for view in ordered:
        for surname in view.record.get("former_family_names") or []:
            shown = display_case(surname)
            if fold(shown) not in {fold(f) for f in former}:
                former.append(shown)
    birth = top.record["date_of_birth"]
    other_births = sorted({v.record["date_of_birth"] for v in ordered} - {birth})
    preferred, preferred_from = _first(ordered, "preferred_name")
    gender, gender_from = _first(ordered, "gender")
    death, death_from = _first(ordered, "date_of_death")
    whereabouts, where_from = _whereabouts(ordered)
    # Each identifier value with the first (highest-priority) record that gave it.
    identifiers: dict[str, dict[str, dict[str, str]]] = {}
    for view in ordered:
        for kind, value in (view.record.get("identifiers") or {}).items():
            if value:
                identifiers.setdefault(kind, {}).setdefault(value, view.provenance)
    services = _union(ordered, "services", _service_identity)
    services.extend(dict(item) for item in involvements)
    provenance: dict[str, Any] = {
        "name": top.provenance, "date_of_birth": top.provenance,
        "identifiers": {k: dict(sorted(v.items())) for k, v in sorted(identifiers.items())},
    }
    for field, source in (("preferred_name", preferred_from), ("gender", gender_from),
                          ("address", where_from), ("date_of_death", death_from)):
        if source is not None:
            provenance[field] = source.provenance
    return {
        "name": name,
        "preferred_name": display_case(preferred) if preferred else None,
        "other_names": other_names,
        "former_family_names": former,
        "date_of_birth": birth,
        "other_dates_of_birth": other_births,
        "gender": gender or "unspecified",
        # Only when a source recorded a death: other records derive exactly as before.
        **({"date_of_death": death} if death else {}),
        **whereabouts,
        "identifiers": {k: sorted(v) for k, v in sorted(identifiers.items())},
        "carers": _union(ordered, "carers", _carer_identity),
        "services": services,
        "provenance": provenance,
        "sources": [v.provenance for v in ordered],
    }
