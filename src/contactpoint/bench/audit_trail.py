"""`contactpoint audit verify` on a stored trail: entries a second, and bytes an entry.

Makes a fresh installation (SQLite in a temporary data directory, or PostgreSQL
databases of its own on CONTACTPOINT_BENCH_POSTGRES_URL, dropped afterwards), fills
its trail with `--entries` entries shaped like a day's use (searches returning a few
children with their criteria sealed, record views with a reason, sign-ins), places them
in the log and signs a checkpoint every `--checkpoint-every` entries, then times the
whole `trail.verify()` as `contactpoint audit verify` runs it: reading every entry
from the database, recomputing its leaf, rebuilding the tree and checking each
checkpoint's signature and root. It prints entries a second for verify, and the
trail's bytes on disk per entry (tables and indexes).

    python -m contactpoint.bench.audit_trail [--entries 1000000] [--engine sqlite|postgres]
        [--work-dir DIR]

With `--work-dir` (SQLite only) the installation is kept there, and a second run with
the same directory only times verify again: filling a million entries takes minutes,
and a figure is best taken on a quiet machine.

The filling and the timing run in a child process that sets Django up against the
fresh databases; this process never does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from contactpoint.bench import engines

#: Of every 20 entries: 14 searches, 5 record views, 1 sign-in.
_MIX = ["child:search"] * 14 + ["child:record:view"] * 5 + ["account:signin:success"]
_CHILDREN = 20_000
_BATCH = 5_000


def _fill(entries: int, checkpoint_every: int) -> None:
    """In the child process: write the entries as the hook stores them, and place them."""
    import random  # noqa: PLC0415

    import orjson  # noqa: PLC0415
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from contactpoint.audit import sealing, trail  # noqa: PLC0415
    from contactpoint.audit.models import Entry, Pending  # noqa: PLC0415
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415
    from contactpoint.identity.identifiers import new_contactpoint_id  # noqa: PLC0415

    rng = random.Random(21)  # noqa: S311 -- benchmark data, seeded to be repeatable
    keys = get_keystore()
    ids = [new_contactpoint_id() for _ in range(_CHILDREN)]
    keys.create_child_keys(ids)
    written = 0
    while written < entries:
        batch: list[Entry] = []
        for n in range(written, min(written + _BATCH, entries)):
            event = _MIX[n % len(_MIX)]
            details: dict[str, object]
            content: dict[str, object]
            if event == "child:search":
                found = rng.sample(ids, rng.choice((0, 1, 1, 2, 3, 5)))
                details = {"exact": False, "limit": 50, "too_many_matches": False,
                           "results": found}
                content = {"criteria": {"family_name": f"Family{n}", "given_name": "Sam",
                                        "date_of_birth": "2015-04-02", "postcode": None,
                                        "gender": None, "exact": False, "limit": 50}}
            elif event == "child:record:view":
                found = [rng.choice(ids)]
                details = {"break_glass": False, "shielded": False, "asked_for": found[0]}
                content = {"reason": "child_protection_enquiry"}
            else:
                found, details, content = [], {"second_factor": "app"}, {}
            batch.append(Entry(
                at=timezone.now(), event=event, actor=f"user{n % 5000}",
                organisation=f"URN:{100000 + n % 3000}", role="practitioner",
                subject=found[0] if event == "child:record:view" else None,
                children=" ".join(found),
                details=orjson.dumps(details, option=orjson.OPT_SORT_KEYS).decode(),
                sealed=sealing.seal(content, found, keys) if content else None))
        with transaction.atomic():
            made = Entry.objects.bulk_create(batch)
            Pending.objects.bulk_create([Pending(entry_id=e.pk) for e in made])
        written += len(batch)
        trail.sequence()
        if written % checkpoint_every < _BATCH or written == entries:
            trail.sign_checkpoint(keys)
        print(f"  filled {written:,} of {entries:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def _child(entries: int, checkpoint_every: int, fill: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
    import django  # noqa: PLC0415

    django.setup()

    from contactpoint.audit import trail  # noqa: PLC0415
    from contactpoint.installation.setup import initialise  # noqa: PLC0415

    if fill:
        for _ in initialise():
            pass
        started = time.perf_counter()
        _fill(entries, checkpoint_every)
        print(f"filled and placed {entries:,} entries in {time.perf_counter() - started:.1f} s")
    else:
        from contactpoint.audit.models import Leaf  # noqa: PLC0415

        entries = Leaf.objects.count()
        print(f"timing verify again on the {entries:,} entries kept")
    wall, cpu = time.perf_counter(), time.process_time()
    found = trail.verify()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not found.ok:
        raise SystemExit(f"an honest trail failed: {found.describe()}")
    print(found.describe())
    print(f"verify: {wall:.2f} s, {entries / wall:,.0f} entries/s "
          f"(CPU {cpu:.2f} s, {entries / cpu:,.0f} entries/s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=50_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep the SQLite installation here; if it is already there, "
                        "only time verify again")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.entries < 1 or args.checkpoint_every < 1:
        parser.error("--entries and --checkpoint-every must be at least 1")
    if args.work_dir and args.engine != "sqlite":
        parser.error("--work-dir keeps a SQLite installation only")
    if args.child:
        _child(args.entries, args.checkpoint_every, args.fill)
        return 0
    if args.work_dir:
        fill = not (args.work_dir / "contactpoint.db").exists()
        args.work_dir.mkdir(parents=True, exist_ok=True)
        return _run(args, str(args.work_dir), engines.SqliteTarget(args.work_dir), fill)
    server = os.environ.get(engines.POSTGRES_URL_VARIABLE)
    with tempfile.TemporaryDirectory(prefix="cp-audit-bench-") as work, \
            engines.provision(args.engine, Path(work), server) as target:
        return _run(args, work, target, fill=True)


def _run(args: argparse.Namespace, work: str, target: engines.Target, fill: bool) -> int:
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": work, **target.environment()}
    print(f"audit trail on {target.name} ({target.location()}): {args.entries:,} entries, "
          f"a checkpoint every {args.checkpoint_every:,}", flush=True)
    subprocess.run([sys.executable, "-m", "contactpoint.bench.audit_trail", "--child",  # noqa: S603  (this module, our own arguments)
                    "--entries", str(args.entries), "--checkpoint-every",
                    str(args.checkpoint_every), *(["--fill"] if fill else [])],
                   env=env, check=True)
    data, _ = target.database_bytes()
    print(f"data database: {data / 1e6:,.0f} MB, about {data / args.entries:,.0f} bytes "
          "an entry (the trail is nearly all of it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
