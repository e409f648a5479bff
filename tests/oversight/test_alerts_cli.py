"""`contactpoint alerts run` and `alerts list [--status open] [--json]` (CONTRACTS.md)."""

from __future__ import annotations

import orjson
from misuse import TUESDAY, child, children, organisations, person, view

from contactpoint.cli.main import main
from contactpoint.oversight import alerts as service
from contactpoint.oversight.models import Alert
from databases import both_databases
from trail import entries

pytestmark = both_databases


def _run(capsys, *argv):  # type: ignore[no-untyped-def]
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_run_then_list_as_json(capsys, keystore, tmp_path):
    organisations()
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    [home] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    view(jo, home, TUESDAY)
    code, out, err = _run(capsys, "alerts", "run")
    assert code == 0, err
    assert "raised 1 alerts" in out
    assert _run(capsys, "alerts", "run")[1].endswith("raised 0 alerts\n")

    code, out, _ = _run(capsys, "alerts", "list", "--json", "--by", "ops")
    assert code == 0
    [item] = orjson.loads(out)
    alert = Alert.objects.get()
    assert item == {"id": alert.pk, "rule": "own_family", "user": "jo",
                    "organisation": "URN:1", "raised_at": item["raised_at"], "status": "open",
                    "evidence": alert.evidence, "summary": alert.summary}
    assert item["raised_at"].endswith("+00:00")
    [listed] = entries("oversight:alerts:list")
    assert listed["actor"] == "operator:ops"
    [raised] = entries("oversight:alert:raise")
    assert (raised["subject"], raised["details"]["alert"]) == ("jo", alert.pk)


def test_list_by_status_and_as_text(capsys, keystore, tmp_path):
    organisations()
    manager = person("team", org="E08000035", role="management_team")
    jo = person("jo", name="Jo Bloggs", home="LS1 4AP")
    [home, other] = children(tmp_path, [child("Okafor", "LS1 4AP"),
                                        child("Okafor", "LS1 4AP", dob="2015-01-01")])
    view(jo, home, TUESDAY)
    view(jo, other, TUESDAY)
    _run(capsys, "alerts", "run")
    first = Alert.objects.order_by("pk").first()
    service.close(manager, first.pk, outcome="explained", reason="Their own child, declared")
    code, out, _ = _run(capsys, "alerts", "list", "--status", "open", "--json")
    assert [i["id"] for i in orjson.loads(out)] == [Alert.objects.order_by("pk").last().pk]
    code, out, _ = _run(capsys, "alerts", "list", "--status", "closed")
    assert code == 0
    assert out.startswith(f"{first.pk}\t")
    assert "\tclosed\town_family\tjo\tURN:1\t" in out
    assert _run(capsys, "alerts", "list", "--status", "shut")[0] == 2
