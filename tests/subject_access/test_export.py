"""`contactpoint sar export` / `sar verify`: every access, proved; tampering caught."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from children_world import make_world
from contactpoint.cli.main import main
from contactpoint.identity.records import open_record, set_shield
from contactpoint.search.criteria import Criteria
from contactpoint.search.service import search_for
from databases import both_databases

pytestmark = both_databases


@pytest.fixture
def world(settings, tmp_path):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, data_dir=tmp_path)
    found = make_world(tmp_path)
    teacher, gp = found.users["teacher"], found.users["gp"]
    search_for(teacher, Criteria("Okafor", None, "2015-04-02", None, None))
    open_record(teacher, found.child, reason="education_welfare", detail=None)
    search_for(gp, Criteria("Okafor", "Amara", "2015-04-02", None, None))
    open_record(gp, found.child, reason="other", detail="Repeat prescription query")
    return found


def _export(world, tmp_path: Path, *extra: str) -> tuple[Path, dict]:
    out = tmp_path / "export"
    assert main(["sar", "export", world.child, "--out", str(out), "--by", "ops", *extra]) == 0
    return out, json.loads((out / "sar.json").read_text())


def _rewrite(out: Path, document: dict) -> None:
    (out / "sar.json").write_text(json.dumps(document))


def test_the_export_lists_every_access_and_verifies(world, tmp_path, capsys):
    out, document = _export(world, tmp_path)
    events = [a["event"] for a in document["accesses"]]
    assert events[-5:] == ["child:search", "child:record:view", "child:search",
                           "child:record:view", "child:sar:export"]
    assert {"contactpoint_id", "generated_at", "record", "accesses", "checkpoint",
            "proofs"} <= set(document)
    views = [a for a in document["accesses"] if a["event"] == "child:record:view"]
    assert [(v["organisation"], v["role"], v["reason"]) for v in views] == [
        ("URN:107654", "practitioner", "education_welfare"),
        ("ODS:B86001", "practitioner", "other")]
    assert views[1]["reason_detail"] == "Repeat prescription query"
    assert all(a["withheld_until"] is None for a in document["accesses"])
    capsys.readouterr()
    assert main(["sar", "verify", str(out)]) == 0
    assert "accesses complete and unaltered" in capsys.readouterr().out


def test_names_follow_the_setting(world, tmp_path, settings):
    out, document = _export(world, tmp_path)
    text = (out / "sar.json").read_text() + (out / "sar.html").read_text()
    assert "teacher" not in text
    assert "operator:ops" not in text
    assert document["accesses"][-2]["who"] == "a practitioner"
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT,
                                                sar_practitioner_names="shown")
    out, document = _export(world, tmp_path)
    views = [a for a in document["accesses"] if a["event"] == "child:record:view"]
    assert [v["who"] for v in views] == ["teacher", "gp"]
    assert main(["sar", "verify", str(out)]) == 0


def test_the_html_is_a_readable_page_without_scripts(world, tmp_path):
    out, _ = _export(world, tmp_path)
    page = (out / "sar.html").read_text()
    assert "<script" not in page.lower()
    assert "http" not in page.replace("http-equiv", "")
    assert "Opened this child&#x27;s record" in page
    assert "Education welfare" in page
    assert "Other: Repeat prescription query" in page
    assert "Park Primary School" in page
    assert "Amara" in page
    assert page.count("<h1>") == 1


TAMPERS = ["alter_organisation", "alter_reason", "alter_time", "alter_role", "alter_event",
           "drop_one", "drop_and_renumber", "reorder", "drop_the_last", "add_a_reason",
           "take_out_a_reason", "alter_the_checkpoint", "not_this_child"]


def _tampered(document: dict, tamper: str) -> dict:  # noqa: PLR0912  (one branch a kind)
    document = copy.deepcopy(document)
    accesses = document["accesses"]
    views = [i for i, a in enumerate(accesses) if a["event"] == "child:record:view"]
    first = views[0]
    if tamper == "alter_organisation":
        accesses[first]["organisation"] = "ODS:B86001"
    elif tamper == "alter_reason":
        accesses[views[1]]["reason_detail"] = "Something else"
    elif tamper == "alter_time":
        accesses[first]["at"] = accesses[first]["at"][:-8] + "000000Z"
    elif tamper == "alter_role":
        accesses[first]["role"] = "management_team"
    elif tamper == "alter_event":
        accesses[first]["event"] = "child:search"
    elif tamper == "drop_one":
        del accesses[first]
    elif tamper == "drop_and_renumber":
        gone = accesses.pop(first)
        document["proofs"]["entries"].pop(str(gone["seq"]))
    elif tamper == "reorder":
        accesses[first], accesses[first + 1] = accesses[first + 1], accesses[first]
    elif tamper == "drop_the_last":
        del accesses[-1]
    elif tamper == "add_a_reason":
        next(a for a in accesses if a["event"] == "child:search")["reason"] = "child_protection"
    elif tamper == "take_out_a_reason":
        accesses[first]["reason"] = None
        proof = document["proofs"]["entries"][str(accesses[first]["seq"])]
        for key in ("sealed", "entry_key"):
            proof.pop(key)
    elif tamper == "alter_the_checkpoint":
        origin, size, rest = document["checkpoint"].split("\n", 2)
        document["checkpoint"] = f"{origin}\n{int(size) + 1}\n{rest}"
    elif tamper == "not_this_child":
        document["contactpoint_id"] = "1000000009"
    return document


def test_each_kind_of_tampering_is_caught(world, tmp_path, capsys):
    out, document = _export(world, tmp_path)
    assert main(["sar", "verify", str(out)]) == 0
    for tamper in TAMPERS:
        _rewrite(out, _tampered(document, tamper))
        capsys.readouterr()
        assert main(["sar", "verify", str(out)]) == 1, tamper
        assert capsys.readouterr().err.startswith("contactpoint sar: "), tamper
    _rewrite(out, document)
    assert main(["sar", "verify", str(out)]) == 0
    page = (out / "sar.html").read_text()
    (out / "sar.html").write_text(page.replace("Education welfare", "Child protection"))
    assert main(["sar", "verify", str(out)]) == 1


def test_verify_names_a_missing_or_broken_export(tmp_path, capsys):
    assert main(["sar", "verify", str(tmp_path / "nowhere")]) == 1
    (tmp_path / "sar.json").write_text("{not json")
    assert main(["sar", "verify", str(tmp_path)]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_a_key_other_than_the_trails_is_refused(world, tmp_path, capsys):
    out, _ = _export(world, tmp_path)
    capsys.readouterr()
    assert main(["audit", "key"]) == 0
    published = capsys.readouterr().out.strip()
    assert main(["sar", "verify", str(out), "--key", published]) == 0
    other = published[:-4] + ("AAAA" if not published.endswith("AAAA") else "BBBB")
    assert main(["sar", "verify", str(out), "--key", other]) == 1


def test_bad_usage(world, tmp_path, capsys):
    assert main(["sar", "export", "12345", "--out", str(tmp_path / "x")]) == 2
    assert main(["sar", "export", "1000000009", "--out", str(tmp_path / "x")]) in (1, 2)
    assert "contactpoint sar" in capsys.readouterr().err


def test_a_shielded_childs_export_names_no_organisation_or_place(world, tmp_path):
    set_shield(world.users["team"], world.child, shielded=True, reason="Fled violence",
               review_on=date(2027, 6, 1))
    out, document = _export(world, tmp_path)
    text = (out / "sar.json").read_text() + (out / "sar.html").read_text()
    for secret in ("Park Primary School", "URN:107654", "ODS:B86001", "Org URN:107654",
                   "0113 496 0100", "0113 496 0001", "LS1", "Leeds CAMHS", "ODS:RX1"):
        assert secret not in text, secret
    assert "a school" in text
    assert "a GP practice" in text
    views = [a for a in document["accesses"] if a["event"] == "child:record:view"]
    assert all(v["organisation"] is None for v in views)
    assert all("organisation" not in document["proofs"]["entries"][str(v["seq"])]["salts"]
               for v in views)
    # A reason code is shown; words given with it, and why it was shielded, are not.
    assert [v["reason"] for v in views] == ["education_welfare", None]
    assert "Repeat prescription query" not in text
    assert "Fled violence" not in text
    assert main(["sar", "verify", str(out)]) == 0
    # The team approves naming the school: only the school is named.
    out, document = _export(world, tmp_path, "--name-organisation", "URN:107654")
    text = (out / "sar.json").read_text()
    assert "URN:107654" in text
    assert "ODS:B86001" not in text
    assert main(["sar", "verify", str(out)]) == 0


def test_a_sensitive_service_is_never_in_a_familys_copy(world, tmp_path):
    from children_world import ready_person  # noqa: PLC0415

    camhs, _ = ready_person("camhs", "practitioner", "ODS:RX1", "nhs_trust")
    open_record(camhs, world.child, reason="health_care", detail=None)
    out, document = _export(world, tmp_path)
    text = (out / "sar.json").read_text() + (out / "sar.html").read_text()
    for secret in ("Leeds CAMHS", "ODS:RX1", "0113 496 0002", '"camhs"'):
        assert secret not in text, secret
    view = [a for a in document["accesses"] if a["event"] == "child:record:view"][-1]
    assert view["organisation"] is None
    assert view["organisation_kind"] == "an NHS organisation"
    assert main(["sar", "verify", str(out)]) == 0
