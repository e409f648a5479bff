"""Concurrent wrong guesses at a real server never get more checks than the lockout allows.

`contactpoint serve` (gunicorn: 2 worker processes of 4 threads) over its own databases,
on SQLite always and on PostgreSQL when CONTACTPOINT_TEST_POSTGRES_URL is set (databases
of its own, dropped after). Each guess comes from its own session, and all of them are
released at once from a barrier. A guess that was checked is answered "Enter a correct
username and password" (or "not correct" for a code); one refused before any check gets
429. The limit is the configured one (5): only that many guesses may be checked, and the
right password or code sent after them is refused as locked. The same server also shows
that a client's claim of HTTPS is ignored when no proxy is trusted (gunicorn's default
would believe it from this machine).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pyotp
import pytest
import requests

from contactpoint.bench.search import _free_port, _wait_for
from scratch_databases import scratch_postgres
from signing_in import STRONG_PASSWORD
from waiting import DEADLINE_SECONDS

pytestmark = pytest.mark.slow

LIMIT = 5  # CONTACTPOINT_SIGNIN_MAX_FAILURES's default, which the server runs with
GUESSES = 15
WRONG_PASSWORD = "Enter a correct username and password"
WRONG_CODE = "the code you entered is not correct"

SET_UP = """
from contactpoint.cli.main import setup_django
setup_django()
from django_otp.plugins.otp_totp.models import TOTPDevice
from contactpoint.access import second_factors, services
services.add_organisation(code="URN:100001", name="Race Primary School", type="school",
                          authority=None, by="operator:test")
for username in ("racer.password", "racer.code"):
    user, _ = services.add_user(username=username, org_code="URN:100001",
                                role="practitioner", by="operator:test")
    user.set_password({password!r})
    user.must_change_password = False
    user.save()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
print(second_factors.totp_secret(device).replace(" ", ""))  # sealed at rest: base32, as an app
"""


def _env(data_dir, database=None, keystore=None):
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": str(data_dir), "CONTACTPOINT_WEB_WORKERS": "2"}
    for name in ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
                 "CONTACTPOINT_MASTER_KEY_FILE", "DJANGO_SETTINGS_MODULE",
                 "CONTACTPOINT_SIGNIN_MAX_FAILURES", "CONTACTPOINT_TRUSTED_PROXIES"):
        env.pop(name, None)
    if database:
        env["CONTACTPOINT_DATABASE_URL"], env["CONTACTPOINT_KEYSTORE_URL"] = database, keystore
    return env


@pytest.fixture(params=["sqlite", "postgres"])
def engine_env(request, tmp_path):
    if request.param == "sqlite":
        yield _env(tmp_path)
        return
    with scratch_postgres("cp_race") as (database, keys):
        yield _env(tmp_path, database, keys)


def _run(env, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@contextmanager
def _server(env, tmp_path):
    _run(env, "-m", "contactpoint.cli.main", "init")
    totp_key = _run(env, "-c", SET_UP.format(password=STRONG_PASSWORD)).split()[-1]
    port = _free_port()
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(  # our own interpreter and arguments
            [sys.executable, "-m", "contactpoint.cli.main", "serve", "--port", str(port)],
            env=env, stdout=log, stderr=log)
    try:
        _wait_for(port, time.monotonic() + DEADLINE_SECONDS)
        yield f"http://127.0.0.1:{port}", totp_key
    finally:
        server.terminate()
        server.wait(timeout=30)


def _form_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _all_at_once(posts) -> list[requests.Response]:  # type: ignore[no-untyped-def]
    """Send every prepared POST at the same moment, each on its own thread."""
    barrier = threading.Barrier(len(posts))
    answers: list[requests.Response | None] = [None] * len(posts)

    def send(i: int) -> None:
        barrier.wait()
        answers[i] = posts[i]()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(answer is not None for answer in answers), "a request got no answer"
    return answers  # type: ignore[return-value]


def _tally(answers: list[requests.Response], wrong_text: str) -> tuple[int, int]:
    checked = sum(a.status_code == 200 and wrong_text in a.text for a in answers)
    locked = sum(a.status_code == 429 for a in answers)
    assert checked + locked == len(answers), [a.status_code for a in answers]
    return checked, locked


def _password_post(url: str, username: str, password: str):  # type: ignore[no-untyped-def]
    session = requests.Session()
    token = _form_token(session, f"{url}/sign-in/")
    return session, lambda: session.post(
        f"{url}/sign-in/", data={"username": username, "password": password,
                                 "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/sign-in/"}, allow_redirects=False, timeout=120)


def test_concurrent_guesses_get_no_more_checks_than_the_limit(engine_env, tmp_path):
    with _server(engine_env, tmp_path) as (url, totp_key):
        # No proxy is trusted: gunicorn and the app both ignore a client's claim of HTTPS.
        claim = requests.get(f"{url}/", headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert "Strict-Transport-Security" not in claim.headers

        # Passwords: 15 wrong ones at once, then the right one.
        posts = [_password_post(url, "racer.password", f"wrong-guess-{i:02d}")[1]
                 for i in range(GUESSES)]
        checked, locked = _tally(_all_at_once(posts), WRONG_PASSWORD)
        assert checked == LIMIT, f"{checked} wrong passwords were checked"
        assert locked == GUESSES - LIMIT
        _, right = _password_post(url, "racer.password", STRONG_PASSWORD)
        assert right().status_code == 429, "the right password after the limit is refused"

        # Codes: 15 sessions past the password, wrong codes at once, then the right one.
        code_posts = []
        for _ in range(GUESSES):
            session, password = _password_post(url, "racer.code", STRONG_PASSWORD)
            assert password().headers["Location"] == "/sign-in/second-factor/"
            token = _form_token(session, f"{url}/sign-in/second-factor/")
            code_posts.append((session, token))

        def code_post(session, token, code):  # type: ignore[no-untyped-def]
            return lambda: session.post(
                f"{url}/sign-in/second-factor/",
                data={"code": code, "csrfmiddlewaretoken": token},
                headers={"Referer": f"{url}/sign-in/second-factor/"},
                allow_redirects=False, timeout=120)

        right_code = pyotp.TOTP(totp_key).now()
        wrong_code = f"{(int(right_code) + 500000) % 1000000:06d}"
        checked, locked = _tally(_all_at_once(
            [code_post(s, t, wrong_code) for s, t in code_posts[:-1]]), WRONG_CODE)
        assert checked == LIMIT, f"{checked} wrong codes were checked"
        assert locked == GUESSES - 1 - LIMIT
        session, token = code_posts[-1]
        answer = code_post(session, token, right_code)()
        assert answer.status_code == 429, "the right code after the limit is refused"

