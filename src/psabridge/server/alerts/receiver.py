"""The GravityZone push webhook: authenticate, parse, store once, answer at once (R6.3)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from psabridge.domain.pushbody import (
    MalformedBodyError,
    ParsedBody,
    event_dedupe_key,
    parse_push_body,
)
from psabridge.server.alerts.models import EventState, PushReceiver

log = logging.getLogger(__name__)
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class ReceiverKey:
    """What the webhook needs of a receiver, decrypted once and cached briefly."""

    pk: int
    authorization: bytes
    md5_key: str | None
    fetched_at: float


_cache: dict[uuid.UUID, ReceiverKey] = {}


def forget_receivers() -> None:
    """Drop cached receiver secrets (after a rotation or in tests)."""
    _cache.clear()


def _receiver_key(receiver_id: uuid.UUID) -> ReceiverKey | None:
    cached = _cache.get(receiver_id)
    if cached and time.monotonic() - cached.fetched_at < CACHE_SECONDS:
        return cached
    receiver = PushReceiver.objects.filter(receiver_id=receiver_id).first()
    if receiver is None:
        return None
    key = ReceiverKey(
        receiver.pk, receiver.authorization().encode(), _md5_key(receiver), time.monotonic()
    )
    _cache[receiver_id] = key
    return key


def _md5_key(receiver: PushReceiver) -> str | None:
    if not receiver.verify_md5:
        return None
    from psabridge.server.core import systems
    from psabridge.server.core.models import Connection

    connection = Connection.objects.filter(system=systems.GRAVITYZONE).first()
    return connection.credentials().get("api_key") if connection else None


def _error(status: int, error: str, detail: str = "") -> JsonResponse:
    body = {"error": error, "detail": detail} if detail else {"error": error}
    return JsonResponse(body, status=status)


@csrf_exempt
def gravityzone_webhook(request: HttpRequest, receiver_id: uuid.UUID) -> JsonResponse:
    """Accept one push message from GravityZone."""
    if request.method != "POST":
        return _error(405, "method not allowed", "GravityZone pushes with POST")
    key = _receiver_key(receiver_id)
    if key is None:
        return _error(404, "unknown receiver")
    # Constant-time comparison of the exact configured Authorization string (reference 3.5).
    sent = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(sent, key.authorization):
        return _error(401, "unauthorized", "wrong or missing Authorization header")
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(413, "body too large")
    if key.md5_key and not _md5_matches(request, raw, key.md5_key):
        return _error(401, "unauthorized", "Event-Push-Service-Md5 does not match the body")
    try:
        parsed = parse_push_body(raw)
    except MalformedBodyError as exc:
        return _error(400, "malformed body", str(exc))
    store_events(key.pk, parsed)
    return JsonResponse({"ok": True, "events": len(parsed.events)})


def _md5_matches(request: HttpRequest, raw: bytes, api_key: str) -> bool:
    """Reference 3.5: md5(api_key + md5hex(raw body)), lowercase hex."""
    sent = request.headers.get("Event-Push-Service-Md5", "").strip().lower()
    inner = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    expected = hashlib.md5((api_key + inner).encode(), usedforsecurity=False).hexdigest()
    return hmac.compare_digest(sent.encode(), expected.encode())


def store_events(receiver_pk: int, parsed: ParsedBody) -> None:
    """Store each event once in one transaction, then have a worker process them."""
    if not parsed.events:
        return
    received_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            receiver_pk,
            event_dedupe_key(event),
            json.dumps(event),
            str(event.get("module", ""))[:60],
            parsed.shape,
            received_at,
            EventState.PENDING,
        )
        for event in parsed.events
    ]
    with transaction.atomic():
        # A re-delivered identical event hits the unique dedupe key and adds nothing.
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(), rows)
        transaction.on_commit(_enqueue_processing)


_INSERT = (
    "INSERT INTO alerts_inboundevent (receiver_id, dedupe_key, payload, module, body_shape, "
    "received_at, state, ignored_reason, attempts) "
    "VALUES (%s, %s, {payload}, %s, %s, %s, %s, '', 0) ON CONFLICT (dedupe_key) DO NOTHING"
)


def _insert_sql() -> str:
    # One executemany instead of bulk_create: this is the hot path of every push, and the ORM's
    # per-value preparation inside the write transaction halved throughput (bench/RESULTS.md).
    return _INSERT.replace("{payload}", "%s::jsonb" if connection.vendor == "postgresql" else "%s")


def _enqueue_processing() -> None:
    from psabridge.server.alerts.tasks import process_pending_events

    try:
        process_pending_events()
    except Exception:
        # The events are stored; the periodic sweeper processes them if the queue is down.
        log.exception("could not enqueue event processing; the sweeper will pick the events up")
