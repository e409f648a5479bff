"""A small world for the child pages: people in several kinds of organisation, one child.

Made through the real services and the real loader (synthetic data only): Leeds, a
school, a GP practice, children's social care, Leeds's management team, the national
team and an auditor, and Amara Okafor, at Park Primary School, with CAMHS (a sensitive
service) involved. `queue_a_pair` adds a pair waiting in the match review queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from contactpoint.access import services
from contactpoint.access.models import Organisation, User
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import ReviewItem
from factories import feed_row, nhs_number, write_jsonl
from signing_in import STRONG_PASSWORD, verified_client

LA = "E08000035"
#: Who is in the world: username → (role, organisation code, organisation type).
PEOPLE = {
    "teacher": ("practitioner", "URN:107654", "school"),
    "gp": ("practitioner", "ODS:B86001", "gp_practice"),
    "social": ("practitioner", "SC:LEEDS", "social_care"),
    "team": ("management_team", LA, "local_authority"),
    "national": ("national_admin", "NP:1", "national_partner"),
    "auditor": ("auditor", LA, "local_authority"),
}


def ready_person(username: str, role: str, org_code: str, org_type: str, *,
                 authority: str = LA) -> tuple[User, TOTPDevice]:
    """A user in an organisation of `org_type` (in `authority`, unless it is an authority or
    a national partner), with their own password and an app set up."""
    services.add_organisation(code=LA, name="Leeds City Council", type="local_authority")
    if org_code != LA:
        services.add_organisation(
            code=org_code, name=f"Org {org_code}", type=org_type,
            authority=None if org_type in ("national_partner", "local_authority") else authority)
    user, _ = services.add_user(username=username, org_code=org_code, role=role)
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


def amara(**overrides):  # type: ignore[no-untyped-def]
    return feed_row(**{
        "source_id": "S1", "given_names": "Amara", "family_name": "Okafor",
        "date_of_birth": "2015-04-02", "identifiers": {"nhs_number": nhs_number()},
        "carers": [{"given_names": "Ngozi", "family_name": "Okafor", "relationship": "mother",
                    "parental_responsibility": True, "phone": "0113 496 0100"}],
        "services": [{"type": "school", "organisation": "Park Primary School",
                      "organisation_code": "URN:107654", "phone": "0113 496 0001",
                      "start_date": "2019-09-01"},
                     {"type": "camhs", "organisation": "Leeds CAMHS",
                      "organisation_code": "ODS:RX1", "phone": "0113 496 0002",
                      "consent": "young_person"}],
        **overrides})


@dataclass
class World:
    child: str
    users: dict[str, User] = field(default_factory=dict)
    devices: dict[str, TOTPDevice] = field(default_factory=dict)

    def client(self, who: str) -> Client:
        """A client signed in as `who` with both factors."""
        return verified_client(self.users[who], self.devices[who])


def make_world(tmp_path) -> World:  # type: ignore[no-untyped-def]
    users, devices = {}, {}
    for username, (role, code, kind) in PEOPLE.items():
        users[username], devices[username] = ready_person(username, role, code, kind)
    PostcodeDistrict.objects.get_or_create(district="LS1",
                                           authority=Organisation.objects.get(code=LA))
    ingest_file("school_census", write_jsonl(tmp_path / "s.jsonl", [amara()]),
                today=date(2026, 11, 22))
    return World(Child.objects.get().contactpoint_id, users, devices)


def queue_a_pair(tmp_path) -> ReviewItem:  # type: ignore[no-untyped-def]
    """Two records from one source with one NHS number: a duplicate in the source, which
    the matcher sends to a person (docs/matching.md). Needs the world's authority."""
    nhs = nhs_number()
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})]), today=date(2026, 11, 22))
    return ReviewItem.objects.get()


OTHER_LA = "E08000036"


def add_other_authority_team(world: World, username: str = "wakefield.team") -> Client:
    """A management team member of another authority (Wakefield), signed in."""
    services.add_organisation(code=OTHER_LA, name="Wakefield Council", type="local_authority")
    user, _ = services.add_user(username=username, org_code=OTHER_LA, role="management_team")
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    world.users[username] = user
    world.devices[username] = TOTPDevice.objects.create(user=user, name="Authenticator app",
                                                        confirmed=True)
    return world.client(username)
