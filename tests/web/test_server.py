"""`contactpoint serve` keeps an idle connection open longer than HTTP clients reuse one.

With gunicorn's default (2 s) a client that waited a few seconds before its next request
on a kept-alive connection found it closed and got no answer at all; httpx keeps idle
connections 5 s, aiohttp 15 s. This starts the real server and idles past both.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from waiting import wait_for

pytestmark = pytest.mark.slow


def _env(data_dir) -> dict[str, str]:
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": str(data_dir)}
    for name in ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
                 "CONTACTPOINT_MASTER_KEY_FILE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    env = _env(tmp_path / "data")
    subprocess.run([sys.executable, "-m", "contactpoint.cli.main", "init"], env=env,
                   check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "contactpoint.cli.main", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _listening(port), "the server listening",
                 unless=lambda: process.poll() is not None)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _get(conn: http.client.HTTPConnection, path: str) -> http.client.HTTPResponse:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response


def test_an_idle_kept_alive_connection_still_answers(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    first = _get(conn, "/")
    assert first.status == 200
    assert first.getheader("Connection", "").lower() != "close"
    sock = conn.sock
    time.sleep(6)  # longer than gunicorn's default keep-alive (2 s) and httpx's (5 s)
    again = _get(conn, "/api/v1/openapi.json")
    assert again.status == 200
    assert conn.sock is sock  # the same connection answered, not a new one
    conn.close()
