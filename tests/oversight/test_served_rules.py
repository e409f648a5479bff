"""The web app runs the misuse rules by itself, under gunicorn with several workers,
and raises each alert once: failed sign-ins sent to the real server become one alert."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime

import orjson
import pytest
import requests

from waiting import wait_for

pytestmark = pytest.mark.slow


def _env(data_dir) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": str(data_dir),
           "CONTACTPOINT_WEB_WORKERS": "3"}
    for name in ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
                 "CONTACTPOINT_MASTER_KEY_FILE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def _cli(env: dict[str, str], *argv: str) -> str:
    return subprocess.run([sys.executable, "-m", "contactpoint.cli.main", *argv], env=env,
                          check=True, capture_output=True, text=True).stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _fail_sign_in(base: str, username: str) -> None:
    session = requests.Session()
    form = session.get(f"{base}/sign-in/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    answer = session.post(f"{base}/sign-in/", timeout=30, headers={"Referer": base},
                          data={"csrfmiddlewaretoken": token.group(1), "username": username,
                                "password": "not the password at all"})
    assert answer.status_code in (200, 429), answer.status_code


def test_served_workers_raise_one_alert(tmp_path):
    env = _env(tmp_path / "data")
    _cli(env, "init")
    _cli(env, "org", "add", "--code", "E08000035", "--name", "Leeds", "--type",
         "local_authority")
    for username in ("jo", "kim"):
        _cli(env, "user", "add", "--username", username, "--org", "E08000035", "--role",
             "practitioner")
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "contactpoint.cli.main", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _listening(port), "the server listening",
                 unless=lambda: server.poll() is not None)
        # The failures must fall in one clock hour (the rule counts by the hour).
        wait_for(lambda: datetime.now(UTC).minute < 57, "an hour with minutes to spare",
                 every=5.0)
        base = f"http://127.0.0.1:{port}"
        for _ in range(12):
            _fail_sign_in(base, "jo")

        def raised() -> list[str]:
            return sorted(str(a["user"]) for a in orjson.loads(_cli(env, "alerts", "list",
                                                                    "--json"))
                          if a["rule"] == "failed_sign_ins")

        wait_for(raised, "the workers raising the failed sign-ins alert",
                 unless=lambda: server.poll() is not None, every=1.0)
        # More failures on jo's account in the same hour (the same finding: no new
        # alert), then on kim's: once kim's alert is raised, the workers have read past
        # jo's again. From one address, they make a third alert (across usernames).
        for username in ["jo"] * 6 + ["kim"] * 12:
            _fail_sign_in(base, username)
        wait_for(lambda: len(raised()) == 3, "the workers raising kim's and the address's",
                 unless=lambda: server.poll() is not None, every=1.0)
        assert raised() == ["None", "jo", "kim"]  # None: the address, across usernames
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "IntegrityError" not in (tmp_path / "server.log").read_text()

