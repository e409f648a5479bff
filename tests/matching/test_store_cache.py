"""The index store keeps candidates' profiles between batches, never stale ones."""

from datetime import date

from contactpoint.feeds.loader import ingest_file
from contactpoint.identity.models import SourceRecord
from contactpoint.matching.store import IndexStore
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases
TODAY = date(2026, 11, 22)


def load(tmp_path, rows, name):
    return ingest_file("nhs_demographics", write_jsonl(tmp_path / name, rows), today=TODAY)


def given_names(found):
    return {c: sorted(" ".join(r.profile.given) for r in held) for c, held in found.items()}


def test_a_record_met_again_comes_from_the_cache_and_a_changed_one_does_not(tmp_path,
                                                                           keystore):
    load(tmp_path, [feed_row(source_id="A", given_names="Amelia Rose",
                             identifiers={"nhs_number": nhs_number()}),
                    feed_row(source_id="B", given_names="Tomasz", family_name="Nowak",
                             date_of_birth="2012-01-02",
                             identifiers={"nhs_number": nhs_number()})], "first.jsonl")
    children = set(SourceRecord.objects.values_list("child", flat=True))
    store = IndexStore(keystore)

    first, sources = store.child_records(children)
    assert sorted(v[0] for v in given_names(first).values()) == ["amelia rose", "tomasz"]
    assert set(store.unsealed) == children  # read and unsealed: the loader may re-derive
    assert sources == {c: {"nhs_demographics"} for c in children}

    again, _ = store.child_records(children)
    assert given_names(again) == given_names(first)
    assert store.unsealed == {}  # from the cache: nothing was unsealed this time

    amelia = next(c for c, names in given_names(first).items() if names == ["amelia rose"])
    load(tmp_path, [feed_row(source_id="A", given_names="Amelie Rose",
                             recorded_at="2026-11-02T09:30:00Z",
                             identifiers={"nhs_number": nhs_number()})], "second.jsonl")
    changed, _ = store.child_records(children)
    assert given_names(changed)[amelia] == ["amelie rose"]
    assert set(store.unsealed) == {amelia}  # only the changed record was read again


def test_the_cache_holds_no_more_than_it_is_given(tmp_path, keystore):
    load(tmp_path, [feed_row(source_id=f"C{i}", given_names=name,
                             identifiers={"nhs_number": nhs_number()})
                    for i, name in enumerate(["Ada", "Bea", "Cai", "Dov"])], "four.jsonl")
    children = set(SourceRecord.objects.values_list("child", flat=True))
    store = IndexStore(keystore, cached_records=2)
    found, _ = store.child_records(children)
    assert sum(len(held) for held in found.values()) == 4
    assert len(store._cache) == 2
    # Again: two from the cache, two read, whose arrival evicts the first two.
    again, _ = store.child_records(children)
    assert given_names(again) == given_names(found)
    assert len(store._cache) == 2
