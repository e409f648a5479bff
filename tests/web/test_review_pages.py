"""The match review pages: the queue, a pair side by side, a decision with a reason,
the history with undo, split and merge."""

from __future__ import annotations

from children_world import add_other_authority_team
from contactpoint.identity.models import Child, SourceRecord
from contactpoint.matching.models import ReviewItem
from databases import both_databases

pytestmark = both_databases


def _h1(page) -> str:
    return " ".join("".join(page.find(".//h1").itertext()).split())


def _text(page) -> str:
    return " ".join("".join(page.itertext()).split())


def _summary(page) -> str:
    return _text(page.find(".//div[@class='govuk-error-summary']"))


def test_the_queue_lists_the_pair_and_the_navigation_offers_it(world, queued_pair):
    team = world.client("team")
    page = team.get("/review/").page
    assert _h1(page) == "Match review"
    assert "Match review" in _text(page.find(".//nav[@aria-label='Menu']"))
    link = page.find(f".//a[@href='/review/{queued_pair.pk}/']")
    assert link is not None
    row = page.find(f".//a[@href='/review/{queued_pair.pk}/']/../..")
    assert _text(row.findall("td")[1]) == "NHS demographics (PDS)"
    assert queued_pair.candidate.contactpoint_id in _text(page)
    teacher_nav = world.client("teacher").get("/account/").page.find(
        ".//nav[@aria-label='Menu']")
    assert "Match review" not in _text(teacher_nav)
    assert world.client("teacher").get("/review/").status_code == 403


def test_a_pair_side_by_side_shows_which_comparisons_agree(world, queued_pair):
    page = world.client("team").get(f"/review/{queued_pair.pk}/").page
    assert _h1(page) == f"Review pair {queued_pair.pk}"
    side = page.find(".//table[@id='side-by-side']")
    headers = [_text(th) for th in side.findall(".//thead//th")]
    assert "N2" in headers[1]
    assert queued_pair.candidate.contactpoint_id in headers[2]
    rows = {_text(tr.find("th")): [_text(td) for td in tr.findall("td")]
            for tr in side.findall(".//tbody/tr")}
    assert rows["Family name"][:2] == ["Testerton", "Testerton"]
    assert rows["Family name"][2] == "Same"
    # Values in words, as the record page shows them, not ISO dates and code words.
    assert rows["Date of birth"] == ["9 March 2014", "9 March 2014", "Same"]
    assert rows["Gender"][:2] == ["Female", "Female"]
    assert rows["Address"][:2] == ["Current address", "Current address"]
    assert "NHS demographics (PDS)" in headers[1]
    # Both tables scroll inside a labelled, focusable region on a narrow screen.
    for table in ("side-by-side", "comparisons"):
        region = page.find(f".//table[@id='{table}']/..")
        assert region.get("role") == "region", table
        assert (region.get("tabindex"), region.get("aria-labelledby")) == (
            "0", f"{table}-caption")
        assert page.find(f".//caption[@id='{table}-caption']") is not None
    comparisons = {_text(tr.findall("td")[0]): _text(tr.findall("td")[2])
                   for tr in page.findall(".//table[@id='comparisons']/tbody/tr")}
    assert comparisons["NHS number"] == "Agrees"
    assert comparisons["Date of birth"] == "Agrees"
    assert page.find(f".//form[@action='/review/{queued_pair.pk}/decide/']") is not None


def test_a_decision_needs_a_reason_then_links_and_can_be_undone(world, queued_pair):
    team = world.client("team")
    url = f"/review/{queued_pair.pk}/decide/"
    page = team.post(url, {"decision": "link"}).page
    assert "Enter the reason for your decision" in _summary(page)
    assert ReviewItem.objects.get().status == "open"

    page = team.post(url, {"decision": "link", "reason": "one child, "
                           "registered twice"}).page
    assert _h1(page) == "Linked a review pair"
    record = SourceRecord.objects.get(pk=queued_pair.source_record_id)
    assert record.child_id == queued_pair.candidate_id
    page = team.post(url, {"decision": "link", "reason": "again"}).page
    assert "already decided" in _summary(page)
    pair_page = team.get(f"/review/{queued_pair.pk}/").page
    assert pair_page.find(f".//form[@action='{url}']") is None
    assert "Linked: the same child" in _text(pair_page)

    history = team.get(
        f"/children/{queued_pair.candidate.contactpoint_id}/match-history/").page
    assert _h1(history) == "Match history"
    assert "one child, registered twice" in _text(history)
    (undo,) = [a.get("href") for a in history.iter("a") if "/undo/" in (a.get("href") or "")]
    wakefield = add_other_authority_team(world)  # another council's team: not found
    assert wakefield.get(undo).status_code == 404
    assert wakefield.post(undo, {"reason": "not ours"}).status_code == 404
    assert team.get("/review/decisions/999999/undo/").status_code == 404
    page = team.get(undo).page
    assert _h1(page).startswith("Undo decision")
    page = team.post(undo, {"reason": ""}).page
    assert "Enter the reason" in _summary(page)
    page = team.post(undo, {"reason": "linked the wrong pair"}).page
    assert _h1(page) == "The decision is undone"
    record.refresh_from_db()
    assert record.child_id != queued_pair.candidate_id
    assert ReviewItem.objects.get().status == "open"


def test_keep_apart_and_defer(world, queued_pair):
    team = world.client("team")
    url = f"/review/{queued_pair.pk}/decide/"
    assert _h1(team.post(url, {"decision": "defer", "reason": "ask the GP"}).page
               ) == "Deferred a review pair"
    assert "Deferred" in _text(team.get("/review/").page)
    assert _h1(team.post(url, {"decision": "keep_apart",
                               "reason": "twins"}).page) == (
        "Kept a review pair apart")
    assert ReviewItem.objects.get().status == "kept_apart"
    assert "no pairs waiting" in _text(team.get("/review/").page)


def test_merge_and_split_pages(world, queued_pair):
    team = world.client("team")
    page = team.get("/review/merge/").page
    assert _h1(page) == "Merge two children"
    page = team.post("/review/merge/", {"keep": "12", "gone": "x' OR 1=1"}).page
    summary = _summary(page)
    assert "Enter a ContactPoint ID of 10 digits" in summary
    assert "Enter the reason" in summary
    page = team.post("/review/merge/", {
        "keep": "0000000001", "gone": "0000000002", "reason": "r"}).page
    assert "is not a child in your authority" in _summary(page)
    keep = queued_pair.candidate.contactpoint_id
    gone = queued_pair.source_record.child.contactpoint_id
    page = team.post("/review/merge/", {"keep": keep, "gone": gone,
                                        "reason": "one child"}).page
    assert _h1(page) == "The children are merged"
    assert Child.objects.get(contactpoint_id=gone).status == "merged"

    page = team.get("/review/split/").page
    assert _h1(page) == "Split a record off a child"
    page = team.post("/review/split/", {
        "source": "nhs_demographics", "source_id": "NOPE", "reason": "r"}).page
    assert "There is no record with that ID" in _summary(page)
    page = team.post("/review/split/", {
        "source": "nhs_demographics", "source_id": "N2", "reason": "two children"}).page
    assert _h1(page) == "The record is split off"
    assert "The record is now child" in _text(page)


def test_a_record_page_offers_its_source_records_for_splitting(world, queued_pair):
    team = world.client("team")
    keep = queued_pair.candidate.contactpoint_id
    team.post(f"/review/{queued_pair.pk}/decide/", {"decision": "link", "reason": "same"})
    response = team.post(f"/children/{keep}/", {"reason": "other", "reason_detail": "matching"})
    page = team.get(response["Location"]).page
    forms = page.findall(".//form[@action='/review/split/']")
    sources = {f.find(".//input[@name='source_id']").get("value") for f in forms}
    # The records the page names are those its fields came from (their provenance):
    # N2 says nothing N1 does not, so only the form takes it.
    assert sources == {"N1"}
    assert page.find(f".//a[@href='/children/{keep}/match-history/']") is not None

    started = team.post("/review/split/", {
        "source": "nhs_demographics", "source_id": "N1", "start": "1"}).page
    assert started.find(".//div[@class='govuk-error-summary']") is None
    assert started.find(".//input[@name='source_id']").get("value") == "N1"
    assert SourceRecord.objects.filter(child__contactpoint_id=keep).count() == 2
    teacher = world.client("teacher")
    response = teacher.post(f"/children/{keep}/", {"reason": "assessment"})
    assert "/review/split/" not in teacher.get(response["Location"]).content.decode()
