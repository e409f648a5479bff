"""What each viewer sees of a record: the one set of rules every path uses."""

import pytest

from contactpoint.access.visibility import (
    NATIONAL_TEAM,
    SENSITIVE_NOTICE,
    SHIELDED_NOTICE,
    Broker,
    ChildFacts,
    Monitoring,
    Viewer,
    monitoring,
    monitors,
    sees_everything,
    visible_match,
    visible_record,
)

RECORD = {
    "name": {"given_names": "Amara", "family_name": "Okafor"},
    "preferred_name": None, "other_names": [], "former_family_names": ["Bello"],
    "date_of_birth": "2015-04-02", "gender": "female",
    "address": {"lines": ["3 Mill Lane"], "town": "Leeds", "postcode": "LS1 4AP"},
    "address_status": "current", "return_expected": None,
    "identifiers": {"nhs_number": ["9434765919"], "upn": ["A123456789012"]},
    "carers": [{"given_names": "Ngozi", "family_name": "Okafor", "phone": "0113 496 0000",
                "relationship": "mother", "parental_responsibility": True,
                "provenance": {"source": "nhs_demographics"}}],
    "services": [
        {"type": "school", "organisation": "Park Primary", "organisation_code": "URN:1",
         "phone": "0113 496 0001"},
        {"type": "camhs", "organisation": "Leeds CAMHS", "organisation_code": "ODS:RX1",
         "practitioner": "Dr Pat Jones", "phone": "0113 496 0002", "consent": "young_person",
         "provenance": {"source": "camhs_system"}},
    ],
    "provenance": {"name": {"source": "nhs_demographics"}, "identifiers": {}},
}
LEEDS, WAKEFIELD, KENT = 1, 2, 3
LEEDS_TEAM = Broker("Leeds City Council", "0300 555 0100", "mash@leeds.example")
KENT_TEAM = Broker("Kent County Council", "01622 496 000", "team@kent.example")
CHILD = ChildFacts("1234567890", False, "active", LEEDS, LEEDS_TEAM)
SHIELDED = ChildFacts("1234567890", True, "active", LEEDS, LEEDS_TEAM, LEEDS, LEEDS_TEAM)
#: Shielded by Leeds, then moved (by a feed) to a Kent address.
MOVED = ChildFacts("1234567890", True, "active", KENT, KENT_TEAM, LEEDS, LEEDS_TEAM)


def viewer(role="practitioner", org_type="school", code="URN:1", authority=LEEDS):
    return Viewer(role, code, org_type, authority)


def test_a_teacher_sees_who_to_call_but_not_the_sensitive_provider():
    shown = visible_record(RECORD, viewer(), CHILD)
    assert shown["address"]["postcode"] == "LS1 4AP"
    assert shown["carers"][0]["phone"] == "0113 496 0000"
    school, sensitive = shown["services"]
    assert school["phone"] == "0113 496 0001"
    assert sensitive == {"type": "sensitive", "sensitive": True, "notice": SENSITIVE_NOTICE,
                         "broker": "Leeds City Council", "lead_professional": False,
                         "broker_contact": {"name": "Leeds City Council",
                                            "phone": "0300 555 0100",
                                            "email": "mash@leeds.example"},
                         "caf": False}
    assert "CAMHS" not in str(shown)
    assert "camhs_system" not in str(shown)
    assert shown["identifiers"] == {"upn": ["A123456789012"]}  # schools issue UPNs


def test_identifiers_only_to_the_kind_of_body_that_issued_them():
    gp = visible_record(RECORD, viewer(org_type="gp_practice", code="ODS:B1"), CHILD)
    assert gp["identifiers"] == {"nhs_number": ["9434765919"]}
    police = visible_record(RECORD, viewer(org_type="police", code="P1"), CHILD)
    assert police["identifiers"] == {}


@pytest.mark.parametrize("who", [viewer(org_type="nhs_trust", code="ODS:RX1"),
                                 viewer("management_team", "local_authority", "E1"),
                                 viewer("national_admin", "national_partner", "NP", None)])
def test_the_provider_and_the_management_team_see_the_sensitive_service(who):
    shown = visible_record(RECORD, who, CHILD)
    assert shown["services"][1]["organisation"] == "Leeds CAMHS"


def test_a_shielded_record_shows_only_what_may_be_shown():
    shown = visible_record(RECORD, viewer(), SHIELDED)
    assert set(shown) == {"contactpoint_id", "status", "shielded", "name", "gender",
                          "date_of_birth", "carer", "notice", "contact", "contact_details",
                          "break_glass_available"}
    assert shown["carer"] == {"given_names": "Ngozi", "family_name": "Okafor"}
    assert shown["notice"] == SHIELDED_NOTICE
    for secret in ("LS1", "Mill Lane", "0113", "Park Primary", "9434765919", "Bello"):
        assert secret not in str(shown)
    assert shown["break_glass_available"] is False  # a teacher may not break the glass


def test_another_authoritys_team_does_not_see_a_shielded_child():
    shown = visible_record(RECORD, viewer("management_team", "local_authority", "E2",
                                          WAKEFIELD), SHIELDED)
    assert "address" not in shown


def test_break_glass_only_for_child_protection_and_only_when_asked():
    social_worker = viewer(org_type="social_care", code="SC1")
    assert "address" not in visible_record(RECORD, social_worker, SHIELDED)
    shown = visible_record(RECORD, social_worker, SHIELDED, break_glass=True)
    assert shown["address"]["postcode"] == "LS1 4AP"
    assert shown["break_glass"] is True
    teacher = visible_record(RECORD, viewer(), SHIELDED, break_glass=True)
    assert "address" not in teacher


def test_own_management_team_sees_everything_of_a_shielded_child():
    shown = visible_record(RECORD, viewer("management_team", "local_authority", "E1"),
                           SHIELDED)
    assert shown["address"]["postcode"] == "LS1 4AP"
    assert shown["break_glass"] is False


def test_a_search_result_is_the_same_for_everyone_and_shows_no_score():
    assert visible_match(RECORD, SHIELDED) == {
        "contactpoint_id": "1234567890", "name": RECORD["name"],
        "date_of_birth": "2015-04-02", "gender": "female", "shielded": True}


def test_a_moved_shielded_child_names_the_team_that_shielded_it_not_where_it_lives():
    shown = visible_record(RECORD, viewer(authority=None), MOVED)
    assert shown["contact"] == "Leeds City Council"
    assert shown["contact_details"] == {"name": "Leeds City Council", "phone": "0300 555 0100",
                                        "email": "mash@leeds.example"}
    assert "Kent" not in str(shown)
    assert "01622" not in str(shown)


def test_both_the_shielding_team_and_the_team_where_the_child_lives_see_everything():
    for authority, code in ((LEEDS, "E1"), (KENT, "E3")):
        shown = visible_record(RECORD, viewer("management_team", "local_authority", code,
                                              authority), MOVED)
        assert shown["address"]["postcode"] == "LS1 4AP"
    wakefield = viewer("management_team", "local_authority", "E2", WAKEFIELD)
    assert "address" not in visible_record(RECORD, wakefield, MOVED)
    # Once the shield is lifted, the team that set it has no more say than any other.
    lifted = ChildFacts("1234567890", False, "active", KENT, KENT_TEAM, LEEDS, LEEDS_TEAM)
    assert not sees_everything(viewer("management_team", "local_authority", "E1"), lifted)


def test_a_record_shielded_by_the_national_team_names_the_national_team():
    nationally = ChildFacts("1234567890", True, "active", KENT, KENT_TEAM)
    shown = visible_record(RECORD, viewer(), nationally)
    assert shown["contact"] == NATIONAL_TEAM.name
    assert shown["contact_details"] == {"name": NATIONAL_TEAM.name, "phone": None,
                                        "email": None}


def test_a_sensitive_service_that_leads_says_so_without_its_provider():
    leading = {**RECORD, "services": [{**RECORD["services"][1], "lead_professional": True}]}
    (sensitive,) = visible_record(leading, viewer(), CHILD)["services"]
    assert sensitive["lead_professional"] is True
    assert "CAMHS" not in str(sensitive)
    assert "Dr Pat" not in str(sensitive)


# -- whose entries of the audit trail a viewer reads (the Activity page) ----------------------

def test_national_partners_staff_monitor_everyone_and_a_councils_its_own_authority():
    assert monitoring(viewer("national_admin", "national_partner", "NP:1", None)) \
        == Monitoring(everyone=True)
    assert monitoring(viewer("auditor", "national_partner", "NP:1", None)) \
        == Monitoring(everyone=True)
    for role in ("management_team", "auditor"):
        assert monitoring(viewer(role, "local_authority", "E1", LEEDS)) \
            == Monitoring(everyone=False, authority_id=LEEDS)
    assert monitoring(viewer("auditor", "local_authority", "E1", None)) \
        == Monitoring(everyone=False, authority_id=None)


def test_a_council_monitors_its_own_children_and_no_other():
    leeds, wakefield = Monitoring(False, LEEDS), Monitoring(False, WAKEFIELD)
    assert monitors(leeds, CHILD)
    assert not monitors(wakefield, CHILD)
    assert monitors(Monitoring(True), CHILD)
    assert not monitors(Monitoring(False, None), CHILD)


def test_a_moved_shielded_child_is_monitored_by_the_team_that_shielded_it_not_where_it_lives():
    # Kent sees the record when it asks for it by ID; the trail must not list the child
    # to Kent unasked, which would tell Kent a shielded child lives in its area.
    assert sees_everything(viewer("management_team", "local_authority", "E3", KENT), MOVED)
    assert not monitors(Monitoring(False, KENT), MOVED)
    assert monitors(Monitoring(False, LEEDS), MOVED)
    assert monitors(Monitoring(True), MOVED)
    nationally = ChildFacts("1234567890", True, "active", KENT, KENT_TEAM, 99, NATIONAL_TEAM)
    assert not monitors(Monitoring(False, KENT), nationally)
    assert monitors(Monitoring(True), nationally)
    lifted = ChildFacts("1234567890", False, "active", KENT, KENT_TEAM, LEEDS, LEEDS_TEAM)
    assert monitors(Monitoring(False, KENT), lifted)
    assert not monitors(Monitoring(False, LEEDS), lifted)
