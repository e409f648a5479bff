"""A subject access request answered in a real browser (Playwright driving Chromium): the
child's management team signs in, opens the child's Subject access request page, says
who asked and how their identity was checked, produces the export and downloads it; the
download verifies offline.

The browser reports any script the Content Security Policy blocked: the test fails on one.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import expect

from children_world import World, make_world
from contactpoint.crypto.keystore import get_keystore, reset_keystore
from contactpoint.subject_access.verify import verify_folder
from databases import ALL_DATABASES
from signing_in import sign_in_browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=ALL_DATABASES),
    pytest.mark.usefixtures("system_keys_back"),
]


@pytest.fixture
def world_here(tmp_path, keystore, settings) -> World:
    import dataclasses  # noqa: PLC0415

    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, data_dir=tmp_path)
    reset_keystore()
    get_keystore().ensure_system_keys()
    return make_world(tmp_path)


def test_the_team_answers_a_subject_access_request_and_downloads_it(
        live_server, chromium, world_here, tmp_path):
    teacher = world_here.client("teacher")
    teacher.post(f"/children/{world_here.child}/", {"reason": "assessment"})
    assert teacher.get(f"/children/{world_here.child}/").status_code == 200

    page = chromium.new_context(accept_downloads=True).new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    user, device = world_here.users["team"], world_here.devices["team"]
    sign_in_browser(page, live_server.url, user, device)
    page.wait_for_url(re.compile(r"/children/search/|/$"))

    page.goto(f"{live_server.url}/children/{world_here.child}/subject-access/")
    assert page.locator("h1").inner_text() == "Subject access request"
    page.get_by_label("Who asked", exact=True).fill("Ngozi Okafor")
    page.get_by_label("A parent or carer with parental responsibility").check()
    page.get_by_label("How you checked their identity", exact=True).fill(
        "Passport seen at the office")
    page.get_by_role("button", name="Produce the export").click()
    expect(page.locator(".govuk-notification-banner, .govuk-panel")
           .filter(has_text="ready to download")).to_be_visible()
    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile(r"^Download")).first.click()
    archive = tmp_path / "download.zip"
    waiting.value.save_as(archive)
    folder = tmp_path / "export"
    zipfile.ZipFile(archive).extractall(folder)
    assert verify_folder(folder).proved >= 2
    assert "Assessment" in (folder / "sar.html").read_text()
    assert blocked == []
