"""Populations shared by the synth tests: generated once per session (a few seconds)."""

from __future__ import annotations

import pytest
from synth_population import SEED, TODAY, Population, load_population

from contactpoint.synth import generate


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Population:
    """20,000 children: enough to measure mistake rates to a fraction of a percent."""
    folder = tmp_path_factory.mktemp("synth20k")
    summary = generate(20_000, SEED, folder, today=TODAY, workers=2)
    return load_population(folder, summary, SEED)
