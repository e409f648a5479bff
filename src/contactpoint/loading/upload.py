"""Loading a feed that arrives over the API rather than as a file.

The same loader as `contactpoint ingest` (loading/loader.py), run by the same function
(`load_and_finish`: checkpointing, garbage collection, statistics) on rows parsed by
the same reader, so a body and a file with the same lines give the same summary and
the same rejections; here the rejections are returned to the caller instead of
written beside a file. Each load is recorded as a FeedLoad, as a file's is, and
audited once with its counts (`feeds:feed:load`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from contactpoint.access.models import SourceSystem
from contactpoint.errors import Conflict
from contactpoint.feeds.models import FeedLoad
from contactpoint.feeds.pipeline import check
from contactpoint.feeds.reader import read_jsonl_bytes
from contactpoint.feeds.validate import Rejection
from contactpoint.loading.loader import FeedLoader, initial_load_unfinished, load_and_finish
from contactpoint.loading.placing.rules import LoadSummary


def load_feed_body(source: SourceSystem, body: bytes, *, label: str, actor: Any = None,
                   today: date | None = None) -> tuple[LoadSummary, list[Rejection]]:
    """Load JSON Lines held in memory for `source`; `label` names the load (who sent it),
    `actor` is the caller (its API client, or a person) the audit entry names.

    One transaction for the whole body (at most CONTACTPOINT_API_MAX_FEED_BYTES), its
    batches and its audit entry together: a failure part-way keeps nothing, and sending
    the same body again does the whole job once.
    """
    if initial_load_unfinished():
        raise Conflict("An initial load of the index has not finished; feeds are refused "
                       "until it has. Send this feed again later.")
    with transaction.atomic():
        load = FeedLoad.objects.create(source=source, file_name=label[:255])
        rejections: list[Rejection] = []
        loader = FeedLoader(source, today=today)
        rows = (check(row.line, row.data, row.error, today=loader.today, now=loader.now)
                for row in read_jsonl_bytes(body))
        summary = load_and_finish(loader, rows, rejections.append, load, actor=actor,
                                  via="api")
    return summary, rejections
