"""`contactpoint serve` with the audit hook as it was before the trail: benchmarks only.

`contactpoint bench-search` runs its searches twice, against the real server and
against this one, to print what the sealed trail costs a search. Here
`audit.hooks.record` writes only its log line, as it did before entries were kept:
nothing is sealed, stored or sequenced. Never serve real use with it.

    python -m contactpoint.bench.untrailed serve --port 8000
"""

from __future__ import annotations

import logging
import os
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
    """`serve --port N`, as `contactpoint serve` does, with the hook only logging."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m contactpoint.bench.untrailed")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from contactpoint.audit import hooks  # noqa: PLC0415

    hooks.record = _log_only  # before anything imports it; the forked web workers inherit it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
    import django  # noqa: PLC0415

    django.setup()
    from contactpoint.web.server import serve  # noqa: PLC0415

    serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
