"""The management team's subject access page: start, produce, download; every step audited."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import date

import orjson
import pytest

from children_world import add_other_authority_team, make_world
from contactpoint.audit.models import Entry
from contactpoint.identity.records import open_record, set_shield
from contactpoint.subject_access.models import SubjectAccessRequest
from contactpoint.subject_access.verify import verify_folder
from databases import both_databases

pytestmark = both_databases

ASKED = {"requester": "Ngozi Okafor", "relation": "parent",
         "identity_check": "Passport and a council tax bill seen at the office"}


@pytest.fixture
def world(settings, tmp_path):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, data_dir=tmp_path)
    found = make_world(tmp_path)
    open_record(found.users["teacher"], found.child, reason="education_welfare", detail=None)
    return found


def _page(world) -> str:
    return f"/children/{world.child}/subject-access/"


def _download(client, world, tmp_path, made: SubjectAccessRequest):
    response = client.get(_page(world), {"download": made.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    folder = tmp_path / f"unzipped-{made.pk}"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(folder)
    return folder


def test_the_team_answers_a_request_and_downloads_a_verifiable_export(world, tmp_path):
    client = world.client("team")
    page = client.get(_page(world))
    assert page.status_code == 200
    assert "None yet" in page.content.decode()
    response = client.post(_page(world), ASKED)
    assert response.status_code == 302
    made = SubjectAccessRequest.objects.get()
    assert made.contactpoint_id == world.child
    assert made.answered_by == "team"
    assert b"Ngozi" not in bytes(made.export)  # sealed under the child's key
    folder = _download(client, world, tmp_path, made)
    assert verify_folder(folder).proved >= 3
    document = orjson.loads((folder / "sar.json").read_bytes())
    assert [a["event"] for a in document["accesses"]][-2:] == ["child:sar:request",
                                                               "child:sar:export"]
    events = list(Entry.objects.filter(children__contains=world.child)
                  .values_list("event", flat=True))
    assert events[-3:] == ["child:sar:request", "child:sar:export", "child:sar:download"]
    request_entry = Entry.objects.get(event="child:sar:request")
    assert request_entry.actor == "team"
    assert b"Ngozi" not in bytes(request_entry.sealed)  # who asked: sealed, not readable


def test_the_national_team_may_answer_too(world):
    response = world.client("national").post(_page(world), ASKED)
    assert response.status_code == 302
    assert SubjectAccessRequest.objects.filter(answered_by="national").exists()


@pytest.mark.parametrize("who", ["teacher", "gp", "social", "auditor"])
def test_no_one_else_may(world, who):
    client = world.client(who)
    assert client.get(_page(world)).status_code == 403
    assert client.post(_page(world), ASKED).status_code == 403
    assert not SubjectAccessRequest.objects.exists()


def test_another_authoritys_team_is_told_the_child_is_not_found(world):
    client = add_other_authority_team(world)
    assert client.get(_page(world)).status_code == 404
    assert client.post(_page(world), ASKED).status_code == 404
    assert not SubjectAccessRequest.objects.exists()


def test_a_request_needs_who_asked_and_how_they_were_checked(world):
    response = world.client("team").post(_page(world), {"relation": "nobody"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Enter the name of the person who asked" in text
    assert "Enter how you checked the person" in text
    assert not SubjectAccessRequest.objects.exists()
    assert not Entry.objects.filter(event="child:sar:request").exists()


def test_a_download_of_another_childs_or_no_request_is_not_found(world):
    client = world.client("team")
    assert client.get(_page(world), {"download": "999"}).status_code == 404
    assert client.get(_page(world), {"download": "x1"}).status_code == 404


def test_a_shielded_child_warns_the_team_before_release(world, tmp_path):
    set_shield(world.users["team"], world.child, shielded=True, reason="Fled violence",
               review_on=date(2027, 6, 1))
    client = world.client("team")
    page = client.get(_page(world)).content.decode()
    assert "This record is shielded" in page
    refused = client.post(_page(world), ASKED)
    assert refused.status_code == 200
    assert "Confirm you have read the warning" in refused.content.decode()
    assert not SubjectAccessRequest.objects.exists()
    unknown = client.post(_page(world), {**ASKED, "shield_warning_read": "on",
                                         "approved": ["NOT:AN-ORG"]})
    assert "Choose only organisations listed" in unknown.content.decode()
    response = client.post(_page(world), {**ASKED, "shield_warning_read": "on",
                                          "approved": ["URN:107654"]})
    assert response.status_code == 302
    folder = _download(client, world, tmp_path, SubjectAccessRequest.objects.get())
    text = (folder / "sar.json").read_text() + (folder / "sar.html").read_text()
    assert "URN:107654" in text  # approved: named
    assert "NOT:AN-ORG" not in text
    assert "0113 496 0100" not in text  # the carer's phone: withheld
    assert "Leeds CAMHS" not in text
    verify_folder(folder)
