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
#: Given names in use (a trained model learns them from the feeds).
MODEL.term_frequencies = {f"given_name:{name}": 0.001 for name in (
    "jayden", "jaden", "chioma", "adaeze", "louis", "louise", "harry", "henry", "fatima",
    "aisha", "ayesha", "zayn")}
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


def test_look_alike_twins_in_the_index_need_a_person_even_when_one_name_is_exact():
    held = [(1, child("Jayden", sex="male")), (2, child("Jaden", sex="male"))]
    incoming = child("Jaden", source="nhs_demographics", sex="male")

    def scored():
        return score_children(MODEL, incoming, [CandidateRecord(0, 1, held[0][1]),
                                                CandidateRecord(1, 2, held[1][1])], {})

    assert [s.child for s in scored()] == [2, 1]
    gap = scored()[0].score - scored()[1].score
    # The exact name ranks first, but not by the margin: a person decides.
    close = decide(scored(), Thresholds(link=20, review=8, margin=gap + 1))
    assert (close.state, close.child) == ("review", 2)
    assert "close matches" in close.reason()
    # Clear by the margin, still a person: Jayden is Jaden's twin with a name alike, and
    # twins' records carry each other's spelling.
    clearer = decide(scored(), Thresholds(link=20, review=8, margin=gap - 1))
    assert (clearer.state, clearer.child) == ("review", 2)
    assert "names alike both match" in clearer.reason()
    typo = run(child("Jaydn", source="nhs_demographics", sex="male"), held)
    assert typo.state == "review"


def test_a_twin_whose_record_carries_the_other_twins_spelling_is_not_linked_to_the_other():
    # Seed 1 of the 1,000,000-child feeds: twins Aisha Leigh and Ayesha Wright. Aisha's
    # school record says "Ayesha Leigh Wright"; it scored clearly best against Ayesha's
    # child (the first name exact) and was linked there, merging the twins.
    aisha = (1, child("Aisha Leigh", source="nhs_demographics", nhs="4097763946"))
    ayesha = (2, child("Ayesha", source="nhs_demographics", nhs="4023591416"))
    mixed = child("Ayesha Leigh", source="school_census")
    decision = run(mixed, [aisha, ayesha])
    assert decision.state == "review"
    assert {c.child for c in decision.candidates} == {1, 2}
    # An identifier that agrees settles it: the same NHS number is the same child.
    same = run(child("Ayesha", source="social_care", nhs="4023591416"), [aisha, ayesha])
    assert (same.state, same.child) == ("auto", 2)
    # With no twin in the running the same record links as before.
    alone = run(child("Ayesha", source="school_census"), [ayesha])
    assert (alone.state, alone.child) == ("auto", 2)


def test_a_rare_spelling_of_a_name_in_use_is_a_name_not_a_typo():
    # Seed 1 of the 1,000,000-child feeds: twins Zain Wei and Zayn Fung. Child Benefit
    # spelt Zain "ZAYN WEI" and Zayn "ZANE". "Zane" is rare in the feeds (not in the
    # model's names in use), so Zayn's child did not count as a twin of Zayn's NHS
    # record, which linked to Zain's child on the exact first name.
    assert "zane" not in {k.partition(":")[2] for k in MODEL.term_frequencies}
    zain = (1, child("Zayn Wei", source="child_benefit", family="Fung", sex="male"))
    zayn = (2, child("Zane", source="child_benefit", family="Fung", sex="male"))
    decision = run(child("Zayn", source="nhs_demographics", family="Fung", sex="male"),
                   [zain, zayn])
    assert decision.state == "review"
    assert "names alike both match" in decision.reason()
    # Zane, in the table of spellings, is a name in use against Zayn: twins, or one
    # child's name spelt two ways; a typo of it is not.
    alike = run(child("Zane", source="nhs_demographics", family="Fung", sex="male"),
                [(1, child("Zayn", family="Fung", sex="male"))])
    assert "twins, or one child's name spelt two ways" in alike.reason()
    typo = run(child("Zaynn", source="nhs_demographics", family="Fung", sex="male"),
               [(1, child("Zayn", family="Fung", sex="male"))])
    assert (typo.state, typo.child) == ("auto", 1)


def test_a_look_alike_name_of_one_birth_is_a_typo_or_a_twin():
    # Both names in use: twins given names alike, or one child's name spelt two ways.
    alike = run(child("Jaden", source="nhs_demographics", sex="male"),
                [(1, child("Jayden", sex="male"))])
    assert alike.state == "review"
    assert "twins, or one child's name spelt two ways" in alike.reason()
    # A name nobody else is given is a slip of the keyboard: the same child.
    typo = run(child("Chiomq", source="nhs_demographics"), [(1, child("Chioma"))])
    assert (typo.state, typo.child) == ("auto", 1)


def test_a_boy_and_a_girl_of_one_birth_with_names_alike_are_twins():
    decision = run(child("Louise", source="nhs_demographics"),
                   [(1, child("Louis", sex="male"))])
    assert decision.state == "new"
    assert decision.candidates[0].score == NEVER


def test_a_nickname_with_a_different_second_name_is_a_brother():
    decision = run(child("Harry Robert", source="nhs_demographics", sex="male"),
                   [(1, child("Henry Stephen", sex="male"))])
    assert decision.state == "new"
    assert "twins" in decision.candidates[0].capped


def test_same_named_siblings_born_years_apart_are_two_children():
    older = child("Fatima", dob="2010-02-25")
    decision = run(child("Fatima", source="nhs_demographics", dob="2017-01-29"), [(1, older)])
    assert decision.state == "new"
    assert "different dates of birth" in decision.candidates[0].capped
    # One identifier outweighs it: a child has one UPN, whatever the dates say.
    with_upn = {"given_names": "Fatima", "family_name": "Okafor", "gender": "female",
                "address": {"postcode": "LS1 4AP"}, "identifiers": {"upn": "A123456789012"}}
    a = profile(with_upn | {"date_of_birth": "2010-02-25"}, "school_census")
    b = profile(with_upn | {"date_of_birth": "2017-01-29"}, "social_care")
    assert run(b, [(1, a)]).candidates[0].score > NEVER


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


def test_look_alike_twins_under_different_surnames_need_a_person():
    # One birth, one home, one carer, names alike and both in use; each twin registered
    # under another parent's surname. Nothing else competes: still a person decides.
    def twin(given, family, source):
        return profile({"given_names": given, "family_name": family,
                        "date_of_birth": "2014-03-09", "gender": "male",
                        "address": {"postcode": "LS1 4AP"}, "identifiers": {},
                        "carers": [{"given_names": "Ngozi", "family_name": "Salami"}]},
                       source)

    held = [(1, twin("Jayden", "Salami", "child_benefit"))]
    same = run(twin("Jayden", "Oluwadamilola", "nhs_demographics"), held)
    assert (same.state, same.child) == ("auto", 1)  # the same given name: a surname changed
    decision = run(twin("Jaden", "Oluwadamilola", "nhs_demographics"), held)
    assert decision.state == "review"
    assert "twins" in decision.candidates[0].capped


def test_twins_named_as_a_nickname_of_each_other_need_a_person():
    # Henry and Harry Charles Briggs, one birth, one home (seed 1 of the 100,000-child
    # feeds): Harry is a short form of Henry, but both are names children are given.
    decision = run(child("Henry", source="nhs_demographics", sex="male"),
                   [(1, child("Harry Charles", sex="male"))])
    assert decision.state == "review"
    assert "twins, or one child's name spelt two ways" in decision.reason()
    # A short form not in the table of names children are given: the same child.
    short = run(child("Will", source="nhs_demographics", sex="male"),
                [(1, child("William James", sex="male"))])
    assert (short.state, short.child) == ("auto", 1)
    assert short.candidates[0].explanation[0].level == "nickname, short form or other given name"


def test_a_twin_with_a_mistyped_date_of_birth_goes_to_a_person():
    # Dexter's record has his day and month swapped; his twin Ryan's record arrives.
    decision = run(child("Ryan", source="nhs_demographics", dob="2014-03-09", sex="male"),
                   [(1, child("Dexter", dob="2014-09-03", sex="male"))])
    assert decision.state == "review"
    assert "twins with one date of birth mistyped" in decision.reason()


def test_a_twins_record_rules_out_the_whole_child():
    # The child holds Nimco's record with the date swapped and her exact one; her twin
    # Fadumo's record must not link through the swapped one.
    held = [(1, child("Nimco", dob="2014-09-03")), (1, child("Nimco"))]
    decision = run(child("Fadumo", source="nhs_demographics"), held)
    assert decision.state == "new"
    assert decision.candidates[0].score == NEVER
    assert "twins" in decision.candidates[0].capped
    # Unless an identifier says it is the child after all.
    a = profile({"given_names": "Nimco", "family_name": "Okafor", "date_of_birth": "2014-03-09",
                 "gender": "female", "identifiers": {"upn": "A123456789012"}}, "school_census")
    b = profile({"given_names": "Fadumo", "family_name": "Okafor",
                 "date_of_birth": "2014-03-09", "gender": "female",
                 "identifiers": {"upn": "A123456789012"}}, "social_care")
    assert run(b, [*held, (1, a)]).candidates[0].score > NEVER
