"""The operator's settings for each source system: its trust rank and its authority.

Survivorship (identity/derive.py) takes the most recent value, then the more trusted
source (lower rank); a child without a known address belongs to the authority of its
most recent source that has one. Changing either re-derives every child holding a record
from that source, in batches (each its own transaction, so a long run can be stopped and
run again), so the index never shows a mix of old and new rules for long.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from contactpoint.access.models import Organisation, OrganisationType, SourceSystem
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import get_keystore
from contactpoint.errors import BadRequest, NotFound
from contactpoint.identity.models import SourceRecord
from contactpoint.identity.store import ChildDeriver, lock_index

BATCH = 1000

#: What people call each source system. Feeds are registered by a short machine name
#: (`ingest --source school_census`); pages show these instead. Any other source is put
#: in words by `display_name`.
SOURCE_DISPLAY_NAMES = {
    "school_census": "School census",
    "nhs_demographics": "NHS demographics (PDS)",
    "child_benefit": "Child Benefit (DWP)",
    "birth_registrations": "Birth registrations (ONS)",
    "social_care": "Children's social care",
    "early_years": "Early years",
    "youth_offending": "Youth offending",
    "practitioner": "A practitioner, on ContactPoint",
}
#: Words kept in capitals when a source's name is put in words ("leeds_csc" → "Leeds CSC").
_ACRONYMS = frozenset({"nhs", "pds", "dwp", "ons", "gp", "csc", "upn", "camhs", "la", "ods",
                       "urn", "yot", "sen", "send"})


def display_name(name: str | None) -> str:
    """A source system's name as people read it: "nhs_demographics" → "NHS demographics
    (PDS)"; an unlisted one in words, acronyms in capitals."""
    if not name:
        return ""
    return SOURCE_DISPLAY_NAMES.get(name) or code_in_words(name)


def code_in_words(code: str | None) -> str:
    """A code word in words: "leeds_csc" → "Leeds CSC", "nhs_number" → "NHS number"."""
    words = [w.upper() if w.lower() in _ACRONYMS else w
             for w in (code or "").replace("-", " ").replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def set_source(name: str, *, trust_rank: int | None = None, authority: str | None = None,
               progress: Callable[[int], None] | None = None,
               by: str | None = None) -> tuple[SourceSystem, int]:
    """Set a source's trust rank and/or authority; re-derive its children. (source, count).

    `by` is the operator making the change: it changes what every child holding a record
    from the source shows, so it is audited before any child is re-derived."""
    try:
        source = SourceSystem.objects.get(name=name)
    except SourceSystem.DoesNotExist:
        raise NotFound(f"no source system {name!r} (it is registered by its first load)") from None
    if trust_rank is not None and not 0 <= trust_rank <= 1000:
        raise BadRequest("the trust rank is 0 (most trusted) to 1000")
    if authority is not None:
        try:
            source.authority = Organisation.objects.get(
                code=authority, type=OrganisationType.LOCAL_AUTHORITY)
        except Organisation.DoesNotExist:
            raise NotFound(f"no local authority with code {authority!r}") from None
    if trust_rank is not None:
        source.trust_rank = trust_rank
    with transaction.atomic():
        source.save(update_fields=["trust_rank", "authority"])
        audit.record("source:settings:update",
                     actor=audit.operator(by) if by is not None else None, subject=source.name,
                     details={"trust_rank": source.trust_rank,
                              "authority": source.authority.code if source.authority else None})
    children = sorted(set(SourceRecord.objects.filter(source=source, deleted=False,
                                                      child__isnull=False)
                          .values_list("child", flat=True)))
    deriver = ChildDeriver(get_keystore())
    for start in range(0, len(children), BATCH):
        with transaction.atomic():
            lock_index()
            deriver.rederive(children[start:start + BATCH])
        if progress:
            progress(min(start + BATCH, len(children)))
    return source, len(children)
