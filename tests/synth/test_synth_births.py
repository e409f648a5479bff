"""reference/births.csv: who the twins and triplets are, so matching can be scored on them."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

from synth_population import Population

from contactpoint.synth.generator import BIRTHS_FILE, REFERENCE_FOLDER


def _births(population: Population) -> list[dict[str, str]]:
    with (population.folder / REFERENCE_FOLDER / BIRTHS_FILE).open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["person_id", "birth_id", "children_in_birth"]
        return list(reader)


def test_births_list_every_twin_and_triplet_and_no_one_else(population: Population):
    rows = _births(population)
    listed = [row["person_id"] for row in rows]
    assert len(listed) == len(set(listed))
    multiple = {pid for pid, child in population.children.items() if child.multiple > 1}
    assert set(listed) == multiple
    assert population.summary.reference[BIRTHS_FILE] == len(rows)


def test_children_of_one_birth_share_a_birth_id_and_nothing_else_does(population: Population):
    members: dict[str, list[str]] = defaultdict(list)
    for row in _births(population):
        members[row["birth_id"]].append(row["person_id"])
        assert int(row["children_in_birth"]) == population.children[row["person_id"]].multiple
    for birth_id, person_ids in members.items():
        children = [population.children[pid] for pid in person_ids]
        assert len(children) == children[0].multiple, birth_id
        assert len({id(child.household) for child in children}) == 1
        assert len({child.date_of_birth for child in children}) == 1
    # The other way round: two children of one household born the same day are one birth.
    by_birthday = defaultdict(set)
    for row in _births(population):
        child = population.children[row["person_id"]]
        by_birthday[(id(child.household), child.date_of_birth)].add(row["birth_id"])
    assert all(len(ids) == 1 for ids in by_birthday.values())


def test_birth_counts_match_the_summary(population: Population):
    sizes = Counter(Counter(row["birth_id"] for row in _births(population)).values())
    assert sizes[2] == population.summary.twin_sets > 0
    assert sizes[3] == population.summary.triplet_sets
    assert set(sizes) <= {2, 3}


def test_person_ids_are_those_of_the_truth(population: Population):
    in_truth = set(population.truth.values())
    seen = [row["person_id"] for row in _births(population) if row["person_id"] in in_truth]
    assert len(seen) > 0.95 * len(_births(population))  # a newborn may be in no feed yet
