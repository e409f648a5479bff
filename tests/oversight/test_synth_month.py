"""A synthetic month through the real API, misusers planted: the rules catch each one and
raise (almost) nothing else (`synth-activity`, `bench-alerts`)."""

from __future__ import annotations

import io

import orjson
import pytest

from contactpoint.bench.activity import PLANTED, synth_activity
from contactpoint.bench.alerts import run_alerts_benchmark
from contactpoint.installation.reference import load_reference
from contactpoint.loading.loader import ingest_file
from contactpoint.oversight.models import Alert
from contactpoint.synth.generator import generate
from databases import both_databases

pytestmark = [pytest.mark.slow, both_databases]


def test_every_planted_misuser_is_caught(tmp_path, keystore):
    generate(400, 7, tmp_path / "feeds")
    load_reference(tmp_path / "feeds" / "reference")
    for feed in sorted((tmp_path / "feeds").glob("*.jsonl")):
        ingest_file(feed.stem, feed)
    month = synth_activity(users=40, days=21, seed=3, out=tmp_path / "month.json",
                           progress=lambda done, total: None)
    assert sorted(month["planted"].values()) == sorted(PLANTED)
    assert orjson.loads((tmp_path / "month.json").read_bytes()) == month
    assert set(month["answers"]) <= {"200", "429"}  # 429: the guessed password's lockout

    out = io.StringIO()
    result = run_alerts_benchmark(tmp_path / "month.json", out)
    assert result["caught"] == len(PLANTED), result["missed"]
    assert result["false_per_1000_users_per_week"] < 5, result["false_by_rule"]
    assert "misusers caught 7 of 7" in out.getvalue()
    # Run again: nothing more is raised from the same month.
    before = Alert.objects.count()
    run_alerts_benchmark(tmp_path / "month.json", io.StringIO())
    assert Alert.objects.count() == before
