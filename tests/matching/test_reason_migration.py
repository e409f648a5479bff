"""matching 0002: reasons stored in the clear before it are sealed by it, and still shown."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from contactpoint.access.services import add_organisation, add_user
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from contactpoint.matching import review
from contactpoint.matching.models import MatchAction
from databases import ALL_DATABASES
from factories import feed_row, write_jsonl

pytestmark = pytest.mark.django_db(transaction=True, databases=ALL_DATABASES)
BEFORE = [("matching", "0001_initial")]
AFTER = [("matching", "0002_seal_match_action_reasons")]


def _migrate(target):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_reasons_in_the_clear_are_sealed_and_still_read(tmp_path, keystore):
    la, _ = add_organisation(code="E08000035", name="Leeds", type="local_authority")
    PostcodeDistrict.objects.create(district="LS1", authority=la)
    team, _ = add_user(username="leeds.team", org_code="E08000035", role="management_team")
    ingest_file("school_census", write_jsonl(tmp_path / "s.jsonl", [feed_row(source_id="A")]),
                today=date(2026, 11, 22))
    child = Child.objects.get()
    said = "the carer Mrs Example rang to confirm"
    try:
        old_apps = _migrate(BEFORE)
        OldAction = old_apps.get_model("matching", "MatchAction")
        OldAction.objects.create(kind="defer", actor_id=team.pk, reason=said,
                                 at="2026-11-22T10:00:00Z", child_id=child.pk)
        OldAction.objects.create(kind="defer", actor_id=team.pk, reason="no child named",
                                 at="2026-11-22T10:00:00Z")
    finally:
        _migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM matching_matchaction ORDER BY id")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored[0] is not None
    assert b"Mrs Example" not in bytes(stored[0])
    assert stored[1] is None  # no child to seal it under: not kept in the clear either
    first, second = MatchAction.objects.order_by("pk")
    assert review.stated_reason(first) == said
    assert review.stated_reason(second) is None
    assert [review.stated_reason(a) for a in review.history(team, child.contactpoint_id)] == [
        said]
