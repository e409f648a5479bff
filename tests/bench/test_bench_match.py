"""`contactpoint bench-match` end to end on 2,000 children: Splink trained, clustered and
scored, and a links file scored beside it. Figures are checked for sense, not speed."""

from __future__ import annotations

import csv
import json

import pytest

from contactpoint.bench.accuracy import evaluate
from contactpoint.bench.match import RESULTS_FILE, TODAY, comparison_lines
from contactpoint.cli.main import main
from contactpoint.synth import generate

CHILDREN = 2000
SEED = 1


def _perfect_links(truth_csv, out):
    """What a perfect matcher would export: one child per person."""
    with truth_csv.open(newline="") as src, out.open("w", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["source", "source_id", "contactpoint_id", "state"])
        seen = set()
        for row in csv.DictReader(src):
            person = row["person_id"]
            writer.writerow([row["source"], row["source_id"], f"C{person}",
                             "auto" if person in seen else "new"])
            seen.add(person)
    return out


@pytest.mark.slow
def test_bench_match_scores_splink_and_our_links(tmp_path, capsys):
    pytest.importorskip("splink")
    # The feeds bench-match will write are these bytes (same children, seed and date).
    generate(CHILDREN, SEED, tmp_path / "pre", today=TODAY)
    links = _perfect_links(tmp_path / "pre" / "truth.csv", tmp_path / "ours.csv")

    code = main(["bench-match", "--children", str(CHILDREN), "--seed", str(SEED),
                 "--work-dir", str(tmp_path / "work"), "--links", str(links)])

    out = capsys.readouterr().out
    assert code == 0
    assert "<- best F1" in out
    results = json.loads((tmp_path / "work" / RESULTS_FILE).read_text())
    splink = results["splink"]
    best = splink["best"]
    for figure in ("precision", "recall", "f1"):
        assert 0 < best[figure] <= 1
    assert best["f1"] > 0.9  # an easy population: Splink does well
    assert splink["records"] > CHILDREN  # most children are in several feeds
    assert splink["training_seconds"] > 0
    assert splink["peak_rss_mib"] > 0
    # Splink's own clustering at the chosen cut gives exactly the sweep's best clusters.
    theirs = results["accuracy"]["splink"]
    assert (theirs["predicted_pairs"], theirs["correct_pairs"], theirs["true_pairs"]) == (
        best["predicted_pairs"], best["correct_pairs"], best["true_pairs"])
    assert theirs["records_rejected"] == splink["rejected"]
    assert theirs["twins_merged"] is not None
    assert theirs["twins_merged"] <= theirs["wrongly_merged_children"]
    ours = results["accuracy"]["ours"]
    assert ours["precision"] == ours["recall"] == 1.0
    assert ours["wrongly_merged_children"] == ours["twins_merged"] == 0
    assert ours["records_rejected"] == 0  # the perfect links list every row
    assert "ours" in out
    assert "splink" in out


def test_bench_match_refuses_a_missing_links_file(tmp_path, capsys):
    code = main(["bench-match", "--children", "10", "--seed", "1", "--work-dir",
                 str(tmp_path), "--links", str(tmp_path / "nope.csv")])
    assert code == 2
    assert "no such file" in capsys.readouterr().err


def test_figures_side_by_side(tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text("source,source_id,person_id\na,1,P1\nb,1,P1\na,2,P2\n")
    links = tmp_path / "links.csv"
    links.write_text("source,source_id,contactpoint_id,state\n"
                     "a,1,C1,new\nb,1,C1,auto\na,2,C1,review\n")
    report = evaluate(links, truth)
    lines = comparison_lines({"ours": report, "splink": report})
    assert lines[0].split() == ["ours", "splink"]
    precision = next(line for line in lines if "precision of links" in line)
    assert precision.split()[-2:] == ["0.3333", "0.3333"]
    twins = next(line for line in lines if "twins" in line)
    assert twins.split()[-2:] == ["-", "-"]  # no births.csv given
