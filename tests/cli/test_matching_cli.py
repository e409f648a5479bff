"""`contactpoint match …` and `contactpoint review …` through the real command line."""

import json
from datetime import date

import pytest

from contactpoint.access.services import add_organisation, add_user
from contactpoint.cli.main import main
from contactpoint.identity.models import PostcodeDistrict
from contactpoint.matching.configuration import (
    ConfigurationError,
    active_configuration,
    configured_linker,
)
from contactpoint.matching.models import ReviewItem
from contactpoint.synth import generate
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def team(db):
    la, _ = add_organisation(code="E08000035", name="Leeds", type="local_authority")
    PostcodeDistrict.objects.create(district="LS1", authority=la)
    add_user(username="leeds.team", org_code="E08000035", role="management_team")
    return "leeds.team"


def test_review_list_show_link_and_history(tmp_path, capsys, keystore, team):
    nhs = nhs_number()
    feed = write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})])
    code, out, _ = run(capsys, "ingest", "--source", "nhs_demographics", str(feed), "--quiet")
    assert code == 0
    assert "sent to review 1" in out
    item = ReviewItem.objects.get()

    code, out, _ = run(capsys, "review", "list", "--by", team, "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == [item.pk]
    code, out, _ = run(capsys, "review", "show", str(item.pk), "--by", team)
    assert code == 0
    assert "N2" in out
    assert "nhs_number" in out
    code, _, err = run(capsys, "review", "link", str(item.pk), "--by", team, "--reason", " ")
    assert (code, err.strip()) == (2, "contactpoint review: Enter the reason for your decision.")
    code, out, _ = run(capsys, "review", "link", str(item.pk), "--by", team,
                       "--reason", "duplicate registration")
    assert code == 0
    assert "merged into" in out
    code, out, _ = run(capsys, "review", "history", item.candidate.contactpoint_id,
                       "--by", team)
    assert "link" in out
    assert "duplicate registration" in out
    code, _, err = run(capsys, "review", "link", str(item.pk), "--by", team, "--reason", "x")
    assert code == 1
    assert "already decided" in err
    code, _, err = run(capsys, "review", "list", "--by", "nobody")
    assert (code, err.strip()) == (2, "contactpoint review: --by: no user 'nobody'")


def test_match_thresholds_are_versioned_and_checked(capsys, keystore):
    first = active_configuration()
    code, out, _ = run(capsys, "match", "thresholds", "--link", "24", "--by", "operator",
                       "--note", "fewer automatic links while the feed is checked")
    assert code == 0
    latest = active_configuration()
    assert latest.pk > first.pk
    assert (latest.link_threshold, latest.review_threshold) == (24, first.review_threshold)
    assert latest.parameters == first.parameters
    code, _, err = run(capsys, "match", "thresholds", "--review", "30", "--by", "operator")
    assert code == 2
    assert "must be at least the review threshold" in err
    assert active_configuration().pk == latest.pk
    code, out, _ = run(capsys, "match", "show")
    assert "link 24, review" in out


def test_match_train_on_feed_files_makes_a_new_version(tmp_path, capsys, keystore):
    today = date(2026, 11, 22)
    generate(150, 3, tmp_path, today=today)
    before = active_configuration()
    feeds = sorted(str(p) for p in tmp_path.glob("*.jsonl"))
    code, _, err = run(capsys, "match", "train", *feeds, "--by", "operator",
                       "--today", today.isoformat())
    assert (code, err) == (0, "")
    after = active_configuration()
    assert after.pk > before.pk
    assert after.parameters != before.parameters
    assert "records of" in after.trained_on
    code, _, err = run(capsys, "match", "train", str(tmp_path / "missing.jsonl"), "--by", "op")
    assert code == 1
    assert "cannot read" in err


def test_init_replaces_a_model_the_code_no_longer_fits(capsys, keystore):
    old = active_configuration()
    stale = dict(old.parameters)
    stale["comparisons"] = [dict(c, levels=c["levels"][:2]) for c in stale["comparisons"]]
    old.pk = None
    old.parameters = stale
    old.save()
    with pytest.raises(ConfigurationError, match="contactpoint init"):
        configured_linker(keystore)
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert "no longer fits" in out
    assert configured_linker(keystore).configuration.pk > old.pk


def test_a_stored_model_keeps_no_given_name_in_the_clear(keystore):
    from contactpoint.matching.configuration import model_of, shipped_model  # noqa: PLC0415
    from contactpoint.matching.model import GIVEN_NAME_KEY  # noqa: PLC0415

    shipped = shipped_model()
    names = [k.removeprefix(GIVEN_NAME_KEY) for k in shipped.term_frequencies
             if k.startswith(GIVEN_NAME_KEY)]
    assert len(names) > 50
    stored = active_configuration()
    text = json.dumps(stored.parameters)
    assert not [n for n in names if f'"{GIVEN_NAME_KEY}{n}"' in text]
    model = model_of(stored)
    assert all(model.established_given_name(n) for n in names)
    assert not model.established_given_name("zzyzxqv")


def test_a_decision_the_access_policy_refuses_is_audited_as_refused(tmp_path, capsys,
                                                                     keystore, team):
    """No request's middleware audits a command's refusal: the command line does, once the
    refused call has rolled back (access/authorise.py)."""
    from trail import entries, mark  # noqa: PLC0415

    nhs = nhs_number()
    feed = write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})])
    assert run(capsys, "ingest", "--source", "nhs_demographics", str(feed), "--quiet")[0] == 0
    item = ReviewItem.objects.get()
    add_organisation(code="E06000046", name="Isle of Wight", type="local_authority")
    add_user(username="wight.team", org_code="E06000046", role="management_team")
    add_user(username="leeds.teacher", org_code="E08000035", role="practitioner")
    before = mark()

    code, _, err = run(capsys, "review", "list", "--by", "leeds.teacher")
    assert code == 1
    assert "matching:review:read" in err
    code, _, err = run(capsys, "review", "link", str(item.pk), "--by", "wight.team",
                       "--reason", "same child")
    assert code == 1
    assert "no such review item" in err
    refused = entries("access:refused", after=before)
    assert [(e["actor"], e["details"]["permission"], e["details"]["ground"],
             e["details"]["status"]) for e in refused] == [
        ("leeds.teacher", "matching:review:read", "permission", 403),
        ("wight.team", "matching:review:decide", "reach", 404)]
    assert ReviewItem.objects.get().status == "open"
