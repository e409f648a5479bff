"""Access notifications and recent access in a real browser (Playwright driving Debian's
Chromium). A teacher opens a child's record; the child's social worker signs in, sees
the unread count beside Notifications, reads who looked and why, and marks it read; the
child's management team opens the record with a reason and reads its recent access.

The browser reports any script the Content Security Policy blocked: the test fails on one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contactpoint.crypto.keystore import get_keystore, reset_keystore
from databases import ALL_DATABASES
from notification_world import Scene, make_scene
from signing_in import sign_in_browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=ALL_DATABASES),
    pytest.mark.usefixtures("system_keys_back"),
]


@pytest.fixture
def scene_here(tmp_path, keystore) -> Scene:
    """The scene, with the system keys put back: the previous live-server test's end
    emptied every table, the key store's too."""
    reset_keystore()
    get_keystore().ensure_system_keys()
    return make_scene(tmp_path)


def _sign_in(page: Page, url: str, scene: Scene, who: str) -> None:
    user, device = scene.world.users[who], scene.world.devices[who]
    sign_in_browser(page, url, user, device)
    expect(page).to_have_title(re.compile(r"^Find a child"))


def test_a_social_worker_reads_who_looked_and_the_team_reads_recent_access(
        live_server, chromium, scene_here):
    teacher = scene_here.world.client("teacher")
    teacher.post(f"/children/{scene_here.jo}/", {"reason": "education_welfare"})
    assert teacher.get(f"/children/{scene_here.jo}/").status_code == 200

    blocked: list[str] = []
    page = chromium.new_context().new_page()
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    _sign_in(page, live_server.url, scene_here, "social")
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.locator("#unread-notifications")).to_have_text("1 unread")
    menu.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page).to_have_title(re.compile(r"^Notifications"))
    row = page.locator("#notifications tbody tr")
    expect(row).to_have_count(1)
    said = " ".join(row.inner_text().split())
    assert "teacher" in said
    assert "Org URN:107654" in said
    assert "Education welfare" in said
    assert scene_here.jo in said
    row.get_by_role("button", name=re.compile(r"^Mark as read")).click()
    # The answer is the Notifications page again: wait for what only it shows.
    expect(page.locator("#notifications tbody tr .govuk-tag")).to_have_text("Read")
    expect(page.locator("#unread-notifications")).to_have_count(0)

    team = chromium.new_context().new_page()
    team.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    _sign_in(team, live_server.url, scene_here, "team")
    team.goto(f"{live_server.url}/children/{scene_here.jo}/")
    expect(team).to_have_title(re.compile(r"^Why are you opening this record"))
    assert "sees on the record who opened it" in team.locator("#who-sees-this").inner_text()
    team.get_by_label("Assessment", exact=True).check()
    team.get_by_role("button", name="Open the record").click()
    expect(team).to_have_title(re.compile(r"^Child’s record"))
    rows = team.locator("#recent-access-list tbody tr")
    texts = [" ".join(rows.nth(i).inner_text().split()) for i in range(rows.count())]
    assert any("Practitioner (teacher)" in t and "Education welfare" in t for t in texts)
    assert any("Read their team's notifications" in t for t in texts)
    assert blocked == [], f"the Content Security Policy blocked: {blocked}"
