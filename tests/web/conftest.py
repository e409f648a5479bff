"""Fixtures for the child and review pages: the world of tests/children_world.py."""

from __future__ import annotations

import pytest

from children_world import World, make_world, queue_a_pair


@pytest.fixture
def world(tmp_path, keystore) -> World:
    return make_world(tmp_path)


@pytest.fixture
def queued_pair(world, tmp_path):  # type: ignore[no-untyped-def]
    return queue_a_pair(tmp_path)
