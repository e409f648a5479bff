"""Oversight: people reading the audit trail about other people's use of the index.

Above the trail (`audit`), which only keeps and proves entries, and above the access
rules it applies: today the Activity page's service (`activity.py`).
"""
