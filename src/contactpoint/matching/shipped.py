"""The model shipped with the code, for an operator who has not trained their own.

Trained without labels (matching.training.train_on_feeds: u from random pairs, m by EM
in sessions, the given names in use) on a synthetic population whose seed no
benchmark or test evaluates on, so the shipped model has never seen the children it is
measured on. Rebuilt, byte for byte, by:

    python -m contactpoint.matching.shipped

An operator's own first load is better matched by a model trained on their feeds
(docs/matching.md): the shipped one knows only the synthetic population's names.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date
from importlib.resources import files
from pathlib import Path

from contactpoint.matching.model import DEFAULT_MODEL_FILE, MatchModel
from contactpoint.matching.training import train_on_feeds

CHILDREN = 20_000
#: Not 1 or 7 (the accuracy benchmarks' seeds), nor a test's.
SEED = 99
TODAY = date(2026, 11, 1)


def build_default_model(children: int = CHILDREN, seed: int = SEED,
                        today: date = TODAY) -> MatchModel:
    """Generate the synthetic feeds and train on them, as an operator's first load would."""
    from contactpoint.synth import generate  # noqa: PLC0415  (only the build needs it)

    with tempfile.TemporaryDirectory(prefix="contactpoint-model-") as folder:
        feeds = Path(folder)
        generate(children, seed, feeds, today=today)
        return train_on_feeds(sorted(feeds.glob("*.jsonl")), today)


def model_json(model: MatchModel) -> str:
    """Stable text: the same model gives the same bytes."""
    return json.dumps(model.as_json(), indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    default_out = Path(str(files("contactpoint.matching").joinpath(DEFAULT_MODEL_FILE)))
    parser = argparse.ArgumentParser(prog="python -m contactpoint.matching.shipped",
                                     description="Rebuild the shipped matching model.")
    parser.add_argument("--children", type=int, default=CHILDREN)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args(argv)
    args.out.write_text(model_json(build_default_model(args.children, args.seed)),
                        encoding="utf-8")
    print(f"wrote {args.out} ({args.children:,} children, seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
