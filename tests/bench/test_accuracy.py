"""Pairwise accuracy: small hand-made files whose figures are worked out by hand below,
and a brute-force check that the n-choose-2 sums equal counting the pairs one by one."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from contactpoint.bench.accuracy import LinksFileError, evaluate

TRUTH = """source,source_id,person_id
a,1,P1
b,1,P1
c,1,P1
a,2,P2
b,2,P2
a,3,P3
a,4,P4
b,3,P3
a,5,P5
b,5,P5
a,6,P6
"""

# P1 split over C1 and C2; P2 joined in C3, one record waiting for review; twins P3 and
# P4 merged in C4, P3's other record in review on its own; b,5 rejected (not listed);
# P6 alone in review; x,9 is not in the truth.
LINKS = """source,source_id,contactpoint_id,state
a,1,C1,new
b,1,C1,auto
c,1,C2,new
a,2,C3,new
b,2,C3,review
a,3,C4,new
a,4,C4,auto
b,3,C5,review
a,5,C6,new
a,6,C8,review
x,9,C7,new
"""

BIRTHS = """person_id,birth_id,children_in_birth
P3,B00000003,2
P4,B00000003,2
P9,B00000009,2
P10,B00000009,2
"""


def _write(tmp_path, **files):
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text)
    return paths


@pytest.fixture
def report(tmp_path):
    paths = _write(tmp_path, links=LINKS, truth=TRUTH, births=BIRTHS)
    return evaluate(paths["links"], paths["truth"], paths["births"])


def test_records_are_counted_and_the_unusable_left_out(report):
    assert report.records_in_truth == 11
    assert report.records_rejected == 1  # b,5
    assert report.records_unknown == 1  # x,9
    assert report.records_scored == 10
    assert report.persons == 6
    assert report.children == 7  # C1-C6 and C8; C7 holds only the unknown record
    assert report.states == {"auto": 2, "manual": 0, "review": 3, "new": 5}


def test_pairwise_precision_and_recall_of_all_links(report):
    # true pairs: P1 3, P2 1, P3 1; predicted: C1, C3, C4 one each; correct: C1, C3.
    assert (report.true_pairs, report.predicted_pairs, report.correct_pairs) == (5, 3, 2)
    assert report.precision == pytest.approx(2 / 3)
    assert report.recall == pytest.approx(2 / 5)
    assert report.f1 == pytest.approx(0.5)


def test_automatic_links_leave_out_pairs_with_a_record_in_review(report):
    # C1 (a1, b1) right, C4 (a3, a4) wrong; C3's pair has b2 in review.
    assert (report.automatic_pairs, report.correct_automatic_pairs) == (2, 1)
    assert report.automatic_precision == pytest.approx(0.5)


def test_review_records_count_as_found_when_their_partner_exists(report):
    # Found: (a1,b1) linked, (a2,b2) linked, (a3,b3) b3 in review; missed (a1,c1), (b1,c1).
    assert report.found_with_review_pairs == 3
    assert report.recall_with_review == pytest.approx(3 / 5)
    assert report.review_records == 3
    assert report.review_true_matches == 2  # b2 and b3; P6 has no other record
    assert report.review_share == pytest.approx(3 / 10)


def test_wrong_merges_twins_and_missed_matches(report):
    assert report.wrongly_merged_children == 1  # C4
    assert report.twins_merged == 1  # C4 holds both children of birth B00000003
    assert report.multiple_birth_children == 2  # P9 and P10 have no record here
    assert report.missed_matches == 2  # P1 over C1 and C2, P3 over C4 and C5


def test_a_wrong_merge_of_other_children_is_not_a_twin_merge(tmp_path):
    links = LINKS.replace("a,4,C4,auto", "a,4,C9,new").replace("a,5,C6,new", "a,5,C9,auto")
    paths = _write(tmp_path, links=links, truth=TRUTH, births=BIRTHS)
    report = evaluate(paths["links"], paths["truth"], paths["births"])
    assert report.wrongly_merged_children == 1  # C9: P4 and P5
    assert report.twins_merged == 0
    assert report.predicted_pairs == 3  # C1, C3, C9


def test_without_births_twins_are_not_counted(tmp_path):
    paths = _write(tmp_path, links=LINKS, truth=TRUTH)
    report = evaluate(paths["links"], paths["truth"], None)
    assert report.twins_merged is None
    assert report.multiple_birth_children is None
    assert report.correct_pairs == 2


def test_perfect_links_score_one(tmp_path):
    lines = TRUTH.splitlines()[1:]
    links = "source,source_id,contactpoint_id,state\n" + "".join(
        f"{s},{i},C{p},{'new' if n == 0 else 'auto'}\n"
        for n, (s, i, p) in enumerate(line.split(",") for line in lines))
    paths = _write(tmp_path, links=links, truth=TRUTH, births=BIRTHS)
    report = evaluate(paths["links"], paths["truth"], paths["births"])
    assert report.precision == report.recall == report.automatic_precision == 1.0
    assert report.wrongly_merged_children == report.twins_merged == report.missed_matches == 0


def test_no_links_at_all_has_no_precision_and_no_recall(tmp_path):
    paths = _write(tmp_path, links="source,source_id,contactpoint_id,state\n", truth=TRUTH)
    report = evaluate(paths["links"], paths["truth"])
    assert report.records_rejected == report.records_in_truth == 11
    assert report.precision is None
    assert report.recall is None
    assert report.f1 is None


@pytest.mark.parametrize(("links", "message"), [
    ("source,source_id,child,state\n", "header"),
    ("source,source_id,contactpoint_id,state\na,1,C1,maybe\n", "state"),
    ("source,source_id,contactpoint_id,state\na,1,C1,new\na,1,C2,new\n", "twice"),
    ("source,source_id,contactpoint_id,state\na,1,C1\n", "fields"),
])
def test_malformed_links_are_refused(tmp_path, links, message):
    paths = _write(tmp_path, links=links, truth=TRUTH)
    with pytest.raises(LinksFileError, match=message):
        evaluate(paths["links"], paths["truth"])


@pytest.mark.parametrize("seed", range(5))
def test_group_sums_equal_counting_every_pair(tmp_path, seed):
    rng = random.Random(seed)
    records = [(rng.choice("abc"), str(i), f"P{rng.randrange(40)}") for i in range(150)]
    links = {}
    for source, source_id, person in records:
        if rng.random() < 0.05:
            continue  # rejected
        child = f"C{person[1:]}" if rng.random() < 0.7 else f"C{rng.randrange(60)}"
        links[(source, source_id)] = (child, rng.choice(["auto", "new", "review", "manual"]))
    births = {f"P{n}": f"B{n // 2}" for n in range(20)}
    paths = _write(
        tmp_path,
        truth="source,source_id,person_id\n" + "".join(",".join(r) + "\n" for r in records),
        links="source,source_id,contactpoint_id,state\n" + "".join(
            f"{s},{i},{c},{st}\n" for (s, i), (c, st) in links.items()),
        births="person_id,birth_id,children_in_birth\n" + "".join(
            f"{p},{b},2\n" for p, b in births.items()),
    )
    report = evaluate(paths["links"], paths["truth"], paths["births"])

    scored = [(key, person, *links[key]) for *key_parts, person in records
              if (key := tuple(key_parts)) in links]
    true = predicted = correct = automatic = correct_automatic = found = 0
    for (_, p1, c1, s1), (_, p2, c2, s2) in combinations(scored, 2):
        same_person, same_child = p1 == p2, c1 == c2
        true += same_person
        predicted += same_child
        correct += same_person and same_child
        both_automatic = same_child and {s1, s2} <= {"auto", "new"}
        automatic += both_automatic
        correct_automatic += both_automatic and same_person
        found += same_person and (same_child or "review" in (s1, s2))
    assert (report.true_pairs, report.predicted_pairs, report.correct_pairs) == (
        true, predicted, correct)
    assert (report.automatic_pairs, report.correct_automatic_pairs) == (
        automatic, correct_automatic)
    assert report.found_with_review_pairs == found
    persons_of: dict[str, set] = {}
    children_of: dict[str, set] = {}
    for _, person, child, _ in scored:
        persons_of.setdefault(child, set()).add(person)
        children_of.setdefault(person, set()).add(child)
    assert report.wrongly_merged_children == sum(len(p) > 1 for p in persons_of.values())
    assert report.missed_matches == sum(len(c) > 1 for c in children_of.values())
    assert report.twins_merged == sum(
        any(births.get(a) is not None and births.get(a) == births.get(b)
            for a, b in combinations(sorted(persons), 2))
        for persons in persons_of.values())
