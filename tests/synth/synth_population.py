"""A generated population read back, with the truth about every child beside it."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from datetime import date

import orjson

from contactpoint.synth import SOURCES, GenerationSummary
from contactpoint.synth.generator import chunk_sizes
from contactpoint.synth.people import Child
from contactpoint.synth.population import CHILDREN_PER_CHUNK, HouseholdBuilder
from contactpoint.synth.world import world_for

TODAY = date(2026, 3, 2)
SEED = 20260302


@dataclass
class Population:
    folder: pathlib.Path
    summary: GenerationSummary
    rows: dict[str, list[dict]]
    truth: dict[tuple[str, str], str]  # (source, source_id) -> person_id
    children: dict[str, Child]  # person_id -> the child as they really are

    def true_child(self, source: str, row: dict) -> Child:
        return self.children[self.truth[(source, row["source_id"])]]


def load_population(folder: pathlib.Path, summary: GenerationSummary, seed: int) -> Population:
    rows = {
        source: [
            orjson.loads(line) for line in (folder / f"{source}.jsonl").read_bytes().splitlines()
        ]
        for source in SOURCES
    }
    truth = {}
    for line in (folder / "truth.csv").read_text().splitlines()[1:]:
        source, source_id, person_id = line.split(",")
        truth[(source, source_id)] = person_id
    children = {}
    for index, size in enumerate(chunk_sizes(summary.children)):
        builder = HouseholdBuilder(world_for(seed), index, TODAY)
        for household in builder.build(size, index * CHILDREN_PER_CHUNK):
            for child in household.children:
                children[child.person_id] = child
    return Population(folder, summary, rows, truth, children)
