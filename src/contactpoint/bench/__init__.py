"""Benchmarks that print figures: `contactpoint bench` (docs/benchmarks.md).

Speed is measured here and reported, never asserted in tests: a timing that passes
on one machine fails on a busier one, and says nothing about why.
"""

from datetime import date

#: The date every benchmark's synthetic feeds are generated for (and loaded with, as
#: `ingest --today`), so runs on different days load the same bytes. Here, not in the
#: benchmarks' own modules, so the command line can show it without importing them.
TODAY = date(2026, 11, 1)
