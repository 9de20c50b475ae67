"""Turn stored events into normalized alerts, in batches, safely from several workers."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from psabridge.domain.alerts import Alert as DomainAlert
from psabridge.domain.alerts import normalize
from psabridge.server.alerts import signals
from psabridge.server.alerts.models import Alert, AlertState, EventState, InboundEvent
from psabridge.server.core.models import SecurityCompany

log = logging.getLogger(__name__)
BATCH_SIZE = 200
MAX_ATTEMPTS = 3


def process_pending(batch_size: int = BATCH_SIZE) -> int:
    """Normalize pending events until none is left; return how many were processed."""
    total = 0
    while True:
        done = _process_batch(batch_size)
        total += done
        if done < batch_size:
            break
    if total and Alert.objects.filter(state=AlertState.QUEUED).exists():
        signals.alerts_queued.send(Alert)
    return total


def _process_batch(batch_size: int) -> int:
    with transaction.atomic():
        pending = (
            InboundEvent.objects.filter(state=EventState.PENDING)
            .order_by("id")
            .select_for_update(skip_locked=True)[:batch_size]
        )
        batch = list(pending)
        if not batch:
            return 0
        names = _company_names(batch)
        for event in batch:
            _process_one(event, names)
    return len(batch)


def _company_names(batch: list[InboundEvent]) -> dict[str, str]:
    ids = {str(e.payload.get("companyId", "")) for e in batch}
    rows = SecurityCompany.objects.filter(company_id__in=ids).values_list("company_id", "name")
    return dict(rows)


# GravityZone ids are 24 hex characters (reference 4.2); the columns hold 64. A longer value is
# not a GravityZone id: the event is kept, ignored with the reason, never stored cut short.
ID_LIMIT = 64


def too_long(alert: DomainAlert) -> str:
    """Return why an alert's ids cannot be stored (longer than any GravityZone id), or ""."""
    for name, value in (
        ("companyId", alert.company_id),
        ("endpointId", alert.endpoint_id),
        ("incident_id", alert.incident_id),
    ):
        if value and len(value) > ID_LIMIT:
            return f"{name} is {len(value)} characters long: not a GravityZone id (at most 64)"
    return ""


def _process_one(event: InboundEvent, names: dict[str, str]) -> None:
    event.attempts += 1
    try:
        # A savepoint per event: a database error rolls back this event alone, never the batch.
        with transaction.atomic():
            _normalize_and_store(event, names)
    except Exception as exc:
        # A bug must not block the queue: keep the event, mark it, and say why.
        log.exception("event %s could not be processed", event.pk)
        event.ignored_reason = f"processing failed: {type(exc).__name__}"[:300]
        if event.attempts >= MAX_ATTEMPTS:
            event.state = EventState.FAILED
    event.processed_at = timezone.now()
    event.save(update_fields=["state", "ignored_reason", "processed_at", "attempts"])


def _normalize_and_store(event: InboundEvent, names: dict[str, str]) -> None:
    result = normalize(event.payload, event.received_at)
    reason = too_long(result) if isinstance(result, DomainAlert) else result.reason
    if isinstance(result, DomainAlert) and not reason:
        _store_alert(event, result, names)
        event.state = EventState.ALERT
    else:
        event.state, event.ignored_reason = EventState.IGNORED, reason[:300]


def _store_alert(event: InboundEvent, alert: DomainAlert, names: dict[str, str]) -> Alert:
    company_name = names.get(alert.company_id or "") or str(event.payload.get("company_name", ""))
    return Alert.objects.create(
        event=event,
        kind=alert.kind.value,
        outcome=alert.outcome.value,
        module=alert.module[:60],
        company_id=alert.company_id or "",
        company_name=company_name[:200],
        endpoint_id=alert.endpoint_id or "",
        endpoint_name=(alert.endpoint_name or "")[:200],
        endpoint_ip=(alert.endpoint_ip or "")[:64],
        endpoint_fqdn=(alert.endpoint_fqdn or "")[:255],
        occurred_at=alert.occurred_at,
        title=alert.title[:300],
        facts=[list(pair) for pair in alert.facts],
        incident_id=alert.incident_id or "",
        is_test=alert.is_test,
        state=_initial_state(alert),
    )


def _initial_state(alert: DomainAlert) -> str:
    if alert.is_test:
        return AlertState.TEST
    # Only alerts received while ticketing is on become tickets; older ones stay as they were.
    return AlertState.QUEUED if _queue_wanted() else AlertState.RECEIVED


def _queue_wanted() -> bool:
    # Ticketing answers whether it is switched on (alerts does not import it).
    return any(wanted for _receiver, wanted in signals.queue_wanted.send(Alert))


def stale_pending_exists(older_than: timedelta = timedelta(seconds=30)) -> bool:
    """Return True when events wait longer than a worker should have needed."""
    cutoff = timezone.now() - older_than
    return InboundEvent.objects.filter(state=EventState.PENDING, received_at__lt=cutoff).exists()
