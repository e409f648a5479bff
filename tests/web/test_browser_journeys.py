"""The practitioner's and the management team's journeys in a real browser (Playwright
driving Debian's Chromium), signing in with a password and an authenticator code:

(a) a practitioner finds a child by a misspelt name, opens the record with a reason,
    adds their involvement and sees it there;
(b) a management team member shields the child, and the practitioner's view changes;
(c) a management team member links a pair waiting in the match review queue.

The browser reports any script the Content Security Policy blocked: each test fails on one.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from children_world import World, make_world, queue_a_pair
from contactpoint.crypto.keystore import get_keystore, reset_keystore
from contactpoint.identity.models import SourceRecord
from databases import ALL_DATABASES
from signing_in import sign_in_browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=ALL_DATABASES),
    pytest.mark.usefixtures("system_keys_back"),
]


@pytest.fixture
def browser(chromium):
    return chromium


@pytest.fixture
def world_here(tmp_path, keystore) -> World:
    """The world, with the blind-index key put back: the previous live-server test's end
    emptied every table, the key store's too."""
    reset_keystore()
    get_keystore().ensure_system_keys()
    return make_world(tmp_path)


class Person:
    """One person's browser window (a context of its own: their own cookies)."""

    def __init__(self, browser, live_server, world: World, who: str) -> None:  # type: ignore[no-untyped-def]
        self.page = browser.new_context().new_page()
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.blocked.append(m.text)
                     if "Content Security Policy" in m.text else None)
        self.url, self.world, self.who = live_server.url, world, who

    def h1(self) -> str:
        return " ".join(self.page.locator("h1").inner_text().split())

    def main(self) -> str:
        return self.page.locator("main").inner_text()

    def sign_in(self) -> None:
        user, device = self.world.users[self.who], self.world.devices[self.who]
        sign_in_browser(self.page, self.url, user, device)
        assert self.h1() == "Find a child"

    def find_and_open(self, family_name: str, reason: str | None, detail: str = "") -> None:
        """Search, pick the child, give `reason` (None: the one given earlier in this
        session still covers this child, so the record shows straight away)."""
        page = self.page
        page.get_by_role("link", name="Find a child").click()
        page.get_by_label("Family name", exact=True).fill(family_name)
        page.get_by_label("Day", exact=True).fill("2")
        page.get_by_label("Month", exact=True).fill("4")
        page.get_by_label("Year", exact=True).fill("2015")
        page.get_by_role("button", name="Search").click()
        found = page.get_by_role("link", name="Amara Okafor")
        found.wait_for()  # the answer has come: its address is the one to check
        assert "/children/search/" in page.url  # the terms went in the body, not the URL
        assert "Okaf" not in page.url
        found.click()
        if reason is not None:
            assert self.h1() == "Why are you opening this record?"
            page.get_by_label(reason, exact=True).check()
            if detail:
                page.get_by_label("Say more (needed if you chose Other)").fill(detail)
            page.get_by_role("button", name="Open the record").click()
        assert self.h1() == "Child’s record"
        assert page.title().startswith("Child’s record")
        assert "Okafor" not in page.title()


def test_a_practitioner_finds_a_child_opens_the_record_and_adds_an_involvement(
        live_server, browser, world_here):
    teacher = Person(browser, live_server, world_here, "teacher")
    teacher.sign_in()
    teacher.find_and_open("Okafur", "Education welfare")
    record = teacher.main()
    assert "Park Primary School" in record
    assert "0113 496 0001" in record
    assert "Ngozi Okafor" in record
    assert "0113 496 0100" in record

    page = teacher.page
    page.get_by_role("button", name="Add your involvement").click()
    assert teacher.h1() == "Add your involvement"
    page.get_by_label("Your service", exact=True).select_option("school")
    page.get_by_label("Practitioner’s name (optional)").fill("Ms Reed")
    page.get_by_label("Phone", exact=True).fill("0113 496 0300")
    page.get_by_label("I am the lead professional").check()
    page.get_by_role("button", name="Save involvement").click()

    assert teacher.h1() == "Child’s record"
    record = teacher.main()
    assert "Your involvement is recorded" in record
    assert "Lead professional: Ms Reed" in record
    assert "0113 496 0300" in record
    assert teacher.blocked == [], f"the Content Security Policy blocked: {teacher.blocked}"


def test_a_management_team_shields_a_child_and_the_practitioners_view_changes(
        live_server, browser, world_here):
    teacher = Person(browser, live_server, world_here, "teacher")
    teacher.sign_in()
    teacher.find_and_open("Okafor", "Assessment")
    assert "12 High Street" in teacher.main()

    team = Person(browser, live_server, world_here, "team")
    team.sign_in()
    team.find_and_open("Okafor", "Other (say why)", "checking a request to shield")
    page = team.page
    page.get_by_role("button", name="Shield this record").click()
    assert team.h1() == "Shield this record"
    page.get_by_label("Reason", exact=True).fill("Family in a refuge")
    review_on = date.today() + timedelta(days=90)
    page.get_by_label("Day", exact=True).fill(str(review_on.day))
    page.get_by_label("Month", exact=True).fill(str(review_on.month))
    page.get_by_label("Year", exact=True).fill(str(review_on.year))
    page.get_by_role("main").get_by_role("button", name="Shield this record").click()
    assert "The record is shielded" in team.main()
    assert "12 High Street" in team.main()  # the team still sees it all

    teacher.page.reload()  # the same address, read afresh
    after = teacher.main()
    assert "This record is shielded" in after
    assert "Leeds City Council" in after
    assert "12 High Street" not in after
    assert "0113 496 0001" not in after
    assert "Refuge" not in after
    assert "refuge" not in after
    teacher.find_and_open("Okafor", None)  # found again: tagged, and the shielded view
    assert "This record is shielded" in teacher.main()
    for person in (teacher, team):
        assert person.blocked == [], f"the Content Security Policy blocked: {person.blocked}"


def test_a_management_team_links_a_pair_in_the_review_queue(live_server, browser, world_here,
                                                            tmp_path):
    item = queue_a_pair(tmp_path)
    team = Person(browser, live_server, world_here, "team")
    team.sign_in()
    page = team.page
    page.get_by_role("link", name="Match review").click()
    assert team.h1() == "Match review"
    page.get_by_role("link", name=f"Review pair {item.pk}").click()
    assert team.h1() == f"Review pair {item.pk}"
    assert "Agrees" in page.locator("#comparisons").inner_text()
    # On a phone the side-by-side tables scroll inside their own regions: the page
    # itself is no wider than the screen.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    region = page.get_by_role("region", name="The record and the child it may be")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("The same child: link them").check()
    page.get_by_label("Reason", exact=True).fill("One child registered twice at the practice")
    page.get_by_role("button", name="Save decision").click()
    assert team.h1() == "Linked a review pair"
    assert SourceRecord.objects.get(pk=item.source_record_id).child_id == item.candidate_id
    page.get_by_role("link", name="Back to match review").click()
    assert "There are no pairs waiting" in team.main()
    assert team.blocked == [], f"the Content Security Policy blocked: {team.blocked}"
