"""Which version of a record wins, and what a load counts: loading.placing.rules, no database."""

import itertools
import subprocess
import sys

import pytest

from contactpoint.loading.placing.rules import (
    NEW,
    REVIEW,
    SUPERSEDED,
    UNCHANGED,
    LoadSummary,
    newer,
    standing,
)

TIMES = (1, 2, 3)
DIGESTS = (b"a", b"b")
VERSIONS = list(itertools.product(TIMES, DIGESTS))


@pytest.mark.parametrize(("held", "incoming"), list(itertools.product(VERSIONS, VERSIONS)))
def test_a_later_version_wins_and_an_older_one_never_overwrites_a_newer(held, incoming):
    """CONTRACTS: a later recorded_at wins; an older one never overwrites a newer one.
    A tie in time goes to the greater digest, so the order rows arrive in cannot matter."""
    outcome = standing(held, incoming, recorded_at_sent=True)
    if incoming[0] > held[0] or (incoming[0] == held[0] and incoming[1] > held[1]):
        assert outcome is None
        assert newer(incoming, held)
    else:
        assert outcome in {UNCHANGED, SUPERSEDED}
    if incoming[0] < held[0]:
        assert outcome is not None


@pytest.mark.parametrize(("held", "incoming"), list(itertools.product(VERSIONS, VERSIONS)))
def test_the_same_content_again_is_unchanged_and_anything_else_that_loses_superseded(
        held, incoming):
    outcome = standing(held, incoming, recorded_at_sent=True)
    if incoming == held:
        assert outcome == UNCHANGED
    elif incoming[1] == held[1] and incoming[0] < held[0]:
        assert outcome == UNCHANGED  # the same content, an older stamp: nothing changes
    elif outcome is not None:
        assert outcome == SUPERSEDED


@pytest.mark.parametrize(("held", "incoming"), list(itertools.product(VERSIONS, VERSIONS)))
def test_a_row_without_recorded_at_changes_nothing_when_its_content_is_held(held, incoming):
    """A row sent without `recorded_at` is stamped with the load's time, always later:
    the same content again must still be no change."""
    outcome = standing(held, incoming, recorded_at_sent=False)
    if incoming[1] == held[1]:
        assert outcome == UNCHANGED
    else:
        assert outcome == standing(held, incoming, recorded_at_sent=True)


def test_newer_is_a_total_order():
    for a, b in itertools.product(VERSIONS, VERSIONS):
        assert newer(a, b) + newer(b, a) + (a == b) == 1


def test_the_summary_line_and_counts_keep_their_names():
    summary = LoadSummary(read=9, created=1, linked=2, updated=1, deleted=1, unchanged=1,
                          superseded=1, review=1, rejected=1, parts_rejected=3)
    assert summary.line() == (
        "read 9, created 1, linked 2, sent to review 1, rejected 1; updated 1, deleted 1, "
        "unchanged 1, superseded 1, parts rejected 3")
    assert summary.as_dict() == {
        "read": 9, "created": 1, "linked": 2, "updated": 1, "deleted": 1, "unchanged": 1,
        "superseded": 1, "review": 1, "rejected": 1, "parts_rejected": 3}
    assert summary.written == 6
    assert summary.since(LoadSummary(read=4, created=1).as_dict()) == LoadSummary(
        read=5, linked=2, updated=1, deleted=1, unchanged=1, superseded=1, review=1,
        rejected=1, parts_rejected=3)


@pytest.mark.parametrize(("state", "counted"), [(NEW, "created"), (REVIEW, "review"),
                                                ("auto", "linked")])
def test_each_placed_state_counts_once(state, counted):
    summary = LoadSummary()
    summary.count_placed(state)
    assert {k: v for k, v in summary.as_dict().items() if v} == {counted: 1}


def test_the_placing_core_imports_no_django():
    """Placing is plain Python: it runs without a database (the in-memory replay)."""
    code = ("import sys\n"
            "import contactpoint.loading.placing.memory, contactpoint.loading.placing.placer\n"
            "import contactpoint.loading.placing.rules, contactpoint.matching.linker\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
