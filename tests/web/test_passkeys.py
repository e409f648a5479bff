"""The security-key endpoints share the sign-in rules: password first, lockout, audit."""

from __future__ import annotations

from accounts import make_user
from contactpoint.access import lockout, services
from databases import both_databases
from signing_in import STRONG_PASSWORD, ready_user

pytestmark = both_databases

BEGIN_AUTH = "/sign-in/security-key/authentication/begin/"
BEGIN_REGISTRATION = "/sign-in/security-key/registration/begin/"


def test_nobody_signed_in_gets_no_challenge(client):
    for url in (BEGIN_AUTH, BEGIN_REGISTRATION):
        response = client.post(url, content_type="application/json", data={})
        assert response.status_code == 403
        assert response.json()["code"] in ("password_first", "not_authenticated")


def test_the_one_time_password_must_be_replaced_before_a_key_is_added(client):
    user = make_user()
    _, one_time = services.add_user(username="starter", org_code=user.organisation.code,
                                    role="practitioner")
    client.post("/sign-in/", {"username": "starter", "password": one_time})
    response = client.post(BEGIN_REGISTRATION, content_type="application/json", data={})
    assert response.status_code == 403


def test_a_locked_account_gets_no_challenge(client):
    user, _device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    for _ in range(5):
        lockout.begin_attempt(user.username, "192.0.2.1")  # five steps let through, all wrong
    response = client.post(BEGIN_AUTH, content_type="application/json", data={})
    assert response.status_code == 429
    assert response.json()["code"] == "locked"


def test_a_failed_security_key_answer_counts_as_a_failure(client):
    user, _device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    response = client.post("/sign-in/security-key/authentication/complete/",
                           content_type="application/json", data={"id": "forged"})
    assert response.status_code == 400  # no ceremony was begun: invalid state
    assert lockout.failures(user.username) == 1


def test_after_the_password_a_challenge_is_given(client):
    user, _device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    response = client.post(BEGIN_AUTH, content_type="application/json", data={})
    assert response.status_code == 200
    assert response.json()["rpId"] == "localhost"
