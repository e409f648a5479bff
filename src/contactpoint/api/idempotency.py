"""`Idempotency-Key`: a request retried after a lost answer gets the first answer again.

A client that sends a request which is not idempotent (recording an involvement) and
loses the answer cannot know whether it was done. With a key of its choosing in the
`Idempotency-Key` header (the IETF httpapi draft's header, as Stripe and others use it),
it sends the same request again with the same key and gets the first answer, status and
body, with `Idempotent-Replayed: true`, and nothing is done twice. The same key with a
different request is refused with 422, naming the header.

Keys belong to the caller (the token's person or client): two callers' keys never meet.
A key and its answer are written in the same transaction as what the request did, so a
crash leaves neither; a request that fails (400, 404, 409…) keeps nothing, so it may be
sent again, fixed, with the same key. Answers are kept for KEPT_FOR, then deleted.

Two requests with the same key at the same moment: the second waits for the first's
transaction (the unique key), then gets its answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contactpoint.access.tokens import Principal
from contactpoint.api import fields
from contactpoint.api.models import IdempotentRequest
from contactpoint.errors import FieldProblem, RequestError

HEADER = "Idempotency-Key"
#: How long a key's answer is kept, and so how long a retry may come after.
KEPT_FOR = timedelta(hours=24)
KEY_PATTERN = fields.IDEMPOTENCY_KEY
HEADER_DESCRIPTION = (
    "A key of your choosing (a UUID) that makes a retry safe: the same request sent "
    "again with the same key within 24 hours gets the first answer, and nothing is done "
    "twice. The same key with a different request is refused with 422.")


class KeyReused(RequestError):
    """The key was sent before with a different request."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(operation: str, path: str, body: dict[str, Any]) -> str:
    """A keyed hash of the request (the body holds a practitioner's phone and email, so
    a plain hash would let a guess be checked against the table)."""
    payload = orjson.dumps([operation, path, body], option=orjson.OPT_SORT_KEYS)
    return salted_hmac("contactpoint.api.idempotency", payload, algorithm="sha256").hexdigest()


def _caller(principal: Principal) -> dict[str, Any]:
    if principal.user is not None:
        return {"user": principal.user}
    return {"client": principal.client}


def once(principal: Principal, key: str | None, request_fingerprint: str,
         act: Callable[[], tuple[int, dict[str, Any]]]) -> Answer:
    """`act()`'s answer, or with a key already used by this caller, the answer it gave.

    `act` owns its own transaction; run here, it becomes part of this one, with the key.
    """
    if key is None:
        return Answer(*act())
    key = key.strip('"')
    caller = _caller(principal)
    with transaction.atomic():
        now = timezone.now()
        IdempotentRequest.objects.filter(created_at__lt=now - KEPT_FOR).delete()
        try:
            with transaction.atomic():  # a savepoint: a twin's row refuses this one
                kept = IdempotentRequest.objects.create(
                    **caller, key=key, fingerprint=request_fingerprint, status=0, answer=b"",
                    created_at=now)
        except IntegrityError:
            earlier = IdempotentRequest.objects.get(**caller, key=key)
            if earlier.fingerprint != request_fingerprint:
                raise KeyReused(
                    f"This {HEADER} was sent in the last 24 hours with a different request. "
                    "Send a new request with a new key.",
                    problems=[FieldProblem(HEADER, "a new key for a new request",
                                           "header")]) from None
            return Answer(earlier.status, orjson.loads(earlier.answer), replayed=True)
        status, body = act()
        kept.status, kept.answer = status, orjson.dumps(body)
        kept.save(update_fields=["status", "answer"])
    return Answer(status, body)
