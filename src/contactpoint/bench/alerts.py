"""The misuse rules against a synthetic month (`contactpoint synth-activity`): what they
raise, whether every planted misuser is caught, and the false alarms per 1,000 users per
week (the target: every misuser caught, fewer than 5)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from time import perf_counter
from typing import Any, TextIO

import orjson

from contactpoint.oversight import runner
from contactpoint.oversight.models import Alert


def run_alerts_benchmark(activity: Path, out: TextIO) -> dict[str, Any]:
    month = orjson.loads(activity.read_bytes())
    users = set(month["users"])
    planted: dict[str, str] = month["planted"]
    started = perf_counter()
    report = runner.run()
    seconds = perf_counter() - started
    alerts = list(Alert.objects.filter(username__in=users))
    on_misusers = [a for a in alerts if a.username in planted]
    false = [a for a in alerts if a.username not in planted]
    caught = sorted(u for u, rule in planted.items()
                    if any(a.username == u and a.rule == rule for a in alerts))
    weeks = month["days"] / 7
    rate = len(false) * 1000 / len(users) / weeks if users and weeks else 0.0
    result = {"users": len(users), "days": month["days"], "entries_read": report.read,
              "seconds": round(seconds, 2), "alerts": len(alerts),
              "by_rule": dict(sorted(Counter(a.rule for a in alerts).items())),
              "on_misusers": len(on_misusers), "planted": len(planted),
              "caught": len(caught),
              "missed": sorted(f"{u} ({r})" for u, r in planted.items() if u not in caught),
              "false_alarms": len(false),
              "false_by_rule": dict(sorted(Counter(a.rule for a in false).items())),
              "false_per_1000_users_per_week": round(rate, 2)}
    out.write(f"users {result['users']}, days {result['days']}, entries read "
              f"{report.read} in {seconds:.1f} s\n")
    out.write(f"alerts raised {len(alerts)} {result['by_rule']}\n")
    out.write(f"on the planted misusers {len(on_misusers)}; misusers caught "
              f"{len(caught)} of {len(planted)}"
              + (f" (missed: {', '.join(result['missed'])})" if result["missed"] else "")
              + "\n")
    out.write(f"false alarms {len(false)} {result['false_by_rule']}: "
              f"{rate:.2f} per 1,000 users per week (target < 5)\n")
    return result
