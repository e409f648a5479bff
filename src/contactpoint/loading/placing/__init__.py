"""Placing: feed rows into children, with no Django, for every path that loads feeds.

- `rules`: which version of a record wins, when a stored one stands, the link states
  and actions, and `LoadSummary`, the counts every load reports.
- `placer`: the one placing loop (`Placer`) over a `RecordStore`, and the plan it
  hands the store (new child, link, update, delete).
- `memory`: the in-memory `RecordStore` and `MemoryPlacer` (`initial-load`, the replay).

The database's `RecordStore` is loading.loader.IndexRecords (`ingest`, the feeds API);
the linker's interface is matching.linker.Linker.
"""
