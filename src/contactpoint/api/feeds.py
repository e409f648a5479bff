"""`POST /api/v1/feeds/{source}`: a source system sends its feed as JSON Lines.

The answer is what `contactpoint ingest` prints, as JSON, with each rejected row or
part of a row listed as it would be in `FILE.rejects.jsonl`. A client loads for its own
source only. The body is read whole, up to CONTACTPOINT_API_MAX_FEED_BYTES, before any
row is loaded, so a body that is too large changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Path, Schema

from contactpoint.access.permissions import Permission
from contactpoint.api.auth import ApiRouter
from contactpoint.api.requests import ApiRequest
from contactpoint.errors import (
    BadRequest,
    Forbidden,
    LengthRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from contactpoint.loading import upload

router = ApiRouter(tags=["feeds"])

#: JSON Lines has no registered media type; these are the ones clients send for it.
#: A body sent with no type is read as JSON Lines too.
FEED_MEDIA_TYPES = frozenset({"application/x-ndjson", "application/jsonl",
                              "application/x-jsonlines", "application/json"})
#: The source name rule of feeds.models.source_name_validator.
SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]{0,49}$"


class Rejected(Schema):
    line: int
    source_id: str | None
    field: str | None
    reason: str


class FeedLoadAnswer(Schema):
    """The `ingest` summary (loading.loader.LoadSummary) and the rejections."""

    read: int
    created: int
    linked: int
    updated: int
    deleted: int
    unchanged: int
    superseded: int
    review: int
    rejected: int
    parts_rejected: int
    rejections: list[Rejected]


def _media_type(request: HttpRequest) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


def read_capped_body(request: HttpRequest, limit: int) -> bytes:
    """The request body, refused with 413 when longer than `limit` bytes.

    Checked against Content-Length before reading and against what was read after. A
    chunked body (no Content-Length) is refused with 411: Django reads only as many
    bytes as Content-Length says, so it would otherwise look empty.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # unreadable: what is read below is capped all the same
        declared = 0
    if not declared and request.META.get("HTTP_TRANSFER_ENCODING"):
        raise LengthRequired("Send the feed with a Content-Length header; a chunked body "
                             "cannot be read.")
    if declared > limit:
        raise PayloadTooLarge(f"The feed is {declared:,} bytes; this service takes at "
                              f"most {limit:,} in one request. Send it in parts.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge(f"The feed is more than {limit:,} bytes, the most this service "
                              "takes in one request. Send it in parts.")
    return body


@router.post(
    "/feeds/{source}", permission=Permission.FEEDS_LOAD, response=FeedLoadAnswer,
    errors=(400, 411, 413, 415), summary="Load a source system's feed",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-ndjson": {"schema": {
            "type": "string",
            "description": "JSON Lines: one feed record a line (docs/feed-format.md)"}}}}},
)
def load_feed(request: ApiRequest,
              source: str = Path(..., pattern=SOURCE_NAME)) -> dict[str, object]:
    """Load JSON Lines for this source, as `contactpoint ingest` loads a file.

    A row that cannot be loaded, or a part of one (an identifier failing its check, a
    sensitive service without consent), is listed in `rejections`; the rest loads. The
    same body sent twice changes nothing the second time.
    """
    principal = request.auth
    own = principal.source
    if own is None or own.name != source:
        raise Forbidden(f"{principal.name} may load the {own.name if own else 'no'} feed "
                        f"only, not {source!r}.")
    media_type = _media_type(request)
    if media_type and media_type not in FEED_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Send the feed as JSON Lines (Content-Type: application/x-ndjson), not "
            f"{media_type}.")
    body = read_capped_body(request, settings.CONTACTPOINT.api_max_feed_bytes)
    if not body or body.isspace():
        raise BadRequest("The body is empty: send the feed as JSON Lines, one record a line.")
    summary, rejections = upload.load_feed_body(
        own, body, label=f"api:{principal.name}", actor=principal.client or principal.user)
    return {**summary.as_dict(), "rejections": [r.as_dict() for r in rejections]}
