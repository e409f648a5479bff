"""`contactpoint client add`, `token create` and `token revoke`."""

import json
from datetime import timedelta

import trail
from accounts import make_user
from contactpoint.access.models import ApiToken
from contactpoint.access.tokens import authenticate_token
from contactpoint.cli.main import main
from databases import both_databases

pytestmark = both_databases


def run(capsys, *argv):
    """Exit code, stdout and stderr; the trail's entries the command wrote in `run.audited`."""
    start = trail.mark()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out, err = capsys.readouterr()
    run.audited = trail.entries(after=start)  # type: ignore[attr-defined]
    return code, out, err


def test_client_add_then_a_token_printed_once_and_alone(capsys):
    code, out, err = run(capsys, "client", "add", "--name", "census-feed",
                         "--source", "school_census")
    assert (code, err) == (0, "")
    assert out == ("added client census-feed for source school_census "
                   "(a new source system: check the name)\n")
    code, out, err = run(capsys, "token", "create", "--client", "census-feed")
    assert (code, err) == (0, "")
    token = out.strip()
    assert out == token + "\n"
    principal = authenticate_token(token)
    assert principal is not None
    assert principal.client.name == "census-feed"


def test_token_for_a_user_and_revoke(capsys):
    user = make_user("practitioner", username="jo")
    code, out, _ = run(capsys, "token", "create", "--user", "jo")
    assert code == 0
    token = out.strip()
    assert authenticate_token(token).user == user
    prefix = ApiToken.objects.get().prefix
    code, out, err = run(capsys, "token", "revoke", prefix)
    assert (code, err) == (0, "")
    assert out.strip() == f"revoked token {prefix} of user jo"
    assert authenticate_token(token) is None


def test_usage_errors_exit_2_with_one_line(capsys):
    for argv in (["token", "create", "--user", "nobody"],
                 ["token", "create", "--client", "nobody"],
                 ["token", "revoke", "cp_000000000000"],
                 ["client", "add", "--name", "x", "--source", "Not A Name"]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err.count("\n") == 1, argv
        assert err.startswith(f"contactpoint {argv[0]}: "), argv


def test_token_create_needs_exactly_one_holder(capsys):
    code, _, err = run(capsys, "token", "create")
    assert code == 2
    assert "--user" in err
    code, _, err = run(capsys, "token", "create", "--user", "a", "--client", "b")
    assert code == 2
    assert "not allowed with" in err
    assert ApiToken.objects.count() == 0


def test_a_client_name_is_used_once(capsys):
    assert run(capsys, "client", "add", "--name", "c", "--source", "nhs")[0] == 0
    code, out, err = run(capsys, "client", "add", "--name", "c", "--source", "nhs")
    assert (code, out) == (2, "")
    assert "already exists" in err


def test_clients_and_tokens_are_audited_in_the_operators_name(capsys):
    make_user("practitioner", username="jo")
    entries = []
    assert run(capsys, "client", "add", "--name", "census-feed", "--source", "school_census",
               "--by", "ops.alex")[0] == 0
    entries += run.audited
    code, out, _ = run(capsys, "token", "create", "--user", "jo", "--by", "ops.alex")
    assert code == 0
    entries += run.audited
    token = out.strip()
    prefix = ApiToken.objects.get().prefix
    assert run(capsys, "token", "revoke", prefix, "--by", "ops.sam")[0] == 0
    entries += run.audited
    assert [(e["event"], e["actor"], e["subject"]) for e in entries] == [
        ("account:client:create", "operator:ops.alex", "client:census-feed"),
        ("account:token:create", "operator:ops.alex", "jo"),
        ("account:token:revoke", "operator:ops.sam", "jo"),
    ]
    stored = ApiToken.objects.get()
    assert entries[1]["details"] == {"holder": "user", "prefix": prefix,
                                     "expires_at": stored.expires_at.isoformat()}
    assert entries[1]["reason"] is None
    assert token.removeprefix(f"{prefix}_") not in json.dumps(entries)  # never the secret


def test_a_token_for_a_person_is_the_operators_act_with_a_reason_and_expires(capsys):
    make_user("practitioner", username="jo")
    code, out, err = run(capsys, "token", "create", "--user", "jo", "--by", "ops.alex",
                         "--reason", "Mosaic go-live, ticket CHG-1042",
                         "--name", "Mosaic case management")
    assert code == 0
    token = out.strip()
    assert out == token + "\n"  # the token alone on stdout, for scripts
    assert err == ("This token for jo is your act as operator ops.alex: it is audited in "
                   "your name, expires in 90 days, and jo and their management team can "
                   "see and revoke it.\n")
    (entry,) = run.audited
    assert (entry["event"], entry["actor"], entry["subject"], entry["reason"]) == (
        "account:token:create", "operator:ops.alex", "jo", "Mosaic go-live, ticket CHG-1042")
    assert entry["details"]["name"] == "Mosaic case management"
    stored = ApiToken.objects.get()
    assert (stored.name, stored.issued_by) == ("Mosaic case management", "operator:ops.alex")
    life = stored.expires_at - stored.created_at  # both read the clock, a moment apart
    assert abs(life - timedelta(days=90)) < timedelta(minutes=1)


def test_a_reason_too_long_is_a_usage_error_and_issues_nothing(capsys):
    make_user("practitioner", username="jo")
    code, out, err = run(capsys, "token", "create", "--user", "jo", "--reason", "x" * 501)
    assert (code, out) == (2, "")
    assert "reason" in err
    assert ApiToken.objects.count() == 0
