"""Splink, the reference implementation of the Fellegi-Sunter model, as the peer we measure
our matcher against (issue 3, docs/benchmarks.md "Matching accuracy").

Its configuration is the best reasonable one for the fields our matcher uses, built
from the same comparison ideas (matching/compare.py): Jaro-Winkler bands, sound,
nicknames and other given names, parts of a surname and former names, swapped names,
day and month swapped and near dates of birth, postcode with carers as one household
comparison, sex, NHS number, UPN; term-frequency adjustment on exact names. Blocking
follows ours (matching/blocking.py) and training follows ours (matching/training.py):
u by random sampling, m by expectation-maximisation in sessions blocked on different
fields. No truth label is used to train; the truth only scores the result, and picks
the threshold at which Splink does best, so Splink is shown at its best.

Runs in process on DuckDB, in memory, spilling to `out_dir`; DuckDB is told not to
install extensions, so nothing is downloaded.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from contactpoint.bench.splink_input import SplinkInput, read_feeds
from contactpoint.bench.sweep import PairFigures, sweep
from contactpoint.matching.model import FLOOR

LINKS_FILE = "splink_links.csv"
MODEL_FILE = "splink_model.json"
#: Pairs scoring below this match weight are not kept (probability about 1 in 1,000).
FLOOR_WEIGHT = -10.0
#: Thresholds (match weights) the figures are printed at, besides the best.
GRID = tuple(float(w) for w in range(-6, 31, 2))
U_PAIRS = 1e7
SEED = 1


@dataclass
class SplinkResult:
    """What Splink did with the feeds, and how well, at its best threshold."""

    records: int
    rejected: int
    splink_version: str
    best: PairFigures
    best_cut: float  # the match weight clustered at
    grid: list[PairFigures] = field(default_factory=list)
    pairs_scored: int = 0  # blocked pairs scoring at least FLOOR_WEIGHT
    training_seconds: float = 0.0
    prediction_seconds: float = 0.0
    clustering_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    links_csv: Path | None = None
    model_json: Path | None = None

    @property
    def seconds(self) -> float:
        return self.training_seconds + self.prediction_seconds + self.clustering_seconds


def _levels() -> Any:
    import splink.comparison_level_library as cll  # noqa: PLC0415  (the bench extra)
    import splink.comparison_library as cl  # noqa: PLC0415

    def level(sql: str, label: str) -> Any:
        return cll.CustomLevel(sql, label_for_charts=label)

    swapped = cll.ColumnsReversedLevel("given", "family", symmetrical=True).configure(
        label_for_charts="given and family swapped")
    given = cl.CustomComparison(output_column_name="given_name", comparison_levels=[
        cll.NullLevel("given"),
        swapped,
        level("given_l = given_r AND given_second_l IS NOT NULL AND given_second_r IS NOT NULL"
              " AND given_second_l <> given_second_r", "same first, different second name"),
        cll.ExactMatchLevel("given").configure(tf_adjustment_column="given"),
        level("list_has_any(given_forms_l, given_forms_r) OR list_contains(given_names_r, "
              "given_l) OR list_contains(given_names_l, given_r)",
              "nickname or other given name"),
        cll.JaroWinklerLevel("given", 0.92),
        level("given_sound_l = given_sound_r", "same sound"),
        cll.JaroWinklerLevel("given", 0.80),
        level("(length(given_l) = 1 OR length(given_r) = 1) AND "
              "substr(given_l, 1, 1) = substr(given_r, 1, 1)", "initial"),
        cll.ElseLevel(),
    ])
    family = cl.CustomComparison(output_column_name="family_name", comparison_levels=[
        cll.NullLevel("family"),
        cll.ColumnsReversedLevel("given", "family", symmetrical=True).configure(
            label_for_charts="given and family swapped"),
        cll.ExactMatchLevel("family").configure(tf_adjustment_column="family"),
        level("list_has_any(family_parts_l, family_parts_r) OR "
              "replace(family_l, ' ', '') = replace(family_r, ' ', '')", "part of the name"),
        cll.JaroWinklerLevel("family", 0.92),
        level("family_sound_l = family_sound_r", "same sound"),
        level("list_contains(former_r, family_l) OR list_contains(former_l, family_r) OR "
              "list_has_any(former_l, former_r)", "former name"),
        cll.JaroWinklerLevel("family", 0.80),
        cll.ElseLevel(),
    ])
    born = cl.CustomComparison(output_column_name="date_of_birth", comparison_levels=[
        cll.NullLevel("dob"),
        cll.ExactMatchLevel("dob"),
        level("dob_swapped_l = dob_r", "day and month swapped"),
        level("abs(date_diff('day', dob_date_l, dob_date_r)) <= 7 OR "
              "(day(dob_date_l) = day(dob_date_r) AND "
              "(year(dob_date_l) = year(dob_date_r)) <> (month(dob_date_l) = month(dob_date_r)))",
              "within a week, or only the year or month wrong"),
        level("year(dob_date_l) = year(dob_date_r) AND month(dob_date_l) = month(dob_date_r)",
              "same year and month"),
        cll.ElseLevel(),
    ])
    household = cl.CustomComparison(output_column_name="household", comparison_levels=[
        level("(postcode_l IS NULL OR postcode_r IS NULL) AND "
              "(carers_l IS NULL OR carers_r IS NULL)", "null").configure(is_null_level=True),
        level("postcode_l = postcode_r AND list_has_any(carers_l, carers_r)",
              "same postcode and a carer"),
        level("postcode_l = postcode_r", "same postcode"),
        level("list_has_any(carers_l, carers_r)", "a carer, postcode elsewhere or unknown"),
        level("postcode_district_l = postcode_district_r", "same district"),
        cll.ElseLevel(),
    ])
    return [given, family, born, household, *(_same_or_not(column) for column in
                                                ("sex", "nhs_number", "upn"))]


def _same_or_not(column: str) -> Any:
    """Exact match, with m of "different" pinned at our model's floor.

    In these feeds a child's records never disagree on sex or on a valid identifier, so
    EM drives that m to zero, which Splink 5 refuses (it raises on an m below 1e-300);
    our model floors every probability at the same value (matching.model.FLOOR).
    """
    import splink.comparison_level_library as cll  # noqa: PLC0415
    import splink.comparison_library as cl  # noqa: PLC0415

    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column),
        cll.ExactMatchLevel(column),
        cll.ElseLevel().configure(m_probability=FLOOR, fix_m_probability=True),
    ])


def _blocking_rules() -> Any:
    """Ours (matching/blocking.py), as Splink rules; the query widening as extra rules."""
    from splink import block_on  # noqa: PLC0415

    return [
        block_on("dob", "name_sounds", arrays_to_explode=["name_sounds"]),
        block_on("birth_year", "name_pair_a", "name_pair_b"),
        block_on("postcode", "given_sound"),
        block_on("postcode", "family_sound"),
        block_on("postcode", "dob"),
        block_on("nhs_number"),
        block_on("upn"),
        "l.dob_swapped = r.dob AND l.family_sound = r.family_sound",
        "l.name_pair_a = r.name_pair_a AND l.name_pair_b = r.name_pair_b "
        "AND abs(l.birth_year - r.birth_year) = 1",
    ]


def _training_sessions() -> Any:
    """Our sessions (matching/training.SESSIONS): each trains what it was not blocked on."""
    from splink import block_on  # noqa: PLC0415

    return [
        block_on("dob", "given_sound"),
        block_on("postcode", "dob"),
        block_on("birth_year", "given_sound", "family_sound"),
    ]


def _connection(spill_dir: Path) -> Any:
    import duckdb  # noqa: PLC0415

    spill_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,  # never download anything
        "temp_directory": str(spill_dir),
    })


def _peak_rss_reset() -> bool:
    """Start measuring peak memory from now (Linux: clear the high-water mark)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _persons(records: SplinkInput, truth_csv: Path) -> list[int]:
    """Each row's true person as a small int (a row missing from the truth is its own)."""
    truth: dict[tuple[str, str], str] = {}
    with Path(truth_csv).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for source, source_id, person_id in reader:
            truth[(source, source_id)] = person_id
    index: dict[str, int] = {}
    return [index.setdefault(truth.get(key) or f"?{row}", len(index))
            for row, key in enumerate(records.keys)]


def _trained_linker(db_api: Any, table: Any) -> Any:
    """A Linker over the records, trained as ours is: no labels, u then m in sessions."""
    from splink import Linker, SettingsCreator, block_on  # noqa: PLC0415

    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=_levels(),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(db_api.register(table, dataset_display_name="records"), settings,
                    log_level=logging.WARNING)
    # Splink's recipe for the prior: pairs that near-certain rules find, over a guessed
    # recall of those rules (identifiers are missing from half the feeds).
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("upn"), block_on("given", "family", "dob")],
        recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED)
    for rule in _training_sessions():
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    return linker


def run_splink(feeds_dir: Path, truth_csv: Path, out_dir: Path, *,
               today: date | None = None) -> SplinkResult:
    """Train Splink on the feeds, predict, cluster at its best threshold; score it.

    `today` is the date ages are checked on, as `contactpoint ingest --today` (the
    synthetic population's own date, so the same rows are rejected as by our loader).
    """
    import splink  # noqa: PLC0415
    from splink import DuckDBAPI  # noqa: PLC0415

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = read_feeds(Path(feeds_dir), today or date.today())
    persons = _persons(records, truth_csv)
    table = records.take_table()
    _peak_rss_reset()

    started = time.perf_counter()
    db_api = DuckDBAPI(_connection(out_dir / "duckdb-spill"))
    linker = _trained_linker(db_api, table)
    del table
    trained = time.perf_counter()

    predictions = linker.inference.predict(threshold_match_weight=FLOOR_WEIGHT)
    scored = predictions.as_pyarrow_table().select(
        ["match_weight", "unique_id_l", "unique_id_r"]).to_pydict()
    predicted = time.perf_counter()

    links = list(zip(scored["match_weight"], scored["unique_id_l"], scored["unique_id_r"],
                     strict=True))
    result = sweep(persons, links, GRID)

    clustering_started = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=_probability(result.best_cut))
    cluster_of = dict(zip(*clusters.as_pyarrow_table().select(
        ["unique_id", "cluster_id"]).to_pydict().values(), strict=True))
    clustered = time.perf_counter()
    peak = _peak_rss_mib()

    links_csv = write_links(out_dir / LINKS_FILE, records, cluster_of)
    model_json = out_dir / MODEL_FILE
    linker.misc.save_model_to_json(str(model_json), overwrite=True)
    db_api.duckdb_con.close()
    return SplinkResult(
        records=len(records), rejected=records.rejected, splink_version=splink.__version__,
        best=result.best, best_cut=result.best_cut, grid=result.grid,
        pairs_scored=len(links),
        training_seconds=trained - started, prediction_seconds=predicted - trained,
        clustering_seconds=clustered - clustering_started, peak_rss_mib=peak,
        links_csv=links_csv, model_json=model_json,
    )


def _probability(weight: float) -> float:
    return 1 / (1 + 2 ** -weight)


def write_links(path: Path, records: SplinkInput, cluster_of: dict[int, object]) -> Path:
    """Splink's clusters as `contactpoint links` writes ours: a cluster is a child, its
    records `auto` when linked to another and `new` when alone, so evaluate() scores both
    matchers the same way.
    """
    sizes: dict[object, int] = {}
    for cluster in cluster_of.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "source_id", "contactpoint_id", "state"])
        for row, (source, source_id) in enumerate(records.keys):
            cluster = cluster_of.get(row, f"single-{row}")
            state = "auto" if sizes.get(cluster, 1) > 1 else "new"
            writer.writerow([source, source_id, f"S{cluster}", state])
    return path
