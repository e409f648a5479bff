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
