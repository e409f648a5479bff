"""The initial load: a whole population's first feeds into an empty index, in bulk.

`contactpoint ingest` places each batch against the index in the database and writes it
in one transaction: right for a day's changes, but a national first load through it
ran at under 1,000 records a second, spending its time on round trips to a growing
index and on unsealing candidates (docs/benchmarks.md). Here, in two phases:

1. **Place.** loading.placing.memory.MemoryPlacer reads the files in the order given, through
   reading workers on every core, and places every record exactly as `ingest` would
   place those files in that order, against an index held in memory. Each placed
   record goes to a spool on disk, in buckets by child, sealed under a key that exists
   only in this process's memory: a copy of the spool, or a crash that leaves it
   behind, reveals nothing (`spool`).
2. **Write.** Forked writers (`processes`) take the buckets in turn. A bucket holds
   every record of its children, so each child is derived once from all its records,
   and its data key is made, committed to the key store, then its rows written
   (children, sealed source records, blind-index entries) in one transaction per few
   thousand children, numbered in the order they are written (`writers`). Decisions
   and review items, which name children and records of other buckets, are written
   last.

It needs an empty index (no children, no source records), and refuses feeds whose
placing would not fit in memory (`memory`). A marker (a FeedLoad per file, not
finished) is committed before anything else; if the load dies, running it again finds
the marker, clears what the dead run wrote and starts again, so it ends as one clean
run would (`markers`). The filled tables' indexes, and on PostgreSQL their constraints,
are dropped for the writing and put back at the end (`tables`). `load` runs it all.
"""

from contactpoint.loading.initial.errors import InitialLoadError
from contactpoint.loading.initial.load import BUCKETS, InitialSummary, initial_load
from contactpoint.loading.initial.markers import MARKER
from contactpoint.loading.initial.spool import SPOOL_PREFIX, Spool

__all__ = ["BUCKETS", "MARKER", "SPOOL_PREFIX", "InitialLoadError", "InitialSummary", "Spool",
           "initial_load"]
