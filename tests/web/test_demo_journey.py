"""The newcomer's journey on the demo's own data (README, issue 4's "done means"):
`make run` prints the demo practitioner; they sign in, find a synthetic child with a
misspelt family name, open the record with a reason, and see who to call.

The demo's steps (installation/demo.py prepare_demo) on a smaller population, without
`init` (the test database is already built by the migrations).
"""

from __future__ import annotations

import orjson
from django.test import Client

from contactpoint.access.models import Organisation, OrganisationType
from contactpoint.access.visibility import SENSITIVE_SERVICES
from contactpoint.installation import demo
from contactpoint.installation.reference import load_reference
from contactpoint.loading.loader import ingest_file
from contactpoint.synth import generate
from databases import both_databases
from signing_in import totp_for

pytestmark = both_databases


def misspelt(name: str) -> str:
    """One letter doubled in the middle: a typo the search must forgive."""
    middle = len(name) // 2
    return name[:middle] + name[middle] + name[middle:]


def _phones(row) -> list[str]:  # type: ignore[no-untyped-def]
    """The phone numbers of the row's services that every practitioner may see."""
    return [s["phone"] for s in row.get("services") or []
            if s.get("phone") and s["type"] not in SENSITIVE_SERVICES]


def test_the_demo_practitioner_finds_a_child_by_a_misspelt_name_and_sees_who_to_call(
        tmp_path, keystore, monkeypatch):
    monkeypatch.setattr(demo, "_accounts_file", lambda: tmp_path / "demo-accounts.json")
    generate(60, demo.DEMO_SEED, tmp_path / "feeds")
    load_reference(tmp_path / "feeds" / "reference")
    for feed in sorted((tmp_path / "feeds").glob("*.jsonl")):
        ingest_file(feed.stem, feed)
    authority = (Organisation.objects.filter(type=OrganisationType.LOCAL_AUTHORITY)
                 .order_by("code").first())
    account = demo._accounts(authority)["demo-practitioner"]

    client = Client()
    client.post("/sign-in/", {"username": "demo-practitioner", "password": account["password"]})
    response = client.post("/sign-in/second-factor/",
                           {"code": totp_for(account["totp_key"]).now()})
    assert response["Location"] == "/children/search/"

    row = next(r for r in map(orjson.loads, (tmp_path / "feeds" / "school_census.jsonl")
                               .read_bytes().splitlines())
               if len(r["family_name"]) >= 5 and _phones(r))
    born = row["date_of_birth"].split("-")
    page = client.post("/children/search/", {
        "family_name": misspelt(row["family_name"]), "date_of_birth_year": born[0],
        "date_of_birth_month": born[1], "date_of_birth_day": born[2]}).page
    links = [a.get("href") for a in page.findall(".//table//a")]
    assert links, f"no child found for {misspelt(row['family_name'])!r}"

    response = client.post(links[0], {"reason": "education_welfare"})
    page = client.get(response["Location"]).page
    text = " ".join("".join(page.itertext()).split())
    assert "Services working with the child" in text
    assert any(phone in text for phone in _phones(row)), "no service's phone on the record"
