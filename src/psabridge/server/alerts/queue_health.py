"""Is work moving? Events waiting for a worker, alerts waiting for a ticket, a scheduler that
stopped: said on /healthz, the Status page and as the integration event "queue_stuck"."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from psabridge.server.alerts.models import Alert, AlertState, EventState, InboundEvent
from psabridge.server.core import events
from psabridge.server.core.models import Lease

EVENTS_LATE = timedelta(minutes=5)  # a worker processes pushed events within seconds
ALERTS_LATE = timedelta(minutes=30)  # retries of a PSA outage are spaced, not hours long
SCHEDULER = "scheduler"


def problems(now: datetime | None = None) -> list[str]:
    """Return what is stuck, in words (empty when work moves)."""
    now = now or timezone.now()
    found = []
    waiting = InboundEvent.objects.filter(
        state=EventState.PENDING, received_at__lt=now - EVENTS_LATE
    )
    if waiting.exists():
        oldest = waiting.order_by("received_at").values_list("received_at", flat=True).first()
        found.append(f"{waiting.count()} pushed event(s) wait for a worker since {_at(oldest)}")
    queued = Alert.objects.filter(state=AlertState.QUEUED, created_at__lt=now - ALERTS_LATE)
    if queued.exists():
        found.append(f"{queued.count()} alert(s) wait more than 30 minutes for a PSA ticket")
    scheduler = Lease.objects.filter(name=SCHEDULER).first()
    if scheduler is not None and (scheduler.until is None or scheduler.until < now):
        found.append("no scheduler runs: start one worker with --scheduler")
    return found


def check(now: datetime | None = None) -> list[str]:
    """Raise the "queue_stuck" event when something is stuck, close it once work moves."""
    found = problems(now)
    if found:
        events.raise_event("queue_stuck", message="; ".join(found))
    else:
        events.close_events("queue_stuck")
    return found


def _at(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"
