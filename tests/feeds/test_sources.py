"""The operator's trust order: which source's name a child shows when both are as recent."""

from datetime import date

import pytest

import trail
from contactpoint.cli.main import main
from contactpoint.identity.models import Child
from contactpoint.identity.store import open_child_record
from contactpoint.loading.loader import ingest_file
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases


def test_the_more_trusted_source_wins_a_tie_and_changing_it_re_derives(tmp_path, keystore,
                                                                       capsys):
    nhs, stamp = nhs_number(), "2026-11-01T09:00:00Z"
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [feed_row(
        source_id="N1", identifiers={"nhs_number": nhs}, family_name="Testerton",
        recorded_at=stamp)]), today=date(2026, 11, 22))
    ingest_file("school_census", write_jsonl(tmp_path / "s.jsonl", [feed_row(
        source_id="S1", identifiers={"nhs_number": nhs}, family_name="Testerton-Smith",
        recorded_at=stamp)]), today=date(2026, 11, 22))
    child = Child.objects.get()

    def shown():
        child.refresh_from_db()
        return open_child_record(keystore, child)["name"]["family_name"]

    assert main(["source", "set", "school_census", "--trust-rank", "5", "--quiet"]) == 0
    assert shown() == "Testerton-Smith"
    capsys.readouterr()
    start = trail.mark()
    assert main(["source", "set", "nhs_demographics", "--trust-rank", "1", "--quiet",
                 "--by", "ops.alex"]) == 0
    assert shown() == "Testerton"
    out, err = capsys.readouterr()
    assert "1 children re-derived" in out
    assert err == ""
    # It changes what children show: the operator's change is audited.
    (entry,) = trail.entries(after=start)
    assert (entry["event"], entry["actor"], entry["subject"]) == (
        "source:settings:update", "operator:ops.alex", "nhs_demographics")
    assert entry["details"] == {"trust_rank": 1, "authority": None}
    assert main(["source", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["1", "nhs_demographics", "-"]


@pytest.mark.parametrize(("argv", "code"), [
    (["source", "set", "nope", "--trust-rank", "1"], 1),
    (["source", "set", "nhs_demographics"], 2),
    (["source", "set", "nhs_demographics", "--trust-rank", "5000"], 2),
])
def test_bad_source_settings_are_refused(tmp_path, keystore, argv, code):
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [feed_row()]),
                today=date(2026, 11, 22))
    assert main(argv) == code
