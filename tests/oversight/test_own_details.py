"""A user's own name and home postcode: sealed under their own key, kept as tokens."""

from __future__ import annotations

import pytest

from contactpoint.access.models import User
from contactpoint.cli.main import main
from contactpoint.crypto.keystore import get_keystore
from contactpoint.oversight import own_details
from databases import both_databases
from signing_in import ready_user, verified_client

pytestmark = both_databases


def _run(capsys, *argv):  # type: ignore[no-untyped-def]
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _org(capsys):  # type: ignore[no-untyped-def]
    assert _run(capsys, "org", "add", "--code", "E08000035", "--name", "Leeds",
                "--type", "local_authority")[0] == 0
    assert _run(capsys, "org", "add", "--code", "URN:1", "--name", "Park", "--type", "school",
                "--authority", "E08000035")[0] == 0


def test_user_add_seals_the_name_and_postcode_and_keeps_tokens(capsys, keystore):
    _org(capsys)
    code, _out, err = _run(capsys, "user", "add", "--username", "jo", "--org", "URN:1",
                          "--role", "practitioner", "--name", "Jo Anne O'Neill",
                          "--home-postcode", "ls14ap")
    assert code == 0, err
    user = User.objects.get(username="jo")
    sealed = bytes(user.own_details)
    assert b"Neill" not in sealed
    assert b"LS1" not in sealed
    assert own_details.open_own_details(user) == {
        "given_names": "Jo Anne", "family_name": "O'Neill", "home_postcode": "LS1 4AP"}
    index = get_keystore().blind_index
    assert bytes(user.own_family_token) == own_details.family_token(index, "ONEILL")
    assert (bytes(user.own_postcode_token), bytes(user.own_district_token)) == \
        own_details.postcode_tokens(index, "LS1 4AP")
    # The person's own key opens them: without it they are gone.
    get_keystore().destroy_child_keys([f"user:{user.pk}"])
    assert own_details.open_own_details(user) is None


def test_user_add_without_them_keeps_nothing(capsys, keystore):
    _org(capsys)
    assert _run(capsys, "user", "add", "--username", "jo", "--org", "URN:1",
                "--role", "practitioner")[0] == 0
    user = User.objects.get(username="jo")
    assert user.own_details is None
    assert user.own_family_token is None


@pytest.mark.parametrize(("argv", "named"), [
    (["--home-postcode", "not a postcode"], "home_postcode"),
    (["--name", "Cher"], "name"),
    (["--name", "Jo 42"], "family_name"),
])
def test_bad_details_are_refused_and_no_account_is_made(capsys, keystore, argv, named):
    _org(capsys)
    code, _, err = _run(capsys, "user", "add", "--username", "jo", "--org", "URN:1",
                        "--role", "practitioner", *argv)
    assert code == 2
    assert err.count("\n") == 1
    assert named in err
    assert not User.objects.filter(username="jo").exists()


def test_the_add_a_user_page_takes_a_home_postcode(keystore):
    manager, device = ready_user("management_team")
    client = verified_client(manager, device)
    form = {"first_name": "Nia", "last_name": "Evans", "email": "nia@example.org",
            "username": "nia.evans", "organisation": "URN:107654", "role": "practitioner",
            "reason": "New designated safeguarding lead"}
    page = client.post("/manage/add-user/", {**form, "home_postcode": "nowhere"}).page
    assert "Enter a UK postcode" in "".join(page.itertext())
    assert not User.objects.filter(username="nia.evans").exists()

    client.post("/manage/add-user/", {**form, "home_postcode": "LS6 2AB"})
    user = User.objects.get(username="nia.evans")
    assert own_details.open_own_details(user) == {
        "given_names": "Nia", "family_name": "Evans", "home_postcode": "LS6 2AB"}
