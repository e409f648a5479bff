"""`contactpoint match …` (the matcher's settings) and `contactpoint review …` (the queue).

A person's decisions are taken in their name: `--by USERNAME` names the management team
member or national administrator deciding, and the service checks what they may do.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from contactpoint.cli.base import Failure, Subcommands, Usage, command, date_arg, positive

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from contactpoint.access.models import User
    from contactpoint.matching.models import MatchAction

_Result = TypeVar("_Result")


def _actor(username: str) -> User:
    from contactpoint.access.models import User  # noqa: PLC0415

    try:
        return User.objects.select_related("organisation").get(username=username)
    except User.DoesNotExist:
        raise Usage(f"--by: no user {username!r}") from None


def _review_call(fn: Callable[..., _Result], actor: User, *args: Any, **kwargs: Any,
                 ) -> _Result:
    """A review service called in `actor`'s name. A refusal of the access policy is
    audited here (`access:refused`), once the refused call's transaction has rolled back:
    no request's middleware is there to do it."""
    from django.db import transaction  # noqa: PLC0415

    from contactpoint.access.authorise import Refused, RefusedUnseen, record_refusal  # noqa: PLC0415
    from contactpoint.matching import review  # noqa: PLC0415

    try:
        return fn(actor, *args, **kwargs)
    except review.Invalid as exc:
        raise Usage(str(exc)) from None
    except review.ReviewError as exc:
        if isinstance(exc, (Refused, RefusedUnseen)):
            with transaction.atomic():
                record_refusal(actor, exc)
        raise Failure(str(exc)) from None


# -- match -----------------------------------------------------------------------------------

def _match_show(args: argparse.Namespace) -> None:
    from contactpoint.matching.configuration import active_configuration  # noqa: PLC0415

    config = active_configuration()
    print(f"version {config.pk}, set {config.created_at:%Y-%m-%d %H:%M} by {config.changed_by}")
    print(f"model: {config.trained_on}")
    print(f"thresholds: link {config.link_threshold:g}, review {config.review_threshold:g}, "
          f"margin {config.margin:g} (match weights in bits)")
    if config.note:
        print(f"note: {config.note}")
    if args.json:
        print(json.dumps(config.parameters, indent=2))


def _match_train(args: argparse.Namespace) -> None:
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415
    from contactpoint.matching import configuration as conf  # noqa: PLC0415

    if args.feeds:
        paths = [Path(p) for p in args.feeds]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise Failure(f"cannot read {', '.join(missing)}")
        profiles = conf.profiles_from_feeds(paths, args.today or _today())
        trained_on = f"{len(profiles):,} records of {', '.join(p.name for p in paths)}"[:200]
    else:
        profiles = list(conf.profiles_from_index(get_keystore(), args.sample))
        trained_on = f"{len(profiles):,} records sampled from the index"
    try:
        model = conf.fit(profiles)
        current = conf.thresholds_of(conf.active_configuration())
        config = conf.store_configuration(model, current, trained_on=trained_on,
                                          changed_by=args.by, note=args.note or "")
    except conf.ConfigurationError as exc:
        raise Failure(str(exc)) from None
    print(f"version {config.pk}: trained on {trained_on}; thresholds unchanged")


def _match_thresholds(args: argparse.Namespace) -> None:
    from contactpoint.matching import configuration as conf  # noqa: PLC0415

    if args.link is None and args.review is None and args.margin is None:
        raise Usage("give at least one of --link, --review, --margin")
    try:
        config = conf.set_thresholds(link=args.link, review=args.review, margin=args.margin,
                                     changed_by=args.by, note=args.note or "")
    except conf.ConfigurationError as exc:
        raise Usage(str(exc)) from None
    print(f"version {config.pk}: link {config.link_threshold:g}, review "
          f"{config.review_threshold:g}, margin {config.margin:g}")


def _today() -> date:
    from django.utils import timezone  # noqa: PLC0415

    return timezone.localdate()


def register_match(sub: Subcommands) -> None:
    p = sub.add_parser("match", help="the matcher: its trained model and thresholds")
    msub = p.add_subparsers(dest="match_command", required=True, metavar="ACTION")
    s = command(msub, "show", "the matcher's version, model and thresholds in use",
                _match_show)
    s.add_argument("--json", action="store_true", help="print the model's parameters too")
    t = command(msub, "train", "train the model without labels (from feed files, or a "
                "sample of the index) and use it from the next load", _match_train)
    t.add_argument("feeds", nargs="*", metavar="FEED",
                   help="feed files named SOURCE.jsonl (default: sample the index)")
    t.add_argument("--sample", type=positive, default=200_000,
                   help="records sampled from the index (default 200,000)")
    t.add_argument("--by", required=True, metavar="NAME", help="who is changing it")
    t.add_argument("--note", help="why")
    t.add_argument("--today", type=date_arg, default=None, help=argparse.SUPPRESS)
    h = command(msub, "thresholds", "set the link, review and margin thresholds (bits)",
                _match_thresholds)
    h.add_argument("--link", type=float)
    h.add_argument("--review", type=float)
    h.add_argument("--margin", type=float)
    h.add_argument("--by", required=True, metavar="NAME", help="who is changing them")
    h.add_argument("--note", help="why")


# -- review ----------------------------------------------------------------------------------

def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def _review_list(args: argparse.Namespace) -> None:
    from contactpoint.matching import review  # noqa: PLC0415

    statuses = args.status.split(",")
    items = _review_call(review.queue, _actor(args.by), statuses=statuses, limit=args.limit)
    rows = [{"id": i.pk, "status": i.status, "score": round(i.score, 1),
             "record_child": (i.source_record.child.contactpoint_id
                              if i.source_record.child else None),
             "source": i.source_record.source.name,
             "candidate": i.candidate.contactpoint_id, "reason": i.reason} for i in items]
    if args.json:
        _print_json(rows)
        return
    if not rows:
        print("nothing waiting for review")
        return
    print(f"{'id':>7}  {'status':<9}{'score':>6}  {'record in':<11} {'source':<18}"
          f"{'candidate':<11} reason")
    for r in rows:
        print(f"{r['id']:>7}  {r['status']:<9}{r['score']:>6}  {r['record_child']:<11} "
              f"{r['source']:<18}{r['candidate']:<11} {r['reason']}")


def _review_show(args: argparse.Namespace) -> None:
    from contactpoint.matching import review  # noqa: PLC0415

    shown = _review_call(review.pair, _actor(args.by), args.item)
    if args.json:
        _print_json(shown)
        return
    print(f"review item {shown['id']} ({shown['status']}): score {shown['score']} bits; "
          f"{shown['reason']}")
    record, candidate = shown["record"], shown["candidate"]
    print(f"{'':<22}{'record ' + record['source']:<36}child {candidate['contactpoint_id']}")
    for field in ("source_id", "contactpoint_id", "given_names", "family_name",
                  "former_family_names", "date_of_birth", "gender", "postcode",
                  "address_status", "carers", "identifiers"):
        print(f"  {field:<20}{_cell(record.get(field)):<36}{_cell(candidate.get(field))}")
    print("comparisons:")
    for c in shown["comparisons"]:
        weight = "never" if c["weight"] is None else f"{c['weight']:+.1f}"
        print(f"  {c['comparison']:<20}{c['level']:<40}{weight:>7}")


def _cell(value: Any) -> str:
    if value in (None, "", [], {}):
        return "-"
    if isinstance(value, dict):
        return "; ".join(f"{k} {', '.join(v) if isinstance(v, list) else v}"
                         for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _decided(action: MatchAction) -> None:
    moved = len([m for m in action.moves if m["from"] != m["to"]])
    print(f"decision {action.pk}: {action.get_kind_display().lower()}"
          + (f"; {moved} record(s) moved" if moved else "")
          + (f"; new child {created.contactpoint_id}" if (created := action.created) else "")
          + (f"; child {retired.contactpoint_id} merged into {action.child.contactpoint_id}"
             if (retired := action.retired) and action.child else ""))


def _review_decide(args: argparse.Namespace) -> None:
    from contactpoint.matching import review  # noqa: PLC0415

    actor = _actor(args.by)
    if args.review_command == "link":
        action = _review_call(review.link, actor, args.item, args.reason)
    elif args.review_command == "keep-apart":
        action = _review_call(review.keep_apart, actor, args.item, args.reason)
    elif args.review_command == "defer":
        action = _review_call(review.defer, actor, args.item, args.reason)
    elif args.review_command == "split":
        action = _review_call(review.split, actor, args.source, args.source_id, args.reason)
    elif args.review_command == "merge":
        action = _review_call(review.merge, actor, args.keep, args.gone, args.reason)
    else:
        action = _review_call(review.undo, actor, args.decision, args.reason)
    _decided(action)


def _review_history(args: argparse.Namespace) -> None:
    from contactpoint.matching import review  # noqa: PLC0415

    actions = _review_call(review.history, _actor(args.by), args.contactpoint_id)
    rows: list[dict[str, Any]] = [{"decision": a.pk, "kind": a.kind, "at": a.at.isoformat(),
             "by": a.actor.username, "reason": review.stated_reason(a) or "",
             "undoes": a.undoes_id} for a in actions]
    if args.json:
        _print_json(rows)
        return
    if not rows:
        print("no decisions by people for this child")
    for r in rows:
        undoes = f" (undoes {r['undoes']})" if r["undoes"] else ""
        print(f"{r['decision']:>7}  {r['at'][:16]}  {r['kind']:<11}{undoes} by {r['by']}: "
              f"{r['reason']}")


def register_review(sub: Subcommands) -> None:
    p = sub.add_parser("review", help="the match review queue, split, merge and undo")
    rsub = p.add_subparsers(dest="review_command", required=True, metavar="ACTION")

    def by(parser: argparse.ArgumentParser, *, reason: bool = True) -> None:
        parser.add_argument("--by", required=True, metavar="USERNAME",
                            help="the management team member or national admin deciding")
        if reason:
            parser.add_argument("--reason", required=True,
                                help="why (kept in the history; no personal details)")

    lst = command(rsub, "list", "pairs waiting for a decision", _review_list)
    lst.add_argument("--status", default="open,deferred",
                     help="comma-separated statuses (default open,deferred)")
    lst.add_argument("--limit", type=positive, default=50)
    lst.add_argument("--json", action="store_true")
    by(lst, reason=False)
    show = command(rsub, "show", "one pair side by side, with how each field compared",
                   _review_show)
    show.add_argument("item", type=int, metavar="ITEM")
    show.add_argument("--json", action="store_true")
    by(show, reason=False)
    for name, text in (("link", "the pair is one child: join them"),
                       ("keep-apart", "not the same child: never propose this pair again"),
                       ("defer", "decide later")):
        d = command(rsub, name, text, _review_decide)
        d.add_argument("item", type=int, metavar="ITEM")
        by(d)
    s = command(rsub, "split", "a record wrongly joined to a child becomes a child of its own",
                _review_decide)
    s.add_argument("--source", required=True, metavar="NAME")
    s.add_argument("--source-id", required=True, metavar="ID")
    by(s)
    m = command(rsub, "merge", "two children are one: GONE's records join KEEP",
                _review_decide)
    m.add_argument("keep", metavar="KEEP_ID")
    m.add_argument("gone", metavar="GONE_ID")
    by(m)
    u = command(rsub, "undo", "reverse an earlier decision", _review_decide)
    u.add_argument("decision", type=int, metavar="DECISION")
    by(u)
    h = command(rsub, "history", "every decision people made about a child", _review_history)
    h.add_argument("contactpoint_id", metavar="CONTACTPOINT_ID")
    h.add_argument("--json", action="store_true")
    by(h, reason=False)


REGISTRY = [register_match, register_review]
