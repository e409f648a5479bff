"""Every subcommand, gathered from the modules that define them (in the order `--help` lists)."""

from __future__ import annotations

from contactpoint.cli import (
    accounts,
    alerts,
    audit,
    bench,
    feeds,
    lifecycle,
    matching,
    operations,
    subject_access,
    tokens,
)

REGISTRY = [*operations.REGISTRY[:1], *feeds.REGISTRY, *operations.REGISTRY[1:],
            *accounts.REGISTRY, *bench.REGISTRY, *matching.REGISTRY, *tokens.REGISTRY,
            *audit.REGISTRY, *subject_access.REGISTRY, *alerts.REGISTRY,
            *lifecycle.REGISTRY]
