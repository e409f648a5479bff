"""The review queue, split, merge and undo, on the real loader and both databases."""

from datetime import date

import pytest

from contactpoint.access.models import Organisation
from contactpoint.access.services import add_organisation, add_user
from contactpoint.crypto.envelope import DecryptionError
from contactpoint.identity.models import Child, ChildStatus, PostcodeDistrict, SourceRecord
from contactpoint.identity.store import open_child_record
from contactpoint.loading.loader import ingest_file
from contactpoint.matching import review
from contactpoint.matching.models import KeptApart, MatchAction, ReviewItem
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases
TODAY = date(2026, 11, 22)


@pytest.fixture
def leeds(db):
    la, _ = add_organisation(code="E08000035", name="Leeds", type="local_authority")
    PostcodeDistrict.objects.create(district="LS1", authority=la)
    add_organisation(code="E08000036", name="Wakefield", type="local_authority")
    return la


def person(username, role, org="E08000035"):
    user, _ = add_user(username=username, org_code=org, role=role)
    return user


@pytest.fixture
def team(leeds):
    return person("leeds.team", "management_team")


def load(tmp_path, source, rows):
    path = write_jsonl(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.jsonl", rows)
    return ingest_file(source, path, today=TODAY)


def record(source_id):
    return SourceRecord.objects.select_related("child").get(
        pk__in=[sr.pk for sr in SourceRecord.objects.all() if _source_id(sr) == source_id])


def _source_id(sr):
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415
    from contactpoint.identity.store import open_payload  # noqa: PLC0415

    return open_payload(get_keystore(), sr.child.contactpoint_id, sr)["record"]["source_id"]


@pytest.fixture
def queued(tmp_path, keystore, leeds):
    """Two records of one source sharing an NHS number: the second waits for a person."""
    nhs = nhs_number()
    summary = load(tmp_path, "nhs_demographics", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs}, given_names="Amelia")])
    assert summary.review == 1
    return ReviewItem.objects.get()


def test_the_queue_shows_the_pair_side_by_side(queued, team, keystore):
    assert [i.pk for i in review.queue(team)] == [queued.pk]
    shown = review.pair(team, queued.pk)
    assert shown["record"]["source_id"] == "N2"
    assert shown["record"]["given_names"] == "Amelia"
    assert shown["candidate"]["contactpoint_id"] == queued.candidate.contactpoint_id
    assert shown["candidate"]["given_names"] == "Amelia Rose"
    by_name = {c["comparison"]: c for c in shown["comparisons"]}
    assert by_name["nhs_number"]["agrees"] is True
    assert by_name["date_of_birth"]["level"].startswith("exact")
    assert "nhs_demographics" in shown["reason"]


def test_link_joins_the_pair_and_undo_puts_it_back(queued, team, keystore):
    own = queued.source_record.child
    action = review.link(team, queued.pk, "same child: one NHS number, duplicate registration")
    n2 = SourceRecord.objects.get(pk=queued.source_record.pk)
    assert n2.child == queued.candidate
    assert n2.link_state == "manual"
    own.refresh_from_db()
    assert (own.status, own.merged_into, own.record) == (ChildStatus.MERGED, queued.candidate,
                                                         None)
    derived = open_child_record(keystore, Child.objects.get(pk=queued.candidate.pk))
    assert {s["source_id"] for s in derived["sources"]} == {"N1", "N2"}
    assert ReviewItem.objects.get().status == "linked"
    assert review.queue(team) == []
    assert [a.pk for a in review.history(team, queued.candidate.contactpoint_id)] == [action.pk]

    undo = review.undo(team, action.pk, "linked the wrong pair")
    n2.refresh_from_db()
    own.refresh_from_db()
    assert (n2.child_id, n2.link_state) == (own.pk, "review")
    assert (own.status, own.merged_into) == (ChildStatus.ACTIVE, None)
    assert open_child_record(keystore, own)["sources"][0]["source_id"] == "N2"
    assert ReviewItem.objects.get().status == "open"
    assert undo.undoes == action
    with pytest.raises(review.Conflict, match="already undone"):
        review.undo(team, action.pk, "again")


def test_kept_apart_is_remembered_and_never_linked(queued, team, keystore):
    action = review.keep_apart(team, queued.pk, "twins registered twice, different people")
    n2 = SourceRecord.objects.get(pk=queued.source_record.pk)
    assert n2.link_state == "manual"
    assert KeptApart.objects.filter(action=action).count() == 1
    assert ReviewItem.objects.get().status == "kept_apart"
    with pytest.raises(review.Conflict, match="already decided"):
        review.link(team, queued.pk, "changed my mind")
    review.undo(team, action.pk, "kept apart by mistake")
    assert not KeptApart.objects.exists()
    assert SourceRecord.objects.get(pk=n2.pk).link_state == "review"
    review.link(team, queued.pk, "the same child after all")
    assert SourceRecord.objects.get(pk=n2.pk).child == queued.candidate


def test_defer_keeps_the_pair_in_the_queue_after_open_ones(queued, team):
    review.defer(team, queued.pk, "asking the GP practice")
    assert [(i.pk, i.status) for i in review.queue(team)] == [(queued.pk, "deferred")]
    with pytest.raises(review.Conflict):
        review.defer(team, queued.pk, "again")


def test_split_and_merge_with_history_both_undone(tmp_path, team, keystore):
    nhs = nhs_number()
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N1", identifiers={"nhs_number": nhs})])
    load(tmp_path, "school_census", [feed_row(source_id="S1", identifiers={"nhs_number": nhs})])
    child = Child.objects.get()
    assert child.source_records.count() == 2

    split = review.split(team, "school_census", "S1", "the school's pupil is a cousin")
    new = Child.objects.get(pk=split.created_id)
    s1 = SourceRecord.objects.get(child=new)
    assert s1.link_state == "manual"
    assert open_child_record(keystore, new)["sources"][0]["source_id"] == "S1"
    child.refresh_from_db()
    assert open_child_record(keystore, child)["sources"][0]["source_id"] == "N1"
    assert KeptApart.objects.filter(child_a=min(child, new, key=lambda c: c.pk)).exists()

    # A later version of the split record stays where the person put it.
    load(tmp_path, "school_census", [feed_row(source_id="S1", identifiers={"nhs_number": nhs},
                                              recorded_at="2026-11-20T00:00:00Z")])
    s1.refresh_from_db()
    assert (s1.child_id, s1.link_state) == (new.pk, "manual")

    merge = review.merge(team, child.contactpoint_id, new.contactpoint_id,
                         "confirmed with the school: the same child")
    assert not KeptApart.objects.exists()  # a person's merge overrides their keep-apart
    assert SourceRecord.objects.filter(child=child).count() == 2
    new.refresh_from_db()
    assert new.status == ChildStatus.MERGED

    with pytest.raises(review.Conflict, match="undo those first"):
        review.undo(team, split.pk, "out of order")
    review.undo(team, merge.pk, "merged too soon")
    assert KeptApart.objects.count() == 1
    assert SourceRecord.objects.get(pk=s1.pk).child_id == new.pk
    review.undo(team, split.pk, "split by mistake")
    assert SourceRecord.objects.get(pk=s1.pk).child_id == child.pk
    new.refresh_from_db()
    assert (new.status, new.merged_into_id) == (ChildStatus.MERGED, child.pk)
    assert [a.kind for a in review.history(team, child.contactpoint_id)] == [
        "undo", "undo", "merge", "split"]


def test_only_the_childs_own_management_team_or_national_admin_decides(queued, keystore):
    practitioner = person("leeds.sw", "practitioner")
    wakefield = person("wakefield.team", "management_team", org="E08000036")
    add_organisation(code="NAT", name="National team", type="national_partner")
    national = person("national", "national_admin", org="NAT")
    with pytest.raises(review.Forbidden):
        review.queue(practitioner)
    with pytest.raises(review.Forbidden):
        review.link(practitioner, queued.pk, "reason")
    assert review.queue(wakefield) == []
    with pytest.raises(review.NotFound):
        review.pair(wakefield, queued.pk)
    with pytest.raises(review.NotFound):
        review.link(wakefield, queued.pk, "reason")
    assert [i.pk for i in review.queue(national)] == [queued.pk]


def test_a_shielded_child_is_decided_only_by_its_own_team(queued, team, keystore):
    queued.candidate.shielded = True
    queued.candidate.local_authority = Organisation.objects.get(code="E08000036")
    queued.candidate.save()
    assert review.queue(team) == []
    with pytest.raises(review.NotFound):
        review.pair(team, queued.pk)


def test_a_reason_is_required_and_nothing_changes_without_one(queued, team):
    with pytest.raises(review.ReviewError, match="Enter the reason for your decision"):
        review.link(team, queued.pk, "   ")
    assert ReviewItem.objects.get().status == "open"
    assert not MatchAction.objects.exists()


def test_a_childs_only_record_cannot_be_split_off(tmp_path, team, keystore):
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N1")])
    with pytest.raises(review.Conflict, match="only record"):
        review.split(team, "nhs_demographics", "N1", "reason")
    with pytest.raises(review.NotFound):
        review.split(team, "nhs_demographics", "N404", "reason")


def test_the_queue_a_pair_and_a_decision_are_audited_the_reason_sealed(queued, team,
                                                                         audit_log):
    from contactpoint.audit.models import Entry  # noqa: PLC0415

    said = "confirmed by the GP practice manager Mrs Example"
    pair_children = {queued.candidate.contactpoint_id,
                     queued.source_record.child.contactpoint_id}
    (listed,) = review.queue(team)
    review.pair(team, queued.pk)
    action = review.link(team, queued.pk, said)
    review.history(team, queued.candidate.contactpoint_id)
    shown, viewed, decided, history = audit_log()
    assert (shown["event"], shown["details"]["items"]) == ("matching:review:list", [listed.pk])
    assert set(shown["children"]) == pair_children
    assert viewed["event"] == "matching:review:view"
    assert (viewed["subject"], set(viewed["children"])) == (
        queued.candidate.contactpoint_id, pair_children)
    assert decided["event"] == "matching:decision:link"
    assert decided["details"]["decision"] == action.pk
    assert decided["reason"] == said  # sealed, and readable to those who read the trail
    assert (history["event"], history["details"]["decisions"]) == (
        "matching:history:view", [action.pk])
    # A free-text reason may name someone: stored sealed, never in the clear.
    stored = Entry.objects.get(event="matching:decision:link")
    assert "Mrs Example" not in stored.details
    assert b"Mrs Example" not in bytes(stored.sealed)


def test_a_decisions_reason_is_stored_sealed_under_the_childs_key(queued, team, keystore):
    from django.db import connection  # noqa: PLC0415

    said = "confirmed by the GP practice manager Mrs Example"
    action = review.link(team, queued.pk, said)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM matching_matchaction")
        (stored,), = cursor.fetchall()
    assert b"Mrs Example" not in bytes(stored)
    assert review.stated_reason(action) == said
    (shown,) = review.history(team, queued.candidate.contactpoint_id)
    assert review.stated_reason(shown) == said
    # Sealed for this decision: copied onto another decision's row, it does not open.
    other = review.undo(team, action.pk, "linked the wrong pair")
    MatchAction.objects.filter(pk=other.pk).update(reason=bytes(stored))
    with pytest.raises(DecryptionError):
        review.stated_reason(MatchAction.objects.get(pk=other.pk))
    # Shredding the child (destroying its key) takes the reason with it.
    keystore.destroy_child_keys([queued.candidate.contactpoint_id])
    keystore.forget_cache()
    assert review.stated_reason(MatchAction.objects.get(pk=action.pk)) is None


def test_a_record_deleted_and_sent_again_is_decided_afresh(queued, tmp_path, team):
    """Its earlier decision and review item are replaced, never kept beside the new ones
    (and only records stored before are looked for: new ones have nothing to replace)."""
    from contactpoint.matching.models import MatchDecision  # noqa: PLC0415

    again, nhs = record("N2"), open_child_record_nhs(record("N1"))
    load(tmp_path, "nhs_demographics", [{"source_id": "N2", "action": "delete",
                                         "recorded_at": "2026-11-02T09:30:00Z"}])
    assert ReviewItem.objects.get().status == "closed"
    summary = load(tmp_path, "nhs_demographics", [
        feed_row(source_id="N2", identifiers={"nhs_number": nhs}, given_names="Amelia",
                 recorded_at="2026-11-03T09:30:00Z"),
        feed_row(source_id="N3", given_names="Zebedee", family_name="Quartermaine",
                 date_of_birth="2015-02-03", identifiers={"nhs_number": None})])
    assert (summary.review, summary.created) == (1, 1)
    assert SourceRecord.objects.get(pk=again.pk).deleted is False
    assert MatchDecision.objects.filter(source_record=again.pk).count() == 1
    assert list(ReviewItem.objects.filter(source_record=again.pk)
                .values_list("status", flat=True)) == ["open"]
    assert MatchDecision.objects.count() == 3


def test_a_pair_whose_record_was_deleted_is_left_out_and_not_decided(queued, tmp_path, team):
    """A deleted record keeps no child (a tombstone): its closed item is not listed, and
    asked for by number it is refused by name rather than failing."""
    load(tmp_path, "nhs_demographics", [{"source_id": "N2", "action": "delete",
                                         "recorded_at": "2026-11-02T09:30:00Z"}])
    assert SourceRecord.objects.get(pk=queued.source_record_id).child is None
    assert review.queue(team, statuses=["closed"]) == []
    with pytest.raises(review.Conflict, match="its record was deleted"):
        review.pair(team, queued.pk)


def open_child_record_nhs(sr):
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415
    from contactpoint.identity.store import open_payload  # noqa: PLC0415

    return open_payload(get_keystore(), sr.child.contactpoint_id, sr)["record"][
        "identifiers"]["nhs_number"]


def _shield(team, cp_id):
    from datetime import timedelta  # noqa: PLC0415

    from contactpoint.identity.records import set_shield  # noqa: PLC0415

    set_shield(team, cp_id, shielded=True, reason="fleeing domestic abuse",
               review_on=TODAY + timedelta(days=3650))


def test_a_record_that_may_be_a_shielded_child_arrives_held_shielded(tmp_path, team, keystore,
                                                                     audit_log):
    """The original's national feed made unshielded copies of shielded children: a record
    whose candidates include a shielded child is held shielded, brokered by that child's
    team, until a person decides, and only "not the same child" lifts the hold."""
    from contactpoint.identity.models import ShieldChange  # noqa: PLC0415

    nhs = nhs_number()
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N1", identifiers={"nhs_number": nhs})])
    shielded = Child.objects.get()
    _shield(team, shielded.contactpoint_id)
    summary = load(tmp_path, "nhs_demographics", [
        feed_row(source_id="N2", identifiers={"nhs_number": nhs}, given_names="Amelia")])
    assert summary.review == 1
    item = ReviewItem.objects.get()
    assert item.candidate_id == shielded.pk
    held = item.source_record.child
    assert (held.shielded, held.shield_held, held.shield_broker_id) == (
        True, True, team.organisation_id)
    assert ShieldChange.objects.filter(child=held, shielded=True, changed_by=None).exists()
    (hold,) = [e for e in audit_log() if e["event"] == "child:shield:hold"]
    assert hold["subject"] == held.contactpoint_id
    # A record far from any shielded child arrives unshielded as ever.
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N3", given_names="Zainab",
                                                 family_name="Quayle",
                                                 date_of_birth="2012-01-05")])
    assert Child.objects.filter(shielded=False).count() == 1

    review.keep_apart(team, item.pk, "different children: another school")
    held.refresh_from_db()
    assert (held.shielded, held.shield_held, held.shield_broker_id) == (False, False, None)
    assert ShieldChange.objects.filter(child=held, shielded=False, changed_by=team).exists()
    shielded.refresh_from_db()
    assert shielded.shielded  # the team's own shield is untouched


def test_a_held_record_linked_to_the_shielded_child_joins_it_behind_the_shield(
        tmp_path, team, keystore):
    nhs = nhs_number()
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N1", identifiers={"nhs_number": nhs})])
    shielded = Child.objects.get()
    _shield(team, shielded.contactpoint_id)
    load(tmp_path, "nhs_demographics", [
        feed_row(source_id="N2", identifiers={"nhs_number": nhs}, given_names="Amelia")])
    review.link(team, ReviewItem.objects.get().pk, "the same child")
    assert record("N2").child_id == shielded.pk
    assert Child.objects.get(pk=shielded.pk).shielded


def test_a_record_split_off_a_shielded_child_stays_shielded(tmp_path, team, keystore):
    nhs = nhs_number()
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N1", identifiers={"nhs_number": nhs})])
    load(tmp_path, "school_census", [feed_row(source_id="S1", identifiers={"nhs_number": nhs})])
    child = Child.objects.get()
    _shield(team, child.contactpoint_id)
    action = review.split(team, "school_census", "S1", "another child")
    assert (action.created.shielded, action.created.shield_broker_id) == (
        True, team.organisation_id)


def test_splitting_another_authoritys_record_looks_like_splitting_none(tmp_path, team, keystore):
    """A management team cannot learn whether a record exists in another authority."""
    wakefield = person("wakefield.team", "management_team", org="E08000036")
    load(tmp_path, "nhs_demographics", [feed_row(source_id="N1")])
    answers = set()
    for source_id in ("N1", "N404"):
        with pytest.raises(review.NotFound) as refused:
            review.split(wakefield, "nhs_demographics", source_id, "reason")
        answers.add(str(refused.value))
    assert len(answers) == 1
    assert "N1" not in answers.pop()
