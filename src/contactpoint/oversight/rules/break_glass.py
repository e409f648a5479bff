"""Every break glass is an alert (DOMAIN.md: it triggers an immediate investigation and
alerts the management team at once): for the user's own team, the team that shields the
child, and the national team."""

from __future__ import annotations

from contactpoint.oversight.rules.base import BREAK_GLASS, Context, Finding, Seen

RULE = "break_glass"


def check(batch: list[Seen], context: Context) -> list[Finding]:
    return [Finding(RULE, f"{RULE}:{entry.seq}", entry.actor,
                    "Broke the glass to see a shielded child's record", (entry.seq,),
                    child=entry.subject)
            for entry in batch if entry.event == BREAK_GLASS]
