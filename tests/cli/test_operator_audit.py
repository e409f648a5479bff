"""What an operator changes or takes out at the command line is kept in the trail, once.

Feed loads (one entry per load, with its counts and source), the links export, reference
data, key rotation, the matcher's settings and the demo's accounts: each in the
operator's name (`--by`, else the machine's user), in the transaction of what it did.
"""

from __future__ import annotations

import csv
import os
from datetime import date

import trail
from contactpoint.audit.models import Entry
from contactpoint.cli.main import main
from contactpoint.crypto import keyring
from contactpoint.crypto.keystore import KeyStore
from contactpoint.feeds.models import FeedLoad
from contactpoint.installation import demo
from contactpoint.installation import keys as rotation
from databases import both_databases
from factories import feed_row, write_jsonl

pytestmark = both_databases


def run(capsys, *argv) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    """Exit code and the entries the command wrote; nothing of them on stderr."""
    start = trail.mark()
    code = main(list(argv))
    _, err = capsys.readouterr()
    assert '"event"' not in err
    return code, trail.entries(after=start)


def test_a_feed_load_is_one_entry_with_its_counts_and_the_links_export_another(
        tmp_path, capsys, keystore):
    feed = write_jsonl(tmp_path / "census.jsonl", [
        feed_row(source_id="A1"), feed_row(source_id="A2"),
        feed_row(source_id="A3", date_of_birth="not a date")])
    code, entries = run(capsys, "ingest", "--source", "school_census", str(feed), "--quiet",
                        "--by", "ops.alex")
    assert code == 0
    (loaded,) = [e for e in entries if e["event"] == "feeds:feed:load"]
    assert (loaded["actor"], loaded["subject"]) == ("operator:ops.alex", "school_census")
    load = FeedLoad.objects.get()
    assert loaded["details"] == {"load": load.pk, "via": "file", "file": "census.jsonl",
                                 **load.counts}
    assert (loaded["details"]["read"], loaded["details"]["created"],
            loaded["details"]["rejected"]) == (3, 2, 1)
    # Nothing personal in what stays readable: not a name from the feed.
    assert "Testerton" not in Entry.objects.get(pk=loaded["id"]).details

    out = tmp_path / "links.csv"
    code, entries = run(capsys, "links", "--out", str(out), "--by", "ops.sam")
    assert code == 0
    with open(out, encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 2
    (exported,) = entries
    assert (exported["event"], exported["actor"]) == ("feeds:links:export", "operator:ops.sam")
    assert exported["details"] == {"out": str(out)}


def test_reference_data_is_loaded_in_one_transaction_with_its_entry(tmp_path, capsys, keystore):
    folder = tmp_path / "reference"
    folder.mkdir()
    (folder / "local_authorities.csv").write_text("code,name\nE08000035,Leeds\n")
    (folder / "organisations.csv").write_text(
        "code,name,type,authority_code\nURN:107654,Park Primary,school,E08000035\n")
    (folder / "postcode_districts.csv").write_text("district,authority_code\nLS1,E08000035\n")
    code, entries = run(capsys, "reference", "load", str(folder), "--by", "ops.alex")
    assert code == 0
    (entry,) = entries
    assert (entry["event"], entry["actor"]) == ("reference:data:load", "operator:ops.alex")
    assert entry["details"] == {"folder": "reference", "local_authorities": 1,
                                "organisations": 1, "postcode_districts": 1}
    # A file that fails part-way keeps nothing of any, and leaves no entry.
    (folder / "postcode_districts.csv").write_text(
        "district,authority_code\nLS2,E08000035\nXX1,E99999999\n")
    (folder / "local_authorities.csv").write_text("code,name\nE08000035,Leeds CC\n")
    code, entries = run(capsys, "reference", "load", str(folder))
    assert (code, entries) == (1, [])
    from contactpoint.access.models import Organisation  # noqa: PLC0415

    assert Organisation.objects.get(code="E08000035").name == "Leeds"


def test_key_rotation_is_kept_once_done(tmp_path, keystore, settings, monkeypatch):
    path = tmp_path / "master.key"
    path.write_bytes(settings.CONTACTPOINT.master_key_file.read_bytes())
    os.chmod(path, 0o600)
    old = keyring.load(path).active_id
    monkeypatch.setattr(rotation, "get_keystore", lambda: KeyStore(path))
    start = trail.mark()
    report = rotation.rotate_keys(by="ops.alex", batch_size=50)
    (entry,) = trail.entries(after=start)
    assert (entry["event"], entry["actor"]) == ("crypto:keys:rotate", "operator:ops.alex")
    assert entry["details"] == {"rewrapped": report.rewrapped, "retired": [old]}
    assert report.rewrapped > 0


def test_each_matcher_version_is_kept_with_its_thresholds_and_the_note_sealed(capsys,
                                                                            keystore):
    from contactpoint.matching.configuration import active_configuration  # noqa: PLC0415

    active_configuration()  # the shipped version, stored by `init` (and kept in its name)
    code, entries = run(capsys, "match", "thresholds", "--link", "24", "--by", "ops.alex",
                        "--note", "fewer links while Ms Hartley checks the feed")
    assert code == 0
    (entry,) = entries
    assert (entry["event"], entry["actor"]) == ("matching:settings:update", "operator:ops.alex")
    assert entry["details"]["link"] == 24
    assert entry["details"]["note"] == "fewer links while Ms Hartley checks the feed"
    assert "Hartley" not in Entry.objects.get(pk=entry["id"]).details
    # A refused change keeps nothing.
    code, entries = run(capsys, "match", "thresholds", "--review", "30", "--by", "ops.alex")
    assert (code, entries) == (2, [])


def test_the_demos_accounts_are_made_as_an_operators(tmp_path, monkeypatch, keystore):
    from contactpoint.access import services  # noqa: PLC0415
    from contactpoint.access.models import OrganisationType  # noqa: PLC0415

    monkeypatch.setattr(demo, "_accounts_file", lambda: tmp_path / "demo-accounts.json")
    authority, _ = services.add_organisation(code="E08000035", name="Leeds",
                                             type=OrganisationType.LOCAL_AUTHORITY)
    start = trail.mark()
    demo._accounts(authority)
    made = [(e["event"], e["subject"]) for e in trail.entries(after=start)
            if e["actor"] == "operator:contactpoint demo"]
    for username in ("demo-practitioner", "demo-manager", "demo-national", "demo-auditor",
                     demo.NEW_STARTER):
        assert ("account:user:create", username) in made
    apps = [subject for event, subject in made if event == "account:second-factor:add"]
    assert sorted(apps) == ["demo-auditor", "demo-manager", "demo-national",
                            "demo-practitioner"]
    # Run again, nothing new is made and no account is made again.
    start = trail.mark()
    demo._accounts(authority)
    assert not [e for e in trail.entries(after=start) if e["event"].startswith("account:user")]


def test_an_initial_load_is_one_entry_with_each_files_counts(tmp_path, capsys, keystore):
    """The initial load's entry holds its files' counts, nothing from their rows."""
    feed = write_jsonl(tmp_path / "school_census.jsonl", [feed_row(source_id="I1")])
    code, entries = run(capsys, "initial-load", str(feed), "--quiet", "--workers", "1",
                        "--today", date(2026, 11, 22).isoformat(), "--by", "ops.alex")
    assert code == 0
    (finished,) = [e for e in entries if e["event"] == "feeds:initial-load:finish"]
    assert finished["actor"] == "operator:ops.alex"
    assert [(f["source"], f["file"], f["read"]) for f in finished["details"]["files"]] == [
        ("school_census", "school_census.jsonl", 1)]
    assert "2014-03-09" not in Entry.objects.get(pk=finished["id"]).details
