import math

from contactpoint.matching.decide import (
    NEVER,
    CandidateRecord,
    Thresholds,
    decide,
    score_children,
)
from contactpoint.matching.model import default_model
from contactpoint.matching.profile import profile

MODEL = default_model()
MODEL.prior = 0.3
THRESHOLDS = Thresholds(link=20, review=8, margin=6)


def child(given, *, source="school_census", dob="2014-03-09", family="Okafor", sex="female",
          nhs=None, postcode="LS1 4AP"):
    return profile({"given_names": given, "family_name": family, "date_of_birth": dob,
                    "gender": sex, "address": {"postcode": postcode},
                    "identifiers": {"nhs_number": nhs},
                    "carers": [{"given_names": "Ngozi", "family_name": family}]}, source)


def run(incoming, held, sources_held=None):
    candidates = [CandidateRecord(i, child_id, p) for i, (child_id, p) in enumerate(held)]
    scored = score_children(MODEL, incoming, candidates, sources_held or {})
    return decide(scored, THRESHOLDS)


def test_the_same_child_from_another_source_links():
    decision = run(child("Chioma", source="nhs_demographics"), [(1, child("Chioma"))])
    assert decision.state == "auto"
    assert decision.child == 1
    assert decision.score >= THRESHOLDS.link
    assert {c.comparison for c in decision.candidates[0].explanation} >= {
        "given_name", "family_name", "date_of_birth", "household"}


def test_twins_are_never_one_child():
    decision = run(child("Adaeze", source="nhs_demographics"), [(1, child("Chioma"))])
    assert decision.state == "new"
    assert decision.candidates[0].score == NEVER
    assert "twins" in decision.candidates[0].capped


def test_look_alike_twins_in_the_index_need_a_person_unless_one_is_clearly_better():
    held = [(1, child("Jayden", sex="male")), (2, child("Jaden", sex="male"))]
    exact = run(child("Jaden", source="nhs_demographics", sex="male"), held)
    # The exact name ranks first, but not by the margin: a person decides.
    assert [s.child for s in exact.candidates] == [2, 1]
    assert (exact.state, exact.child) == ("review", 2)
    assert "close matches" in exact.reason()
    clearer = decide(score_children(MODEL, child("Jaden", source="nhs_demographics", sex="male"),
                                    [CandidateRecord(0, 1, held[0][1]),
                                     CandidateRecord(1, 2, held[1][1])], {}),
                     Thresholds(link=20, review=8, margin=5))
    assert (clearer.state, clearer.child) == ("auto", 2)
    typo = run(child("Jaydn", source="nhs_demographics", sex="male"), held)
    assert typo.state == "review"


def test_different_nhs_numbers_are_never_one_child():
    decision = run(child("Chioma", source="nhs_demographics", nhs="9434765919"),
                   [(1, child("Chioma", nhs="9434765870"))])
    assert decision.state == "new"
    assert decision.candidates[0].score == -math.inf


def test_a_second_record_from_the_same_source_goes_to_review():
    decision = run(child("Chioma"), [(1, child("Chioma"))], {1: {"school_census"}})
    assert decision.state == "review"
    assert "already has another record" in decision.reason()


def test_a_different_recorded_sex_goes_to_review():
    decision = run(child("Chioma", source="nhs_demographics", sex="male"),
                   [(1, child("Chioma"))])
    assert decision.state == "review"


def test_a_stranger_makes_a_new_child():
    decision = run(child("Wei", family="Zhang", dob="2010-01-01", postcode="M1 1AE"),
                   [(1, child("Chioma"))])
    assert decision.state == "new"
