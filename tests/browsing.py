"""Fixtures for tests in a real browser: Playwright driving Debian's Chromium.

    pytestmark = [..., pytest.mark.usefixtures("system_keys_back")]
    def test_journey(live_server, chromium): page = chromium.new_page() ...
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connections

from contactpoint.crypto.keystore import get_keystore, reset_keystore

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def system_keys_back(django_db_setup, django_db_blocker):
    """A live-server test empties every table when it ends, the key store's too: put the
    system keys (blind index, second factors, sessions) back before each test, which
    signs in and so needs them, and after it, for the tests that follow."""
    def put_back() -> None:
        with django_db_blocker.unblock():
            reset_keystore()
            get_keystore().ensure_system_keys()

    put_back()
    yield
    put_back()


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium for one test."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: `make test` installs it "
                    "(apt-get install chromium); without apt, install it by hand")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    # Playwright's sync API keeps an event loop in this thread; the test's own database
    # reads are ordinary synchronous code between calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()
        # Inside Playwright's loop Django's connections are per asyncio context: close the
        # ones this test opened, or PostgreSQL cannot drop the test database at the end.
        connections.close_all()
