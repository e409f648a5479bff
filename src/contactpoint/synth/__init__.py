"""Synthetic population: source feeds about made-up children, for testing and demos.

``generate`` writes one JSON Lines file per source system (school census, NHS
demographics, Child Benefit, councils' social care, early years), a ``truth.csv``
saying which rows are the same child, and reference data about places and
organisations. Nothing in it is about a real person. Pure Python: no Django here.
"""

from contactpoint.synth.generator import GenerationSummary, generate
from contactpoint.synth.habits import SOURCES

__all__ = ["SOURCES", "GenerationSummary", "generate"]
