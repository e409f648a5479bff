"""The daily-delta generator: a day's plausible changes that the loader takes whole."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from contactpoint.cli.main import main
from contactpoint.feeds.validate import validate_row
from contactpoint.identity.identifiers import normalise_nhs_number
from contactpoint.synth import generate
from contactpoint.synth.delta import SHARES, DeltaError, generate_delta, plan
from delta_changes import FEEDS, delta_changes, feed_rows, postcode, read_rows, read_truth

CHILDREN = 1500
RECORDS = 1000
SEED = 41
TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feeds")
    generate(CHILDREN, SEED, folder, today=TODAY, workers=1)
    return folder


@pytest.fixture(scope="module")
def delta(feeds, tmp_path_factory):
    out = tmp_path_factory.mktemp("delta")
    summary = generate_delta(feeds, RECORDS, 7, out)
    return out, summary


@pytest.fixture(scope="module")
def changes(feeds, delta):
    return delta_changes(feeds, delta[0])


def _latest_recorded_day(feeds):
    return max(datetime.fromisoformat(row["recorded_at"]).date()
               for rows in feed_rows(feeds).values() for row in rows.values())


def test_one_file_per_source_and_exactly_the_records_asked_for(delta, changes):
    out, summary = delta
    assert sorted(p.stem for p in out.glob("*.jsonl")) == sorted(FEEDS)
    assert len(changes) == RECORDS
    assert sum(summary.files.values()) == RECORDS


def test_every_row_passes_the_loaders_validation_whole(delta):
    out, summary = delta
    # Loaded on the delta's day (just after its last record), or on the feeds' day.
    now = datetime.combine(summary.day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rejected, checked = [], 0
    for path in out.glob("*.jsonl"):
        for line, row in enumerate(read_rows(path), start=1):
            for today in (summary.day, summary.day - timedelta(days=1)):
                valid = validate_row(line, row, today=today, now=now)  # raises if refused
                rejected += valid.rejections
                checked += 1
    assert checked == 2 * RECORDS
    assert rejected == []


def test_recorded_on_the_day_after_the_feeds_latest_record(feeds, changes, delta):
    day = _latest_recorded_day(feeds) + timedelta(days=1)
    assert delta[1].day == day
    assert {c.row["recorded_at"][:10] for c in changes} == {day.isoformat()}
    times = {c.row["recorded_at"][11:] for c in changes}
    assert len(times) > RECORDS / 2  # random times through the day, not one stamp


def test_the_mix_of_changes(changes):
    kinds = Counter(c.kind for c in changes)
    assert "unexplained" not in kinds, [c for c in changes if c.kind == "unexplained"][:3]
    for kind, share in SHARES.items():
        assert abs(kinds[kind] / RECORDS - share) <= 0.02, kinds
    # Changes are spread over the sources, not all in one (Child Benefit sends no services,
    # so the other kinds must not be drawn from what the service changes left first).
    for kind in ("move", "family_name", "delete"):
        stems = Counter(c.stem for c in changes if c.kind == kind)
        assert len(stems) >= 3, (kind, stems)
        assert stems.most_common(1)[0][1] <= 0.6 * kinds[kind], (kind, stems)


def test_each_source_record_changes_once(changes):
    keys = Counter((c.stem, c.row["source_id"]) for c in changes)
    assert keys.most_common(1)[0][1] == 1


def test_moves_keep_the_source_id_and_take_another_households_address(feeds, changes):
    moves = [c for c in changes if c.kind == "move"]
    households = {postcode(row) for rows in feed_rows(feeds).values() for row in rows.values()}
    for move in moves:
        assert move.row["source_id"] == move.before["source_id"]
        assert move.row.get("action", "upsert") == "upsert"
        assert postcode(move.row) != postcode(move.before)
        assert postcode(move.row) in households
        assert move.row["address_status"] == "current"
        for before, after in zip(move.before["carers"], move.row["carers"], strict=True):
            assert after.get("address") == (move.row["address"] if before.get("address")
                                             else before.get("address"))
    # Capitals stay capitals (Child Benefit writes addresses so).
    shouted = [m for m in moves if m.before["family_name"].isupper()]
    assert shouted
    assert all(line.isupper() for m in shouted for line in m.row["address"]["lines"])


def test_service_changes_change_one_contact_detail_or_end_date(changes, delta):
    day = delta[1].day.isoformat()
    service_changes = [c for c in changes if c.kind == "service"]
    what = Counter()
    for change in service_changes:
        pairs = list(zip(change.before["services"], change.row["services"], strict=True))
        differing = [(b, a) for b, a in pairs if b != a]
        assert len(differing) == 1
        before, after = differing[0]
        fields = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert len(fields) == 1
        assert fields <= {"phone", "email", "end_date"}
        (name,) = fields
        what[name] += 1
        if name == "end_date":
            assert after["end_date"] == day
    assert set(what) == {"phone", "email", "end_date"}, what


def test_new_family_names_keep_the_old_one_as_former(changes):
    for change in (c for c in changes if c.kind == "family_name"):
        old, new = change.before["family_name"], change.row["family_name"]
        assert new.casefold() != old.casefold()
        assert change.row["former_family_names"][-1] == old
        assert change.row["former_family_names"][:-1] == change.before["former_family_names"]


def test_deletions_name_only_the_record(changes):
    deletions = [c for c in changes if c.kind == "delete"]
    assert deletions
    assert all(set(c.row) == {"source_id", "action", "recorded_at"} for c in deletions)


def test_births_are_new_nhs_records_with_fresh_numbers_and_a_sibling(feeds, changes, delta):
    day = delta[1].day
    births = [c for c in changes if c.kind == "birth"]
    assert births
    assert {c.stem for c in births} == {"nhs_demographics"}
    rows = feed_rows(feeds)
    taken_numbers = {normalise_nhs_number(str(r["identifiers"]["nhs_number"]))
                     for stem in rows.values() for r in stem.values()
                     if (r.get("identifiers") or {}).get("nhs_number")
                     and _valid_nhs(r["identifiers"]["nhs_number"])}
    numbers = [normalise_nhs_number(c.row["identifiers"]["nhs_number"]) for c in births]
    assert len(set(numbers)) == len(births)
    assert not set(numbers) & taken_numbers
    ids = [c.row["source_id"] for c in births]
    assert len(set(ids)) == len(births)
    assert not set(ids) & set(rows["nhs_demographics"])
    style = {re.sub(r"\d", "9", sid) for sid in rows["nhs_demographics"]}
    assert {re.sub(r"\d", "9", sid) for sid in ids} <= style
    with_carers = 0
    for birth in births:
        born = date.fromisoformat(birth.row["date_of_birth"])
        assert day - timedelta(days=14) <= born < day
        siblings = [r for r in rows["nhs_demographics"].values()
                    if r["family_name"] == birth.row["family_name"]
                    and r["address"] == birth.row["address"]
                    and r["carers"] == birth.row["carers"]]
        assert siblings, birth.row
        assert not [s for s in siblings if s["date_of_birth"] == birth.row["date_of_birth"]
                    and s["given_names"] == birth.row["given_names"]]
        gps = [s for s in birth.row["services"] if s["type"] == "gp"]
        assert all(g["organisation_code"] in {s["organisation_code"] for sib in siblings
                                              for s in sib["services"]} for g in gps)
        with_carers += bool(birth.row["carers"])
    assert with_carers > len(births) / 2  # those with carers are chosen first


def _valid_nhs(value):
    try:
        normalise_nhs_number(str(value))
    except ValueError:
        return False
    return True


def test_truth_holds_the_births_with_fresh_person_ids(feeds, changes, delta):
    out = delta[0]
    before = read_truth(feeds / "truth.csv")
    after = read_truth(out / "truth.csv")
    assert (out / "truth.csv").read_text().splitlines()[0] == \
        (feeds / "truth.csv").read_text().splitlines()[0]
    births = {("nhs_demographics", c.row["source_id"]) for c in changes if c.kind == "birth"}
    assert {(r["source"], r["source_id"]) for r in after} == births
    people = [r["person_id"] for r in after]
    assert len(set(people)) == len(people)
    assert not set(people) & {r["person_id"] for r in before}


def test_same_seed_same_bytes_and_another_seed_another_delta(feeds, delta, tmp_path):
    out = delta[0]
    generate_delta(feeds, RECORDS, 7, tmp_path / "again")
    generate_delta(feeds, RECORDS, 8, tmp_path / "other")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in names:
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()
    assert (tmp_path / "other" / "school_census.jsonl").read_bytes() != \
        (out / "school_census.jsonl").read_bytes()


def test_an_explicit_today_dates_the_delta(feeds, tmp_path):
    summary = generate_delta(feeds, 50, 1, tmp_path, today=date(2026, 11, 5))
    assert summary.day == date(2026, 11, 6)
    assert {r["recorded_at"][:10] for p in tmp_path.glob("*.jsonl") for r in read_rows(p)} == \
        {"2026-11-06"}


def test_plan_adds_up_and_keeps_the_shares():
    for records in (1, 2, 7, 19, 200, 10_000):
        counts = plan(records)
        assert sum(counts.values()) == records
        assert all(n >= 0 for n in counts.values())
    assert plan(10_000) == {"move": 5000, "service": 2500, "family_name": 500, "delete": 500,
                            "birth": 1500}


def test_too_few_records_or_no_feeds_is_a_clear_error(feeds, tmp_path):
    with pytest.raises(DeltaError, match="too few records"):
        generate_delta(feeds, CHILDREN * 10, 1, tmp_path / "big")
    with pytest.raises(DeltaError, match="no feed files"):
        generate_delta(tmp_path, 10, 1, tmp_path / "out")
    with pytest.raises(DeltaError, match="overwrite"):
        generate_delta(feeds, 10, 1, feeds)


def test_the_command(feeds, tmp_path, capsys):
    code = main(["synth-delta", "--feeds", str(feeds), "--records", "40", "--seed", "3",
                 "--out", str(tmp_path / "d")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("40 changed records recorded on ")
    assert sum(len(read_rows(p)) for p in (tmp_path / "d").glob("*.jsonl")) == 40
    code = main(["synth-delta", "--feeds", str(tmp_path / "none"), "--records", "4",
                 "--seed", "3", "--out", str(tmp_path / "e")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "no such folder" in err


def test_a_newborn_never_takes_a_number_or_id_already_in_the_feeds(feeds, tmp_path):
    """Feeds already holding every number and id the generator would try first.

    At test sizes a random clash is too rare to see, so the clash is made on purpose:
    the candidates are the generator's own (same seed), written into the NHS feed.
    """
    from contactpoint.synth import delta_scan  # noqa: PLC0415  (its candidates)

    records, seed = 40, 5
    taken = plan(records)["birth"] + 10  # more than it needs; fewer than it tries
    numbers = list(delta_scan._fresh_nhs_numbers(taken, seed))
    ids = list(delta_scan._fresh_source_ids("PDS-000000000", taken, seed))
    crowded = tmp_path / "feeds"
    crowded.mkdir()
    for path in feeds.glob("*.jsonl"):
        (crowded / path.name).write_bytes(path.read_bytes())
    template = next(iter(feed_rows(feeds)["nhs_demographics"].values()))
    with (crowded / "nhs_demographics.jsonl").open("ab") as fh:
        for number, source_id in zip(numbers, ids, strict=True):
            row = dict(template, source_id=source_id,
                       identifiers={"nhs_number": number, "upn": None})
            fh.write(orjson.dumps(row) + b"\n")
    generate_delta(crowded, records, seed, tmp_path / "out")
    births = [c for c in delta_changes(crowded, tmp_path / "out") if c.kind == "birth"]
    assert len(births) == plan(records)["birth"]  # an id already taken is no birth
    assert not {c.row["identifiers"]["nhs_number"] for c in births} & set(numbers)
    assert not {c.row["source_id"] for c in births} & set(ids)
