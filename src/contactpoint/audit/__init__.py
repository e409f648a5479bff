"""Audit: every action on accounts and children goes through one hook (hooks.record)."""
