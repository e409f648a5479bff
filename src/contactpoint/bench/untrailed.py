"""`contactpoint serve` with the audit hook as it was before the trail: benchmarks only.

`contactpoint bench-search` runs its searches twice, against the real server and
against this one, to print what the sealed trail costs a search. Here
`audit.hooks.record` writes only its log line, as it did before entries were kept:
nothing is sealed, stored or sequenced. Never serve real use with it.

    python -m contactpoint.bench.untrailed serve --port 8000
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson


def _log_only(event: str, *, actor: Any, organisation: Any = None, reason: str | None = None,
              subject: Any = None, details: dict[str, Any] | None = None,
              personal: dict[str, Any] | None = None, children: Any = None) -> dict[str, Any]:
    from contactpoint.audit import hooks  # noqa: PLC0415

    if not hooks.EVENT_NAME.match(event):
        raise ValueError(f"audit event names are scope:resource:action, not {event!r}")
    line = {"event": event, "actor": hooks._name(actor),
            "organisation": hooks._name(organisation or getattr(actor, "organisation", None)),
            "subject": hooks._name(subject), "details": details or {}}
    logging.getLogger("contactpoint.audit").info(orjson.dumps(line, default=str).decode())
    return line


def main(argv: list[str]) -> int:
    from contactpoint.audit import hooks  # noqa: PLC0415
    from contactpoint.cli.main import main as contactpoint  # noqa: PLC0415

    hooks.record = _log_only  # the forked web workers inherit it
    return contactpoint(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
