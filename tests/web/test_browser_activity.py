"""The Activity page in a real browser (Playwright driving Debian's Chromium): a national
auditor signs in with a password and an authenticator code, opens Activity, filters by
a child's ContactPoint ID typed with spaces, and reads who looked at the child and why.

The browser reports any script the Content Security Policy blocked: the test fails on one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from children_world import World, make_world, ready_person
from contactpoint.crypto.keystore import get_keystore, reset_keystore
from contactpoint.identity.identifiers import format_contactpoint_id
from databases import ALL_DATABASES
from signing_in import sign_in_browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=ALL_DATABASES),
    pytest.mark.usefixtures("system_keys_back"),
]


@pytest.fixture
def world_here(tmp_path, keystore) -> World:
    """The world and a national auditor, with the system keys put back: the previous
    live-server test's end emptied every table, the key store's too."""
    reset_keystore()
    get_keystore().ensure_system_keys()
    world = make_world(tmp_path)
    world.users["national.auditor"], world.devices["national.auditor"] = ready_person(
        "national.auditor", "auditor", "NP:1", "national_partner")
    return world


def test_an_auditor_filters_the_activity_by_child_and_reads_who_looked_and_why(
        live_server, chromium, world_here):
    # A teacher finds the child and opens the record, through the pages.
    teacher = world_here.client("teacher")
    teacher.post("/children/search/", {"family_name": "Okafor", "date_of_birth_day": "2",
                                       "date_of_birth_month": "4",
                                       "date_of_birth_year": "2015"})
    teacher.post(f"/children/{world_here.child}/", {"reason": "assessment"})
    assert teacher.get(f"/children/{world_here.child}/").status_code == 200

    page = chromium.new_context().new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    user, device = world_here.users["national.auditor"], world_here.devices["national.auditor"]
    sign_in_browser(page, live_server.url, user, device)

    menu = page.get_by_role("navigation", name="Menu")
    assert menu.get_by_role("link", name="Find a child").count() == 0  # an auditor finds none
    menu.get_by_role("link", name="Activity").click()
    assert page.locator("h1").inner_text() == "Activity"

    # A mistyped ID is told beside its box, and nothing is listed.
    page.get_by_label("ContactPoint ID", exact=True).fill("123 45")
    page.get_by_role("button", name="Show entries").click()
    # Each answer is the Activity page again, under the same heading: wait for the new
    # page by its title and address, which only the answer has.
    expect(page).to_have_title(re.compile(r"^Error: Activity"))
    assert "Enter a ContactPoint ID of 10 digits" in page.locator(
        ".govuk-error-summary").inner_text()
    assert page.locator("#activity-entries").count() == 0

    page.get_by_label("ContactPoint ID", exact=True).fill(
        format_contactpoint_id(world_here.child))
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_url(re.compile(rf"child={world_here.child[:3]}\+"))
    expect(page).to_have_title(re.compile(r"^Activity"))
    rows = page.locator("#activity-entries tbody tr")
    texts = [" ".join(rows.nth(i).inner_text().split()) for i in range(rows.count())]
    viewed = [t for t in texts if "Opened a child's record" in t]
    searched = [t for t in texts if "Searched for a child" in t]
    assert len(viewed) == 1
    assert "teacher" in viewed[0]
    assert "(URN:107654)" in viewed[0]  # the organisation, with its code
    assert "Assessment" in viewed[0]
    assert len(searched) == 1
    assert "family name Okafor" in searched[0]  # the search terms, opened for the auditor
    # Nothing here opens the child's record: the child's ID leads to the entries about it.
    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.href)")
    assert not [h for h in hrefs if "/children/" in h]
    page.get_by_role("link", name=re.compile(r"^teacher\W+their entries$")).first.click()
    page.wait_for_url(re.compile(r"user=teacher"))
    assert page.locator("#activity-entries tbody tr").count() == 2
    assert blocked == [], f"the Content Security Policy blocked: {blocked}"
