"""The shipped model, and the matcher's symmetry and monotonicity under it."""

import dataclasses
import json
from datetime import date
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactpoint.matching.compare import COMPARISONS, observe
from contactpoint.matching.decide import NEVER, score_pair
from contactpoint.matching.model import DEFAULT_MODEL_FILE, MatchModel, load_default_model
from contactpoint.matching.profile import profile
from contactpoint.matching.shipped import SEED, model_json

MODEL = load_default_model()


def test_the_shipped_model_loads_and_has_the_codes_comparisons():
    doc = json.loads(files("contactpoint.matching").joinpath(DEFAULT_MODEL_FILE).read_text())
    assert [c["name"] for c in doc["comparisons"]] == [c.name for c in COMPARISONS]
    for comparison, levels in zip(COMPARISONS, MODEL.m, strict=True):
        assert len(levels) == len(comparison.levels)
    assert model_json(MODEL) == model_json(MatchModel.from_json(doc))


def test_a_model_with_other_levels_is_refused():
    doc = MODEL.as_json()
    doc["comparisons"][0]["levels"].pop()
    with pytest.raises(ValueError, match="retrain"):
        MatchModel.from_json(doc)


def test_the_shipped_model_is_not_trained_on_an_evaluation_seed():
    assert SEED not in (1, 7)


def test_the_shipped_model_knows_the_given_names_in_use():
    assert MODEL.established_given_name("oliver")
    assert not MODEL.established_given_name("olivre")


def test_agreeing_exactly_weighs_most_in_every_comparison():
    for i, comparison in enumerate(COMPARISONS):
        if comparison.name == "names_swapped":
            continue
        weights = [MODEL.level_weight(i, j) for j in range(len(comparison.levels))]
        assert weights[0] == max(weights), comparison.name
        assert weights[-1] < 0, comparison.name


names = st.sampled_from(["Amelia", "Amy", "Millie", "Jayden", "Jaden", "Zhang", "Wei",
                         "Muhammad Ali", "Muhammad Hassan", "Mohammed", "Harry", "Henry",
                         "Louis", "Louise", "Smith", "Smith-Jones", "O'Neill", "Łukasz"])
dates = st.dates(min_value=date(2008, 1, 1), max_value=date(2026, 1, 1)).map(
    lambda d: d.isoformat())
postcodes = st.sampled_from([None, "LS1 4AP", "LS1 4AQ", "LS2 1AA", "M1 1AE"])
sexes = st.sampled_from(["female", "male", None])
nhs = st.sampled_from([None, "9434765919", "9434765870"])
records = st.builds(
    lambda g, f, d, pc, s, n: profile({
        "given_names": g, "family_name": f, "date_of_birth": d, "gender": s,
        "address": {"postcode": pc} if pc else None, "identifiers": {"nhs_number": n},
        "carers": [{"given_names": "Sarah", "family_name": f}]}),
    names, names, dates, postcodes, sexes, nhs)


@given(records, records)
def test_a_pair_scores_the_same_either_way_round(a, b):
    score_ab, capped_ab, _ = score_pair(MODEL, a, b)
    score_ba, capped_ba, _ = score_pair(MODEL, b, a)
    assert score_ab == pytest.approx(score_ba) or score_ab == score_ba == NEVER
    assert capped_ab == capped_ba


@given(records, records, st.sampled_from(["dob", "postcode", "sex", "nhs", "carers"]))
def test_agreeing_on_one_more_field_never_lowers_the_weight(a, b, field):
    # Names are left out: making one name agree can undo a swap of given and family name,
    # which weighs more than the one name.
    closer = dataclasses.replace(b, **{field: getattr(a, field)})
    assert MODEL.score(observe(a, closer)) >= MODEL.score(observe(a, b)) - 1e-9
