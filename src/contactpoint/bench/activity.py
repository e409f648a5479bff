"""A synthetic month of practitioners' use, through the real API, with misusers planted.

`contactpoint synth-activity` makes practitioner accounts in the organisations of the
index the environment points at (a loaded demo index), each with a synthetic name and
home postcode, and plays their working days through the real API (search, then open a
record with a reason) on a simulated clock: every request runs through the real
authentication, permissions, services and audit hook at its simulated moment, so the
trail holds a month of entries written in minutes. A few users are planted misusers,
one per rule: one looks up a child at their own home address, one searches and opens
far more than anyone, one walks the dates of birth, one opens children across the
country, one works a night for the first time, one breaks the glass, and one account
has its password guessed. The plan is drawn from `--seed`; `--days` bounds the month.
What was planted is written to `--out` for `contactpoint bench-alerts`.

The clock is Django's `timezone.now`, replaced while the month plays: everything that
stamps a time (the audit entry, the token's use, the lockout) sees the simulated one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import orjson
from django.test import Client
from django.utils import timezone

from contactpoint.access import services
from contactpoint.access.models import Organisation, OrganisationType, User
from contactpoint.access.tokens import create_token
from contactpoint.crypto.keystore import get_keystore
from contactpoint.identity.models import Child, ChildStatus
from contactpoint.identity.store import open_child_record
from contactpoint.oversight import own_details

PREFIX = "synth."
#: Organisations whose practitioners use the index day to day.
WORKING = (OrganisationType.SCHOOL, OrganisationType.GP_PRACTICE, OrganisationType.SOCIAL_CARE,
           OrganisationType.EARLY_YEARS, OrganisationType.NHS_TRUST,
           OrganisationType.YOUTH_OFFENDING, OrganisationType.POLICE,
           OrganisationType.VOLUNTARY)
CHILD_PROTECTION = (OrganisationType.SOCIAL_CARE, OrganisationType.POLICE,
                    OrganisationType.YOUTH_OFFENDING)
PLANTED = ("own_family", "volume", "trawling", "out_of_area", "out_of_hours", "break_glass",
           "failed_sign_ins")


class NotReady(RuntimeError):
    """The index has too few children or organisations to play a month against."""


@dataclass(frozen=True)
class Kid:
    cp_id: str
    family: str
    dob: str
    postcode: str | None
    authority: int | None


@dataclass
class Person:
    username: str
    org: Organisation
    authority: int | None
    night: bool = False
    planted: str | None = None
    token: str = ""


@dataclass(order=True)
class Act:
    at: datetime
    order: int
    who: str = field(compare=False)
    kind: str = field(compare=False)  # search, view, glass, fail
    kid: Kid | None = field(compare=False, default=None)
    dob: str | None = field(compare=False, default=None)


@contextmanager
def simulated(now: Callable[[], datetime]) -> Iterator[None]:
    real = timezone.now
    timezone.now = now
    try:
        yield
    finally:
        timezone.now = real


def _kids(limit: int) -> list[Kid]:
    keys = get_keystore()
    found = []
    for child in (Child.objects.filter(status=ChildStatus.ACTIVE, shielded=False)
                  .order_by("pk")[:limit]):
        record = open_child_record(keys, child) or {}
        address = record.get("address") or {}
        found.append(Kid(child.contactpoint_id, (record.get("name") or {}).get("family_name") or "",
                         record.get("date_of_birth") or "", address.get("postcode"),
                         child.local_authority_id))
    return [k for k in found if k.family and k.dob]


def _home(rng: random.Random, kids: list[Kid]) -> str:
    """A home postcode in a district the index knows, at an address none of its children
    have (the unit 9ZZ is kept for nobody)."""
    district = (rng.choice([k for k in kids if k.postcode]).postcode or "LS1 1AA").split()[0]
    return f"{district} 9ZZ"


def _people(rng: random.Random, count: int, kids: list[Kid]) -> list[Person]:
    orgs = list(Organisation.objects.filter(type__in=WORKING, accredited=True,
                                            authority__isnull=False))
    if not orgs:
        raise NotReady("no practitioners' organisations in the index: load its reference "
                       "data first (contactpoint demo, or reference load)")
    people = []
    for n in range(count):
        org = rng.choice(orgs)
        username = f"{PREFIX}{n:05d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = services.add_user(username=username, org_code=org.code,
                                        role="practitioner", by="synth-activity")
        given = rng.choice(["Sam", "Alex", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee"])
        family = rng.choice(kids).family.split()[-1]
        own_details.set_own_details(user, own_details.check_own_names(
            given, family, _home(rng, kids)))
        night = org.type == OrganisationType.SOCIAL_CARE and rng.random() < 0.2
        people.append(Person(username, user.organisation or org,
                             user.organisation.authority_id if user.organisation else None,
                             night=night))
    return people


def _working_moments(rng: random.Random, day: date, person: Person, n: int) -> list[datetime]:
    if person.night:
        start, hours = time(19), 7.0
    else:
        start, hours = time(8, 30), 8.5
    base = timezone.make_aware(datetime.combine(day, start))
    return sorted(base + timedelta(seconds=rng.uniform(0, hours * 3600)) for _ in range(n))


def plan(rng: random.Random, people: list[Person], kids: list[Kid], start: date,
         days: int) -> list[Act]:
    """Every user's ordinary working days, then the misusers' acts."""
    acts: list[Act] = []
    by_authority: dict[int | None, list[Kid]] = {}
    for kid in kids:
        by_authority.setdefault(kid.authority, []).append(kid)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for person in people:
            if day.weekday() >= 5 and not person.night:
                continue
            own = by_authority.get(person.authority) or kids
            for at in _working_moments(rng, day, person, rng.choice([0, 1, 2, 2, 3, 4, 5])):
                kid = rng.choice(own if rng.random() < 0.95 else kids)
                acts.append(Act(at, len(acts), person.username, "search", kid))
                if rng.random() < 0.85:
                    acts.append(Act(at + timedelta(seconds=40), len(acts), person.username,
                                    "view", kid))
    # The misusers act late in the month (a weekday), after a habit has formed.
    day = start + timedelta(days=max(days - 5, 0))
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return acts + _misuse(rng, people, kids, day=day, by_authority=by_authority)


def _misuse(rng: random.Random, people: list[Person], kids: list[Kid], *, day: date,
            by_authority: dict[int | None, list[Kid]]) -> list[Act]:
    acts: list[Act] = []
    ordinary = [p for p in people if not p.night]
    chosen = rng.sample(ordinary, len(PLANTED) - 1)
    glass = [p for p in people if p.org.type in CHILD_PROTECTION and p not in chosen]
    if not glass:
        raise NotReady("no child-protection practitioner to plant a break glass: more --users")
    planted = dict(zip(PLANTED, [*chosen[:4], chosen[4], rng.choice(glass), chosen[5]],
                       strict=True))

    def at(hour: float, minutes: float = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time())) + timedelta(
            hours=hour, minutes=minutes)

    for rule, person in planted.items():
        person.planted = rule
        who = person.username
        if rule == "own_family":  # their own family's child: their details say so
            kid = rng.choice([k for k in kids if k.postcode])
            user = User.objects.get(username=who)
            own_details.set_own_details(user, own_details.check_own_names(
                "Sam", kid.family.split()[-1], kid.postcode))
            acts.append(Act(at(12, 30), 0, who, "view", kid))
        elif rule == "volume":
            for i in range(90):
                kid = rng.choice(kids)
                acts += [Act(at(10, i), 0, who, "search", kid),
                         Act(at(10, i + 0.5), 0, who, "view", kid)]
        elif rule == "trawling":
            first = date(2014, 1, 1) + timedelta(days=rng.randrange(2000))
            acts += [Act(at(14, i), 0, who, "search", rng.choice(kids),
                         dob=(first + timedelta(days=i)).isoformat()) for i in range(40)]
        elif rule == "out_of_area":
            away = [k for k in kids if k.authority not in (None, person.authority)]
            acts += [Act(at(11, 5 * i), 0, who, "view", kid)
                     for i, kid in enumerate(rng.sample(away, min(6, len(away))))]
        elif rule == "out_of_hours":
            own = by_authority.get(person.authority) or kids
            acts += [Act(at(23, 4 * i), 0, who, "view", rng.choice(own)) for i in range(8)]
        elif rule == "break_glass":
            acts.append(Act(at(15), 0, who, "glass",
                            rng.choice([k for k in kids if k.authority is not None])))
        else:
            acts += [Act(at(9, i), 0, who, "fail") for i in range(15)]
    return acts


@dataclass
class Played:
    requests: int = 0
    answers: dict[int, int] = field(default_factory=dict)


def _play(acts: list[Act], people: dict[str, Person], progress: Callable[[int, int], None]
          ) -> Played:
    client = Client(SERVER_NAME="localhost")
    played = Played()
    for i, act in enumerate(sorted(acts)):
        person = people[act.who]
        with simulated(lambda act=act: act.at):  # type: ignore[misc]
            status = _request(client, act, person)
        played.requests += 1
        played.answers[status] = played.answers.get(status, 0) + 1
        if i % 200 == 0:
            progress(i, len(acts))
    progress(len(acts), len(acts))
    return played


def _request(client: Client, act: Act, person: Person) -> int:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {person.token}"}
    kid = act.kid
    if act.kind == "fail":
        return client.post("/sign-in/", {"username": person.username,
                                         "password": "not-their-password"}).status_code
    if kid is None:
        raise ValueError(f"a {act.kind} names no child")
    if act.kind == "search":
        query = {"family_name": kid.family, "date_of_birth": act.dob or kid.dob}
        return client.get("/api/v1/children", query, **auth).status_code  # type: ignore[arg-type]
    if act.kind == "glass":
        _shield(kid)
        return client.get(f"/api/v1/children/{kid.cp_id}",
                          {"reason": "child_protection", "break_glass": "true"},
                          **auth).status_code  # type: ignore[arg-type]
    return client.get(f"/api/v1/children/{kid.cp_id}", {"reason": "assessment"},
                      **auth).status_code  # type: ignore[arg-type]


def _shield(kid: Kid) -> None:
    """The child's record shielded by its authority's team, as a team would (the service
    and its audit entry), so the planted break glass has a shield to break."""
    from contactpoint.identity.records import set_shield  # noqa: PLC0415

    if kid.authority is None:
        raise ValueError("a shield is set by the child's own authority's team")
    authority = Organisation.objects.get(pk=kid.authority)
    team = User.objects.filter(username=f"{PREFIX}team.{authority.code}").first()
    if team is None:
        team, _ = services.add_user(username=f"{PREFIX}team.{authority.code}",
                                    org_code=authority.code, role="management_team",
                                    by="synth-activity")
    set_shield(team, kid.cp_id, shielded=True, reason="synthetic: fleeing violence",
               review_on=timezone.localdate() + timedelta(days=180))


def synth_activity(*, users: int, days: int, seed: int, out: Path,
                   progress: Callable[[int, int], None]) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311  (a reproducible synthetic month, no secret)
    kids = _kids(limit=20_000)
    if len(kids) < 50:
        raise NotReady(f"the index holds {len(kids)} children: load a population first "
                       "(contactpoint demo --no-serve)")
    today = timezone.localdate()
    start = today - timedelta(days=days + 1)
    people = _people(rng, users, kids)
    acts = plan(rng, people, kids, start, days)
    for person in people:
        with simulated(lambda: timezone.make_aware(datetime.combine(start, time(7)))):
            person.token = create_token(user=person.username, by="synth-activity",
                                        reason="synthetic activity", name="synth-activity")
    played = _play(acts, {p.username: p for p in people}, progress)
    summary = {"users": [p.username for p in people], "days": days, "seed": seed,
               "start": start.isoformat(), "requests": played.requests,
               "answers": {str(k): v for k, v in sorted(played.answers.items())},
               "planted": {p.username: p.planted for p in people if p.planted}}
    out.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    return summary
