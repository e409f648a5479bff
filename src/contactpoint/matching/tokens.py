"""Which blind-index tokens a source record contributes (for linking and, later, search)."""

from __future__ import annotations

from typing import Any

from contactpoint.crypto.blind import BlindIndex


def identifier_tokens(record: dict[str, Any], index: BlindIndex) -> dict[str, bytes]:
    """Tokens of the record's valid identifiers issued by other bodies, by kind."""
    ids = record.get("identifiers") or {}
    return {kind: index.token(f"id:{kind}", value) for kind, value in ids.items() if value}
