"""Refused requests as one log line each: status, method, path and reason, no traceback.

Django logs every 4xx answer on `django.request` (and a refused CSRF check or a bad Host
on `django.security.*`); when a view raised PermissionDenied, the record carries the
exception and a handler prints its whole traceback. A refusal is the service working,
not failing: one line is enough to see who was refused what, and tracebacks stay for
5xx, where they help. No Django import: settings' LOGGING loads this before the apps.
"""

from __future__ import annotations

import logging


def _one_line(text: object) -> str:
    """Newlines (a path can hold an encoded one) must not start a forged log line."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


class OneLineRefusals(logging.Filter):
    """Rewrites a 4xx record to `<status> <method> <path> refused: <reason>`, without exc_info."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if (not isinstance(status, int) or not 400 <= status < 500
                or getattr(record, "one_line_refusal", False)):
            # (Configuring logging again, as each django.setup() does, adds the filter to
            # the logger again: a record already rewritten is left as it is.)
            return True
        request = getattr(record, "request", None)
        path = getattr(request, "path", None) or "?"
        method = getattr(request, "method", None) or "?"
        exception = record.exc_info[1] if record.exc_info else None
        if exception is not None:
            reason = str(exception) or type(exception).__name__
        else:
            reason = record.getMessage().removesuffix(f": {path}")
        record.msg = "%s %s %s refused: %s"
        record.args = (status, _one_line(method), _one_line(path), _one_line(reason))
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.one_line_refusal = True
        return True
