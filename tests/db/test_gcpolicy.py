"""Loads collect garbage rarely, and put the collector back as it was however they end."""

import gc

import pytest

from contactpoint.db.gcpolicy import LOADING_THRESHOLDS, rare_collections


def test_collections_are_rare_inside_and_as_before_after_even_on_error():
    before = gc.get_threshold()
    assert before != LOADING_THRESHOLDS
    with rare_collections():
        assert gc.get_threshold() == LOADING_THRESHOLDS
        assert gc.isenabled()  # rarer, never off: a cycle is still collected
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), rare_collections():
        raise RuntimeError("the load failed")
    assert gc.get_threshold() == before


def test_overlapping_loads_put_the_collector_back_only_when_the_last_ends():
    """Two feed loads over the API in two of the server's threads: the one that started
    second must not put back the first's loading thresholds when it ends."""
    before = gc.get_threshold()
    first, second = rare_collections(), rare_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == LOADING_THRESHOLDS  # the second load still runs
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
