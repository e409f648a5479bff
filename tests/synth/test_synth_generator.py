"""The generator's promises: same inputs, same bytes; every row in the truth; flat files."""

from __future__ import annotations

import csv
import hashlib
import pathlib
import threading

import orjson
import pytest
from synth_population import SEED, TODAY, Population

from contactpoint.synth import SOURCES, generate
from contactpoint.synth.generator import REFERENCE_FOLDER, TRUTH_FILE, json_lines

FILES = [f"{source}.jsonl" for source in SOURCES] + [TRUTH_FILE]


def digests(folder: pathlib.Path) -> dict[str, str]:
    names = FILES + [
        f"{REFERENCE_FOLDER}/{name}"
        for name in ("local_authorities.csv", "postcode_districts.csv", "organisations.csv",
                     "births.csv")
    ]
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """2,500 children (two chunks) generated four ways."""
    runs = {}
    for label, seed, workers, children in (
        ("one_worker", 11, 1, 2500),
        ("two_workers", 11, 2, 2500),
        ("other_seed", 12, 1, 2500),
        ("one_chunk", 11, 1, 2000),
    ):
        folder = tmp_path_factory.mktemp(label)
        generate(children, seed, folder, today=TODAY, workers=workers)
        runs[label] = folder
    return runs


def test_same_seed_gives_same_bytes_whatever_the_number_of_workers(small_runs):
    assert digests(small_runs["one_worker"]) == digests(small_runs["two_workers"])


def test_a_different_seed_gives_different_children(small_runs):
    ours, theirs = digests(small_runs["one_worker"]), digests(small_runs["other_seed"])
    assert all(ours[name] != theirs[name] for name in FILES)


def test_chunks_do_not_depend_on_the_population_size(small_runs):
    """The first 2,000 children are the same whether 2,000 or 2,500 are asked for."""
    for name in FILES:
        small = (small_runs["one_chunk"] / name).read_bytes()
        large = (small_runs["one_worker"] / name).read_bytes()
        assert large.startswith(small), name


def test_the_same_folder_regenerated_is_unchanged(tmp_path, small_runs):
    generate(2500, 11, tmp_path, today=TODAY, workers=2)
    assert digests(tmp_path) == digests(small_runs["one_worker"])


def test_truth_lists_every_row_once(population: Population):
    listed = population.truth
    written = {
        (source, row["source_id"]) for source, rows in population.rows.items() for row in rows
    }
    assert set(listed) == written
    assert len(listed) == sum(len(rows) for rows in population.rows.values())
    assert set(listed.values()) <= set(population.children)


def test_truth_file_has_the_contract_header(population: Population):
    with (population.folder / TRUTH_FILE).open() as handle:
        assert next(csv.reader(handle)) == ["source", "source_id", "person_id"]


def test_summary_counts_match_the_files(population: Population):
    summary = population.summary
    assert summary.children == 20_000 == len(population.children)
    for source in SOURCES:
        assert summary.rows[f"{source}.jsonl"] == len(population.rows[source])
    assert summary.rows[TRUTH_FILE] == len(population.truth)
    assert summary.households == len({child.household for child in population.children.values()})


def test_progress_reports_children_done_until_all_are(tmp_path):
    calls = []
    generate(
        4100,
        SEED,
        tmp_path,
        today=TODAY,
        workers=1,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(2000, 4100), (4000, 4100), (4100, 4100)]


def test_no_children_still_writes_empty_feeds_and_reference(tmp_path):
    summary = generate(0, SEED, tmp_path, today=TODAY, workers=1)
    assert summary.rows[TRUTH_FILE] == 0
    for name in FILES[:-1]:
        assert (tmp_path / name).read_bytes() == b""


def test_reference_data_is_in_its_own_folder(population: Population):
    reference = population.folder / REFERENCE_FOLDER
    assert not list(reference.glob("*.jsonl"))
    assert sorted(path.name for path in population.folder.glob("*.jsonl")) == sorted(FILES[:-1])
    with (reference / "local_authorities.csv").open() as handle:
        authorities = list(csv.DictReader(handle))
    assert 20 <= len(authorities) <= 30
    assert {"code": "E08000035", "name": "Leeds"} in authorities
    with (reference / "postcode_districts.csv").open() as handle:
        districts = list(csv.DictReader(handle))
    assert {d["authority_code"] for d in districts} == {a["code"] for a in authorities}


def test_every_organisation_a_feed_mentions_is_in_the_reference(population: Population):
    with (population.folder / REFERENCE_FOLDER / "organisations.csv").open() as handle:
        organisations = {row["code"]: row for row in csv.DictReader(handle)}
    authorities = {
        row["code"]
        for row in csv.DictReader(
            (population.folder / REFERENCE_FOLDER / "local_authorities.csv").open()
        )
    }
    types = {
        "local_authority",
        "school",
        "early_years",
        "gp_practice",
        "nhs_trust",
        "social_care",
        "youth_offending",
        "police",
        "voluntary",
        "other",
    }
    assert {row["type"] for row in organisations.values()} <= types
    assert {row["authority_code"] for row in organisations.values()} <= authorities
    for rows in population.rows.values():
        for row in rows:
            for involvement in row["services"]:
                organisation = organisations[involvement["organisation_code"]]
                assert organisation["name"] == involvement["organisation"]


def test_too_many_children_is_refused(tmp_path):
    with pytest.raises(ValueError, match="children must be"):
        generate(-1, SEED, tmp_path, today=TODAY)


def test_json_lines_are_the_rows_dumped_one_by_one():
    rows = [
        {"source_id": "A-1", "carers": [{"given_names": 'O"Brien},{"source_id":'}], "x": None},
        {"source_id": "A-2", "services": [{"type": "gp"}, {"type": "school"}]},
    ]
    expected = b"".join(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in rows)
    assert json_lines(rows) == expected
    assert json_lines([]) == b""


def test_same_bytes_when_workers_cannot_be_forked(tmp_path, small_runs):
    """With another thread running, workers start from a fork server instead."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        generate(2500, 11, tmp_path, today=TODAY, workers=2)
    finally:
        stop.set()
        thread.join()
    assert digests(tmp_path) == digests(small_runs["one_worker"])


def test_the_summary_reads_as_one_line(population: Population):
    line = population.summary.line()
    assert "\n" not in line
    assert line.startswith("20,000 children in ")
    assert "truth.csv" in line
