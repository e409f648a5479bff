"""Loading a feed that arrives over the API rather than as a file.

The same loader as `contactpoint ingest` (feeds/loader.py) on rows parsed by the same
reader, so a body and a file with the same lines give the same summary and the same
rejections; here the rejections are returned to the caller instead of written beside
a file. Each load is recorded as a FeedLoad, as a file's is.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from contactpoint.errors import Conflict
from contactpoint.feeds.loader import FeedLoader, LoadSummary, initial_load_unfinished
from contactpoint.feeds.models import FeedLoad, SourceSystem
from contactpoint.feeds.reader import read_jsonl_bytes
from contactpoint.feeds.validate import Rejection


def load_feed_body(source: SourceSystem, body: bytes, *, label: str,
                   today: date | None = None) -> tuple[LoadSummary, list[Rejection]]:
    """Load JSON Lines held in memory for `source`; `label` names the load (who sent it).

    Like a file's load, it commits batch by batch: a failure part-way leaves whole
    batches, and sending the same body again finishes the job and changes nothing else.
    """
    if initial_load_unfinished():
        raise Conflict("An initial load of the index has not finished; feeds are refused "
                       "until it has. Send this feed again later.")
    load = FeedLoad.objects.create(source=source, file_name=label[:255])
    rejections: list[Rejection] = []
    loader = FeedLoader(source, today=today)
    summary = loader.load_rows(((row.line, row.data, row.error)
                                for row in read_jsonl_bytes(body)), rejections.append)
    load.finished_at = timezone.now()
    load.counts = summary.as_dict()
    load.save(update_fields=["finished_at", "counts"])
    return summary, rejections
