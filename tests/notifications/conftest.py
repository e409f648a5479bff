from __future__ import annotations

import pytest

from notification_world import Scene, make_scene


@pytest.fixture
def scene(tmp_path, keystore) -> Scene:
    return make_scene(tmp_path)
