"""The Alerts page in a real browser (Playwright driving Debian's Chromium): a teacher
opens the record of a child living at their own home postcode; the rules raise an alert;
the council's management team signs in with a password and an authenticator code, opens
Alerts, reads the evidence from the trail and suspends the teacher's account.

The browser reports any script the Content Security Policy blocked: the test fails on one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from children_world import World, make_world
from contactpoint.access.models import User
from contactpoint.crypto.keystore import get_keystore, reset_keystore
from contactpoint.oversight import own_details, runner
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
    reset_keystore()
    get_keystore().ensure_system_keys()
    world = make_world(tmp_path)
    # The teacher lives where the world's child does (the feed's LS1 4AP).
    own_details.set_own_details(world.users["teacher"],
                                own_details.check_own_details("Tess Teacher", "LS1 4AP"))
    return world


def test_a_team_reads_an_alert_and_suspends_the_account(live_server, chromium, world_here):
    teacher = world_here.client("teacher")
    teacher.post(f"/children/{world_here.child}/", {"reason": "assessment"})
    assert teacher.get(f"/children/{world_here.child}/").status_code == 200
    [alert] = runner.run().raised

    page = chromium.new_context().new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    user, device = world_here.users["team"], world_here.devices["team"]
    sign_in_browser(page, live_server.url, user, device)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Alerts").click()
    expect(page).to_have_title(re.compile(r"^Alerts"))
    row = page.locator(f"#alert-{alert.pk}")
    assert "lives at their home postcode" in row.inner_text()
    row.get_by_role("link", name=re.compile(r"^Looked up their own family")).click()
    expect(page).to_have_title(re.compile(r"^Looked up their own family: teacher"))
    evidence = page.locator("#evidence-entries tbody tr")
    assert evidence.count() == 1
    assert "Opened a child's record" in evidence.first.inner_text()
    assert "Assessment" in evidence.first.inner_text()

    page.get_by_role("link", name="Suspend account").click()
    expect(page).to_have_title(re.compile(r"^Suspend teacher's account"))
    page.get_by_role("button", name="Suspend account").click()
    expect(page).to_have_title(re.compile(r"^Error: Suspend"))  # a reason is needed
    page.get_by_label("Reason", exact=True).fill("Looked up a child at their own address")
    page.get_by_role("button", name="Suspend account").click()
    expect(page).to_have_title(re.compile(r"^teacher's account is suspended"))
    assert User.objects.get(username="teacher").suspended_at is not None
    assert teacher.get(f"/children/{world_here.child}/").status_code != 200

    page.get_by_role("link", name="Back to the alert").click()
    page.get_by_role("link", name="Close alert").click()
    page.get_by_label("Misuse confirmed").check()
    page.get_by_label("Reason", exact=True).fill("Admitted testing on a neighbour's child")
    page.get_by_role("button", name="Close alert").click()
    expect(page).to_have_title(re.compile(r"^The alert is closed"))
    page.get_by_role("link", name="Back to alerts").click()
    expect(page.locator("#no-alerts")).to_be_visible()
    assert blocked == [], f"the Content Security Policy blocked: {blocked}"
