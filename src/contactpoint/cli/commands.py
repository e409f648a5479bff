"""Every subcommand, gathered from the modules that define them (in the order `--help` lists)."""

from __future__ import annotations

from contactpoint.cli import accounts, audit, bench, feeds, lifecycle, matching, operations, tokens

REGISTRY = [*operations.REGISTRY[:1], *feeds.REGISTRY, *operations.REGISTRY[1:],
            *accounts.REGISTRY, *bench.REGISTRY, *matching.REGISTRY, *tokens.REGISTRY,
            *audit.REGISTRY, *lifecycle.REGISTRY]
