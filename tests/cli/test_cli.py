import csv
import getpass
import json
import subprocess
import sys
from datetime import date

import pytest

import trail
from contactpoint.cli.main import main
from databases import both_databases
from factories import feed_row, write_jsonl

pytestmark = both_databases


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_then_links(tmp_path, capsys, keystore):
    feed = write_jsonl(tmp_path / "f.jsonl", [feed_row(source_id="A1"), feed_row(source_id="A2"),
                                              feed_row(source_id="A3", date_of_birth="x")])
    code, out, err = run(capsys, "ingest", "--source", "school_census", str(feed), "--quiet")
    assert (code, err) == (0, "")
    assert out.startswith("read 3, created 2, linked 0, sent to review 0, rejected 1")
    code, out, _ = run(capsys, "links", "--out", str(tmp_path / "links.csv"))
    assert code == 0
    with open(tmp_path / "links.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["source_id"] for r in rows) == ["A1", "A2"]
    assert {r["state"] for r in rows} == {"new"}
    assert all(len(r["contactpoint_id"]) == 10 for r in rows)


def test_exit_codes_and_one_line_reasons(tmp_path, capsys, keystore):
    code, _, err = run(capsys, "ingest", "--source", "Bad Name!", str(tmp_path / "f.jsonl"))
    assert code == 2
    assert err.count("\n") == 1
    assert "source name" in err
    code, _, err = run(capsys, "ingest", "--source", "ok", str(tmp_path / "missing.jsonl"))
    assert code == 1
    assert err.count("\n") == 1
    assert "No such file" in err
    code, _, _ = run(capsys, "ingest", "--source")
    assert code == 2
    code, _, _ = run(capsys, "no-such-command")
    assert code == 2


def test_org_and_user_add(capsys, keystore):
    code, out, _ = run(capsys, "org", "add", "--code", "E08000035", "--name", "Leeds",
                       "--type", "local_authority")
    assert (code, out.strip()) == (0, "added organisation E08000035")
    code, _, _ = run(capsys, "org", "add", "--code", "URN:107654", "--name", "Park Primary",
                     "--type", "school", "--authority", "E08000035")
    assert code == 0
    code, _, err = run(capsys, "org", "add", "--code", "URN:1", "--name", "X",
                       "--type", "school", "--authority", "E99999999")
    assert code == 2
    assert "no local authority" in err
    code, out, _ = run(capsys, "user", "add", "--username", "jo", "--org", "URN:107654",
                       "--role", "practitioner", "--email", "jo@example.org")
    assert code == 0
    assert "one-time password" in out
    code, _, err = run(capsys, "user", "add", "--username", "jo", "--org", "URN:107654",
                       "--role", "practitioner")
    assert code == 2
    assert "already exists" in err


def test_org_and_user_add_are_audited_in_the_operators_name(capsys, keystore):
    entries = []

    def audited(*argv):  # type: ignore[no-untyped-def]
        start = trail.mark()
        code, out, err = run(capsys, *argv)
        assert "account:" not in err  # the trail is in the database, not on stderr
        entries.extend(trail.entries(after=start))
        return code, out

    assert audited("org", "add", "--code", "E08000035", "--name", "Leeds",
                   "--type", "local_authority", "--by", "ops.alex")[0] == 0
    assert audited("org", "add", "--code", "E08000035", "--name", "Leeds CC",
                   "--type", "local_authority")[0] == 0
    code, out = audited("user", "add", "--username", "jo", "--org", "E08000035",
                        "--role", "management_team", "--by", "ops.alex")
    assert code == 0
    password = out.rsplit(" ", 1)[1].strip()
    assert audited("user", "add", "--username", "sam", "--org", "E08000035",
                   "--role", "practitioner")[0] == 0
    me = getpass.getuser()
    assert [(e["event"], e["actor"], e["subject"]) for e in entries] == [
        ("account:organisation:create", "operator:ops.alex", "E08000035"),
        ("account:organisation:update", f"operator:{me}", "E08000035"),
        ("account:user:create", "operator:ops.alex", "jo"),
        ("account:user:create", f"operator:{me}", "sam"),
    ]
    assert entries[2]["details"] == {"organisation": "E08000035", "role": "management_team"}
    assert password not in json.dumps(entries)
    # A refused command changes nothing, so records nothing.
    assert audited("user", "add", "--username", "jo", "--org", "E08000035",
                   "--role", "practitioner", "--by", "ops.alex")[0] == 2
    assert len(entries) == 4


def test_installed_command_answers_help():
    result = subprocess.run([sys.executable, "-m", "contactpoint.cli.main", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("init", "synth", "ingest", "links", "serve", "demo"):
        assert command in result.stdout


def test_load_date_is_the_day_of_the_load(tmp_path, capsys, keystore):
    born = date.today().replace(year=date.today().year - 25).isoformat()
    feed = write_jsonl(tmp_path / "f.jsonl", [feed_row(date_of_birth=born)])
    code, out, _ = run(capsys, "ingest", "--source", "nhs", str(feed), "--quiet")
    assert code == 0
    assert "rejected 1" in out


@pytest.mark.parametrize("argv", [["synth", "--children", "0", "--seed", "1", "--out", "x"],
                                  ["synth", "--children", "ten", "--seed", "1", "--out", "x"]])
def test_synth_usage_errors(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "--children" in err
