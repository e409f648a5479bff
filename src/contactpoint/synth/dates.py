"""Day arithmetic, fast: generation adds days to dates millions of times."""

from __future__ import annotations

from datetime import timedelta

# Building a timedelta costs ten times more than adding one; these cover 0 to 21 years.
_DAYS = tuple(timedelta(days=n) for n in range(21 * 366))


def days(n: int) -> timedelta:
    """``timedelta(days=n)``, from a table when it can."""
    return _DAYS[n] if 0 <= n < len(_DAYS) else timedelta(days=n)
