"""Tokens for API tests, issued through the real services."""

from __future__ import annotations

import pytest

from accounts import make_client, make_user
from contactpoint.access.tokens import create_token


@pytest.fixture
def census_token() -> str:
    """A token of the school census's API client (it may load `school_census` only)."""
    make_client("census-feed", "school_census")
    return create_token(client="census-feed")


@pytest.fixture
def user_token():
    def issue(role: str = "practitioner") -> str:
        return create_token(user=make_user(role).username)
    return issue
