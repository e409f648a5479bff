"""The Alerts page and GET /api/v1/alerts: who sees which alert, the evidence, the actions."""

from __future__ import annotations

import orjson
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from misuse import LEEDS, TUESDAY, WAKEFIELD, alerts, child, children, organisations, person, view

from accounts import bearer
from contactpoint.access.models import Organisation, User
from contactpoint.access.tokens import create_token
from contactpoint.oversight.models import Alert
from databases import both_databases
from signing_in import STRONG_PASSWORD, verified_client
from trail import entries, mark

pytestmark = both_databases


def _ready(user: User):  # type: ignore[no-untyped-def]
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return verified_client(user, device)


def _text(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(page.itertext()).split())


@pytest.fixture
def world(keystore, tmp_path):
    organisations()
    services_np()
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    wally = person("wally", org="URN:9", name="Wally Walker", home="WF1 1AA")
    [leeds_home, wakefield_home] = children(tmp_path, [child("Okafor", "LS1 4AP"),
                                                       child("Adeyemi", "WF1 1AA")])
    view(jo, leeds_home, TUESDAY)
    view(wally, wakefield_home, TUESDAY)
    found = {a.username: a for a in alerts("own_family")}
    people = {"team": person("team", org=LEEDS, role="management_team"),
              "other_team": person("other_team", org=WAKEFIELD, role="management_team"),
              "national": person("national", org="NP:1", role="national_admin"),
              "auditor": person("auditor", org=LEEDS, role="auditor"),
              "practitioner": person("practitioner", org="URN:2")}
    return {"alerts": found, "people": people, "jo": jo}


def services_np() -> None:
    from contactpoint.access import services  # noqa: PLC0415

    services.add_organisation(code="NP:1", name="National team", type="national_partner")


@pytest.mark.parametrize(("who", "sees", "status"), [
    ("team", {"jo"}, 200), ("other_team", {"wally"}, 200),
    ("national", {"jo", "wally"}, 200), ("auditor", set(), 403), ("practitioner", set(), 403),
])
def test_each_role_sees_its_own_authoritys_alerts(world, who, sees, status):
    client = _ready(world["people"][who])
    response = client.get("/alerts/")
    assert response.status_code == status
    api = client.get("/api/v1/alerts", headers=bearer(create_token(user=who)))
    assert api.status_code == status
    if status != 200:
        return
    page = _text(response.page)
    for username, alert in world["alerts"].items():
        assert (f"alert {alert.pk}" in page) == (username in sees), (who, username)
    assert {item["user"] for item in orjson.loads(api.content)} == sees
    for username, alert in world["alerts"].items():
        expected = 200 if username in sees else 404
        assert client.get(f"/alerts/{alert.pk}/").status_code == expected
        assert client.get(f"/alerts/{alert.pk}/close/").status_code == expected
        assert client.post(f"/alerts/{alert.pk}/close/", {
            "outcome": "false_alarm", "reason": "x"}).status_code in (
            {200} if username in sees else {404})
        Alert.objects.filter(pk=alert.pk).update(status="open")


def test_an_alert_shows_its_evidence_and_its_reading_is_audited(world):
    client = _ready(world["people"]["team"])
    alert = world["alerts"]["jo"]
    before = mark()
    page = client.get(f"/alerts/{alert.pk}/").page
    assert page.findtext(".//h1") == "Looked up their own family: jo"
    rows = page.findall(".//table[@id='evidence-entries']/tbody/tr")
    assert [r.get("id") for r in rows] == [f"evidence-{seq}" for seq in alert.evidence]
    assert "Opened a child's record" in _text(rows[0])
    [viewed] = entries("oversight:alert:view", after=before)
    assert (viewed["actor"], viewed["subject"]) == ("team", "jo")
    assert viewed["details"]["evidence"] == alert.evidence


def test_suspending_from_an_alert_suspends_at_once_and_is_audited(world):
    client = _ready(world["people"]["team"])
    alert = world["alerts"]["jo"]
    assert client.get(f"/alerts/{alert.pk}/suspend/").status_code == 200
    page = client.post(f"/alerts/{alert.pk}/suspend/", {"reason": ""}).page
    assert "Enter the reason" in _text(page)
    assert User.objects.get(username="jo").suspended_at is None
    before = mark()
    page = client.post(f"/alerts/{alert.pk}/suspend/", {"reason": "Own family"}).page
    assert page.findtext(".//h1").strip() == "jo's account is suspended"
    assert User.objects.get(username="jo").suspended_at is not None
    assert [e["event"] for e in entries(after=before)] == [
        "account:user:suspend", "oversight:alert:suspend"]
    assert "Suspended" in _text(client.get(f"/alerts/{alert.pk}/").page)


def test_telling_the_manager_and_closing(world):
    client = _ready(world["people"]["national"])
    alert = world["alerts"]["jo"]
    before = mark()
    client.post(f"/alerts/{alert.pk}/tell-manager/", {"note": "Phoned the head at 10:00"})
    alert.refresh_from_db()
    assert (alert.manager_told_by, alert.manager_told_at is not None) == ("national", True)
    page = client.post(f"/alerts/{alert.pk}/close/", {"outcome": "nope", "reason": "x"}).page
    assert "Select the outcome" in _text(page)
    client.post(f"/alerts/{alert.pk}/close/", {"outcome": "misuse", "reason": "Admitted it"})
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.closed_by) == ("closed", "misuse", "national")
    told, closed = entries("oversight:alert:tell-manager", after=before) + entries(
        "oversight:alert:close", after=before)
    assert told["reason"] == "Phoned the head at 10:00"
    assert (closed["reason"], closed["details"]["outcome"]) == ("Admitted it", "misuse")
    assert f"alert {alert.pk}" not in _text(client.get("/alerts/").page)
    # A closed alert takes no more actions.
    page = client.post(f"/alerts/{alert.pk}/close/", {"outcome": "misuse", "reason": "y"}).page
    assert "This alert is closed." in _text(page)


def test_a_break_glass_alerts_the_team_shielding_the_child_too(world, tmp_path):
    from misuse import at  # noqa: PLC0415

    from contactpoint.audit import hooks  # noqa: PLC0415
    from contactpoint.identity.models import Child  # noqa: PLC0415

    [shielded] = children(tmp_path, [child("Hidden", "WF1 2BB")])
    Child.objects.filter(contactpoint_id=shielded).update(
        shielded=True, shield_broker=Organisation.objects.get(code=WAKEFIELD))
    social = person("social", org="SC:1")
    with at(TUESDAY):
        hooks.record("child:shield:break_glass", actor=social, subject=shielded,
                     reason="child_protection",
                     personal={"reason_detail": "Police called about the flat"})
    [alert] = alerts("break_glass")
    wakefield = _ready(world["people"]["other_team"])
    assert f"alert {alert.pk}" in _text(wakefield.get("/alerts/").page)
    page = wakefield.get(f"/alerts/{alert.pk}/").page
    assert page.find(".//a[@id='suspend']") is None  # not theirs to suspend
    # Who, when, what and why, but not what someone of another authority typed.
    assert "Child protection" in _text(page)
    assert "Police called" not in _text(page)
    assert "Withheld: what they typed" in _text(page)
    assert page.find(".//a[@id='close']") is not None
    refused = wakefield.post(f"/alerts/{alert.pk}/suspend/", {"reason": "x"}).page
    assert "managed by another authority" in _text(refused)
    assert User.objects.get(username="social").suspended_at is None
    leeds = _ready(world["people"]["team"])
    page = leeds.get(f"/alerts/{alert.pk}/").page
    assert page.find(".//a[@id='suspend']") is not None
    assert "Police called about the flat" in _text(page)
    other = person("third_team", org=_third_authority(), role="management_team")
    assert _ready(other).get(f"/alerts/{alert.pk}/").status_code == 404


def _third_authority() -> str:
    from contactpoint.access import services  # noqa: PLC0415

    services.add_organisation(code="E08000037", name="Kirklees", type="local_authority")
    return "E08000037"
