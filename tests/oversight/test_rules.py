"""Each misuse rule: activity that must raise an alert, and activity that must not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from misuse import (
    LONDON,
    TUESDAY,
    alerts,
    child,
    children,
    minutes,
    organisations,
    person,
    search,
    sign_in_failure,
    view,
)

from contactpoint.audit.models import Leaf
from contactpoint.oversight import runner
from contactpoint.oversight.models import Alert, RuleProgress
from contactpoint.oversight.rules.base import Thresholds
from databases import both_databases

pytestmark = both_databases


@pytest.fixture
def world(keystore):
    organisations()


# -- (a) one's own family ----------------------------------------------------------------------

def test_opening_a_child_at_ones_own_home_postcode_raises_one_alert(world, tmp_path):
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    [own, other] = children(tmp_path, [child("Okafor", "LS1 4AP"), child("Okafor", "LS1 9ZZ")])
    view(jo, own, TUESDAY)
    view(jo, other, TUESDAY)
    view(jo, own, TUESDAY + timedelta(hours=1))  # again: still one alert
    [alert] = alerts("own_family")
    assert (alert.username, alert.status) == ("jo", "open")
    assert "home postcode" in alert.summary
    first_view = Leaf.objects.filter(entry__subject=own).order_by("seq").first()
    assert alert.evidence == [first_view.seq]


def test_a_search_returning_a_child_at_home_is_an_alert_but_a_namesake_is_not(world, tmp_path):
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    [home, namesake] = children(tmp_path, [child("Smith", "LS1 4AP"),
                                           child("Bloggs", "WF1 1AA")])
    search(jo, [namesake], TUESDAY)
    assert alerts("own_family") == []
    search(jo, [home], TUESDAY)
    [alert] = alerts("own_family")
    assert alert.summary.startswith("A search of theirs returned")


def test_kin_in_ones_own_district_is_an_alert_and_a_carer_counts(world, tmp_path):
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    [kin, other_district] = children(tmp_path, [
        child("Okafor", "LS1 7XY", carer_family="Bloggs"), child("Bloggs", "WF1 1AA")])
    view(jo, other_district, TUESDAY)
    assert alerts("own_family") == []
    view(jo, kin, TUESDAY)
    [alert] = alerts("own_family")
    assert "family name and postcode district" in alert.summary


def test_several_namesakes_anywhere_within_a_week_is_an_alert(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"own_family_name_children": 3, "own_family_days": 7}
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    # Their own name only: their carers' differ.
    far = children(tmp_path, [child("Bloggs", "WF1 1AA", dob=f"2014-03-0{d}",
                                    carer_family="Okafor") for d in range(1, 5)])
    view(jo, far[0], TUESDAY)
    view(jo, far[1], TUESDAY + timedelta(days=8))
    view(jo, far[2], TUESDAY + timedelta(days=9))  # the first has left the week
    assert alerts("own_family") == []
    view(jo, far[3], TUESDAY + timedelta(days=10))
    [alert] = alerts("own_family")
    assert alert.summary.startswith("Opened the records of 3 children sharing their family")


def test_a_user_without_own_details_is_never_matched(world, tmp_path):
    anon = person("anon")
    [kid] = children(tmp_path, [child("Bloggs", "LS1 4AP")])
    view(anon, kid, TUESDAY)
    assert alerts("own_family") == []


# -- (b) far more than peers ---------------------------------------------------------------------

def _peers(n: int) -> list:  # type: ignore[type-arg]
    return [person(f"peer{i}", org=f"URN:{1 + i % 4}") for i in range(n)]


def test_far_more_than_school_peers_in_an_hour_is_an_alert(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"volume_per_hour": 20, "volume_per_day": 1000,
                                    "peer_multiple": 4, "peer_minimum": 3}
    [kid] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    for peer in _peers(4):
        for when in minutes(TUESDAY, 5, every=10):
            view(peer, kid, when)
    busy = person("busy", org="URN:2")
    for when in minutes(TUESDAY, 25, every=2):
        search(busy, [kid], when)
    [alert] = alerts("volume")
    assert alert.username == "busy"
    assert "25 searches and records opened in the hour" in alert.summary
    assert "median of 5" in alert.summary


def test_as_busy_as_ones_peers_is_no_alert(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"volume_per_hour": 20, "volume_per_day": 1000,
                                    "peer_multiple": 4, "peer_minimum": 3}
    [kid] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    for peer in _peers(4):
        for when in minutes(TUESDAY, 10, every=5):
            view(peer, kid, when)
    busy = person("busy", org="URN:2")
    for when in minutes(TUESDAY, 25, every=2):
        search(busy, [kid], when)
    assert alerts("volume") == []  # 25 against a median of 10: busy, not far beyond


def test_a_day_spread_over_two_runs_counts_whole(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"volume_per_hour": 1000, "volume_per_day": 30,
                                    "peer_minimum": 3}
    [kid] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    busy = person("busy")
    for when in minutes(TUESDAY, 20, every=3):
        view(busy, kid, when)
    assert alerts("volume") == []
    for when in minutes(TUESDAY + timedelta(hours=3), 10, every=3):
        view(busy, kid, when)
    [alert] = alerts("volume")
    assert alert.key.startswith("volume:day:")
    assert len(alert.evidence) == 30


# -- (c) trawling ---------------------------------------------------------------------------------

def test_many_searches_and_few_views_is_trawling(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"trawl_searches": 20, "trawl_view_share": 0.1}
    [kid] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    trawler, worker = person("trawler"), person("worker", org="URN:2")
    for i, when in enumerate(minutes(TUESDAY, 20, every=5)):
        search(trawler, [kid], when, dob=f"20{10 + i % 5}-0{1 + i % 9}-1{i % 3}")
        search(worker, [kid], when, dob=f"20{10 + i % 5}-0{1 + i % 9}-1{i % 3}")
        view(worker, kid, when + timedelta(minutes=1))
    [alert] = alerts("trawling")
    assert alert.username == "trawler"
    assert "20 searches and 0 records opened" in alert.summary


def test_broad_searches_are_trawling(world, settings):
    settings.CONTACTPOINT_MISUSE = {"trawl_broad_searches": 5}
    trawler = person("trawler")
    for when in minutes(TUESDAY, 4):
        search(trawler, [], when, too_many=True)
    assert alerts("trawling") == []
    search(trawler, [], TUESDAY + timedelta(minutes=9), too_many=True)
    [alert] = alerts("trawling")
    assert "5 searches too broad" in alert.summary


def test_dates_of_birth_in_sequence_are_trawling(world, settings):
    settings.CONTACTPOINT_MISUSE = {"trawl_sequential_dates": 6}
    walker, scattered = person("walker"), person("scattered")
    for i, when in enumerate(minutes(TUESDAY, 6)):
        search(walker, [], when, dob=f"2014-03-{10 + i}")
        search(scattered, [], when, dob=f"2014-03-{10 + 2 * i}")
    [alert] = alerts("trawling")
    assert alert.username == "walker"
    assert "6 days in a row" in alert.summary


# -- (d) outside one's authority ------------------------------------------------------------------

def test_children_elsewhere_with_no_involvement_are_an_alert(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"out_of_area_children": 3}
    elsewhere = children(tmp_path, [child("Okafor", "WF1 1AA", dob=f"2014-03-0{d}")
                                    for d in range(1, 4)])
    roamer = person("roamer")
    wakefield_teacher = person("wt", org="URN:9")
    for cp_id in elsewhere:
        view(roamer, cp_id, TUESDAY)
        view(wakefield_teacher, cp_id, TUESDAY)  # their own authority's children
    [alert] = alerts("out_of_area")
    assert alert.username == "roamer"
    assert "3 children outside their authority" in alert.summary


def test_children_elsewhere_the_organisation_works_with_are_no_alert(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"out_of_area_children": 2}
    # Park Primary (URN:1 in feed_row's services) teaches them, though they live elsewhere.
    rows = [{**child("Okafor", "WF1 1AA", dob=f"2014-03-0{d}"),
             "services": [{"type": "school", "organisation": "Org URN:1",
                           "organisation_code": "URN:1", "start_date": "2019-09-01"}]}
            for d in range(1, 4)]
    elsewhere = children(tmp_path, rows)
    teacher = person("teacher")
    for cp_id in elsewhere:
        view(teacher, cp_id, TUESDAY)
    assert alerts("out_of_area") == []


# -- (e) break glass ------------------------------------------------------------------------------

def test_every_break_glass_is_an_alert(world):
    from contactpoint.audit import hooks  # noqa: PLC0415

    social = person("social", org="SC:1")
    from misuse import at  # noqa: PLC0415

    for minute in (0, 5):
        with at(TUESDAY + timedelta(minutes=minute)):
            hooks.record("child:shield:break_glass", actor=social, subject="1234567890",
                         reason="child_protection", details={"alert": "management_team"})
    found = alerts("break_glass")
    assert [a.username for a in found] == ["social", "social"]
    assert alerts("break_glass") == found  # run again: nothing new


# -- (f) failed sign-ins --------------------------------------------------------------------------

def test_failed_sign_ins_on_one_account_and_from_one_address(world, settings):
    settings.CONTACTPOINT_MISUSE = {"failed_sign_ins_account": 6,
                                    "failed_sign_ins_address": 8}
    target = person("target")
    for when in minutes(TUESDAY, 5):
        sign_in_failure(target, when, address="a1")
    for when in minutes(TUESDAY, 5):
        sign_in_failure(None, when, address="b2")  # unknown usernames
    assert alerts("failed_sign_ins") == []
    sign_in_failure(target, TUESDAY + timedelta(minutes=20), address="a1")
    for when in minutes(TUESDAY + timedelta(minutes=30), 3):
        sign_in_failure(None, when, address="b2")
    found = {(a.username, a.key.split(":")[1]) for a in alerts("failed_sign_ins")}
    assert found == {("target", "account"), (None, "address")}


def test_failures_spread_over_hours_are_no_alert(world, settings):
    settings.CONTACTPOINT_MISUSE = {"failed_sign_ins_account": 6}
    forgetful = person("forgetful")
    for hour in range(6):
        for when in minutes(TUESDAY + timedelta(hours=hour), 4):
            sign_in_failure(forgetful, when)
    assert alerts("failed_sign_ins") == []


# -- (g) out of hours -----------------------------------------------------------------------------

def test_a_night_beyond_ones_habit_is_an_alert_but_a_night_worker_is_not(world, tmp_path,
                                                                          settings):
    settings.CONTACTPOINT_MISUSE = {"out_of_hours_actions": 5, "habit_days": 28,
                                    "habit_share": 0.2, "habit_minimum": 5}
    [kid] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    day_worker, night_worker = person("day"), person("night", org="SC:1")
    for back in range(1, 15):
        day = TUESDAY - timedelta(days=back)
        if day.weekday() < 5:  # weekends are out of hours too
            view(day_worker, kid, day)
        view(night_worker, kid, day.replace(hour=23))
    assert alerts("out_of_hours") == []  # history alone: no day with 5 out of hours
    night = datetime(2026, 11, 17, 23, 0, tzinfo=LONDON)
    for when in minutes(night, 5, every=3):
        view(day_worker, kid, when)
        view(night_worker, kid, when)
    [alert] = alerts("out_of_hours")
    assert alert.username == "day"


def test_a_new_account_has_no_habit_to_go_beyond(world, tmp_path, settings):
    settings.CONTACTPOINT_MISUSE = {"out_of_hours_actions": 5, "habit_minimum": 5}
    [kid] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    newcomer = person("newcomer")
    for back in range(1, 5):
        view(newcomer, kid, TUESDAY - timedelta(days=back))
    for when in minutes(datetime(2026, 11, 17, 23, 0, tzinfo=LONDON), 6, every=3):
        view(newcomer, kid, when)
    assert alerts("out_of_hours") == []


# -- running: incrementally, once -----------------------------------------------------------------

def test_rules_read_each_entry_once_and_remember_where_they_got_to(world, tmp_path):
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    [own] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    view(jo, own, TUESDAY)
    first = runner.run()
    assert [a.rule for a in first.raised] == ["own_family"]
    last = RuleProgress.objects.get().last_seq
    assert last == Leaf.objects.order_by("-seq").values_list("seq", flat=True).first()
    again = runner.run()  # reads only the alert's own entry (oversight:alert:raise)
    assert (again.read, again.raised) == (1, [])
    assert runner.run().read == 0
    view(jo, own, TUESDAY + timedelta(minutes=5))
    assert runner.run().raised == []
    assert Alert.objects.count() == 1


def test_unknown_thresholds_are_refused(settings):
    settings.CONTACTPOINT_MISUSE = {"volume_per_fortnight": 3}
    with pytest.raises(ValueError, match="volume_per_fortnight"):
        Thresholds.from_settings()
