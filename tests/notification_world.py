"""A world for access notifications and recent access, on tests/children_world.py's.

Leeds's people (a teacher, a GP, a social worker at SC:LEEDS, Leeds's management team,
the national team, an auditor), a youth offending worker (YOT:LEEDS), a social care team
whose involvement has ended (SC:OLD), and, in Wakefield, its management team and a
school. Two children, both with SC:LEEDS's social-care involvement open:

- Jo, in Leeds: youth offending (YOT:LEEDS) open too, SC:OLD ended in 2020, and a
  sensitive service (CAMHS at ODS:RX9, whose worker is "minds");
- Kai, who lived in Leeds and moved to Wakefield, where Wakefield's team shielded the
  record. SC:LEEDS's involvement is still open, so Leeds's social care team is told when
  a Wakefield school opens the record: it must not learn from that where Kai now lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from children_world import OTHER_LA, World, add_other_authority_team, make_world, ready_person
from contactpoint.access.models import Organisation
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.identity.records import set_shield
from contactpoint.loading.loader import ingest_file
from factories import feed_row, nhs_number, write_jsonl

TODAY = date(2026, 11, 22)
#: What a team Kai is shielded from must never read: where Kai is now, and who is there.
KAI_HIDDEN = ("Wakefield", "WF1", "URN:WAKE1", "Moorside", "wake.teacher", OTHER_LA)

SOCIAL_CARE = {"type": "social_care", "organisation": "Leeds Children's Social Work",
               "organisation_code": "SC:LEEDS", "phone": "0113 496 0300",
               "start_date": "2025-01-06"}


@dataclass
class Scene:
    world: World
    jo: str
    kai: str


def make_scene(tmp_path) -> Scene:  # type: ignore[no-untyped-def]
    world = make_world(tmp_path)
    for username, code, kind in (("yot", "YOT:LEEDS", "youth_offending"),
                                 ("oldsc", "SC:OLD", "social_care"),
                                 ("minds", "ODS:RX9", "nhs_trust")):
        world.users[username], world.devices[username] = ready_person(
            username, "practitioner", code, kind)
    add_other_authority_team(world, "wakefield.team")
    wakefield = Organisation.objects.get(code=OTHER_LA)
    PostcodeDistrict.objects.get_or_create(district="WF1", authority=wakefield)
    world.users["wake.teacher"], world.devices["wake.teacher"] = ready_person(
        "wake.teacher", "practitioner", "URN:WAKE1", "school", authority=OTHER_LA)
    Organisation.objects.filter(code="URN:WAKE1").update(name="Moorside Academy")

    before = set(Child.objects.values_list("pk", flat=True))
    ingest_file("social_care", write_jsonl(tmp_path / "jo.jsonl", [feed_row(
        source_id="JO1", given_names="Jo", family_name="Marsh", date_of_birth="2011-05-05",
        services=[SOCIAL_CARE,
                  {"type": "youth_offending", "organisation": "Leeds Youth Justice",
                   "organisation_code": "YOT:LEEDS", "phone": "0113 496 0400"},
                  {"type": "camhs", "organisation": "Leeds Minds",
                   "organisation_code": "ODS:RX9", "phone": "0113 496 0600",
                   "consent": "young_person"},
                  {"type": "social_care", "organisation": "An old team",
                   "organisation_code": "SC:OLD", "phone": "0113 496 0500",
                   "start_date": "2018-01-01", "end_date": "2020-01-01"}])]), today=TODAY)
    (jo,) = Child.objects.exclude(pk__in=before)
    before.add(jo.pk)
    nhs = nhs_number()
    ingest_file("social_care", write_jsonl(tmp_path / "kai-leeds.jsonl", [feed_row(
        source_id="KAI1", given_names="Kai", family_name="Brook", date_of_birth="2012-08-08",
        recorded_at="2026-01-10T09:00:00Z", identifiers={"nhs_number": nhs},
        services=[SOCIAL_CARE])]), today=TODAY)
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "kai-wakefield.jsonl", [feed_row(
        source_id="KAI-N", given_names="Kai", family_name="Brook", date_of_birth="2012-08-08",
        recorded_at="2026-06-01T09:00:00Z", identifiers={"nhs_number": nhs},
        address={"lines": ["4 Moor Road"], "town": "Wakefield", "postcode": "WF1 2AB"},
        services=[])]), today=TODAY)
    (kai,) = Child.objects.exclude(pk__in=before)
    assert kai.local_authority_id == wakefield.pk, "Kai's records did not join in Wakefield"
    set_shield(world.users["wakefield.team"], kai.contactpoint_id, shielded=True,
               reason="fled to a refuge", review_on=TODAY + timedelta(days=3650))
    return Scene(world, jo.contactpoint_id, kai.contactpoint_id)
