"""Lifecycle: setting up, archiving, purging, shredding and decommissioning."""
