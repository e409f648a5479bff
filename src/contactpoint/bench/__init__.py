"""Benchmarks that print figures: `contactpoint bench` (docs/benchmarks.md).

Speed is measured here and reported, never asserted in tests: a timing that passes
on one machine fails on a busier one, and says nothing about why.
"""
