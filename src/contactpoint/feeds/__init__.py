"""Feeds: reading, validating and loading source systems' records."""
