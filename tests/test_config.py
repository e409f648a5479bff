"""Settings read from the environment: defaults and refusals."""

import pytest

from contactpoint.config import DEFAULT_API_MAX_FEED_BYTES, ConfigError, load


def test_the_feed_size_cap_has_a_default_and_can_be_set():
    assert load({}).api_max_feed_bytes == DEFAULT_API_MAX_FEED_BYTES == 10 * 1024 * 1024
    assert load({"CONTACTPOINT_API_MAX_FEED_BYTES": "2048"}).api_max_feed_bytes == 2048


@pytest.mark.parametrize("bad", ["0", "-1", "ten", "1.5", "1e6", "²"])
def test_a_feed_size_cap_that_is_not_a_positive_whole_number_is_refused(bad):
    with pytest.raises(ConfigError, match="CONTACTPOINT_API_MAX_FEED_BYTES"):
        load({"CONTACTPOINT_API_MAX_FEED_BYTES": bad})
