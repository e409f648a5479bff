"""A small world for the misuse rules: two authorities, people in several organisations,
children loaded through the real loader, and entries written to the trail at chosen
times (the rules read only the trail, so an entry written here reads as a real one)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contactpoint.access import services
from contactpoint.access.models import Organisation, User
from contactpoint.audit import hooks
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from contactpoint.oversight import own_details, runner
from contactpoint.oversight.models import Alert
from factories import feed_row, write_jsonl

LEEDS, WAKEFIELD = "E08000035", "E08000036"
LONDON = ZoneInfo("Europe/London")
#: A Tuesday, mid-morning.
TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=LONDON)
_numbers = itertools.count(1)


@contextlib.contextmanager
def at(when: datetime) -> Iterator[None]:
    """Entries written inside are written at `when`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        yield


def organisations() -> None:
    services.add_organisation(code=LEEDS, name="Leeds", type="local_authority")
    services.add_organisation(code=WAKEFIELD, name="Wakefield", type="local_authority")
    for code, kind, authority in (("URN:1", "school", LEEDS), ("URN:2", "school", LEEDS),
                                  ("URN:3", "school", LEEDS), ("URN:4", "school", LEEDS),
                                  ("URN:9", "school", WAKEFIELD), ("SC:1", "social_care", LEEDS),
                                  ("ODS:1", "gp_practice", LEEDS)):
        services.add_organisation(code=code, name=f"Org {code}", type=kind, authority=authority)
    PostcodeDistrict.objects.get_or_create(district="LS1",
                                           authority=Organisation.objects.get(code=LEEDS))
    PostcodeDistrict.objects.get_or_create(district="LS6",
                                           authority=Organisation.objects.get(code=LEEDS))
    PostcodeDistrict.objects.get_or_create(district="WF1",
                                           authority=Organisation.objects.get(code=WAKEFIELD))


def person(username: str, org: str = "URN:1", role: str = "practitioner", *,
           name: str | None = None, home: str | None = None) -> User:
    user, _ = services.add_user(username=username, org_code=org, role=role)
    own_details.set_own_details(user, own_details.check_own_details(name, home))
    return user


def children(tmp_path, rows: list[dict[str, Any]]) -> list[str]:  # type: ignore[no-untyped-def]
    """Load rows (feed_row overrides) and return their children's ContactPoint IDs, in order."""
    feed = write_jsonl(tmp_path / f"feed{next(_numbers)}.jsonl",
                       [feed_row(source_id=f"M{next(_numbers)}", **row) for row in rows])
    before = set(Child.objects.values_list("contactpoint_id", flat=True))
    ingest_file("school_census", feed, today=date(2026, 11, 16))
    found = Child.objects.exclude(contactpoint_id__in=before).order_by("pk")
    return list(found.values_list("contactpoint_id", flat=True))


def child(family: str, postcode: str, *, dob: str = "2014-03-09", given: str = "Amelia",
          carer_family: str | None = None) -> dict[str, Any]:
    return {"given_names": given, "family_name": family, "date_of_birth": dob,
            "address": {"lines": ["1 Road"], "town": "Town", "postcode": postcode},
            "carers": [{"given_names": "Sam", "family_name": carer_family or family,
                        "relationship": "mother", "parental_responsibility": True}]}


def view(user: User, cp_id: str, when: datetime, **details: Any) -> None:
    with at(when):
        hooks.record("child:record:view", actor=user, subject=cp_id, reason="assessment",
                     details={"break_glass": False, "shielded": False, "asked_for": cp_id,
                              **details})


def search(user: User, results: list[str], when: datetime, *, dob: str = "2014-03-09",
           too_many: bool = False) -> None:
    with at(when):
        hooks.record("child:search", actor=user,
                     personal={"criteria": {"family_name": "X", "date_of_birth": dob}},
                     details={"exact": False, "limit": 50, "too_many_matches": too_many,
                              "results": results})


def sign_in_failure(user: User | None, when: datetime, address: str = "ab12") -> None:
    with at(when):
        hooks.record("account:signin:failure", actor=user,
                     details={"step": "password", "from": address})


def alerts(rule: str | None = None) -> list[Alert]:
    """Run the rules now, and the alerts raised so far (of `rule`), oldest first."""
    runner.run()
    found = Alert.objects.order_by("pk")
    return list(found.filter(rule=rule) if rule else found)


def minutes(start: datetime, n: int, every: int = 1) -> list[datetime]:
    return [start + timedelta(minutes=i * every) for i in range(n)]
