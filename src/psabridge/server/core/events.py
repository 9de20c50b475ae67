"""Raise, count, supersede and close integration events (R5.7, R7.1)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from psabridge.domain import events as rules
from psabridge.server.core.models import EventState, IntegrationEvent

log = logging.getLogger(__name__)


@transaction.atomic
def raise_event(
    kind: str, scope: str = "global", message: str = "", subject: str = ""
) -> IntegrationEvent | None:
    """Open (or count again) an event; returns None when a higher open event suppresses it.

    `subject` names what it is about (a company), shown in its title.
    """
    spec = rules.kind_of(kind)
    title = f"{spec.title}: {subject}" if subject else spec.title
    now = timezone.now()
    open_same_scope = IntegrationEvent.objects.open().filter(scope=scope).select_for_update()
    open_kinds = {e.kind for e in open_same_scope}
    if rules.is_suppressed(kind, open_kinds):
        return None
    event = open_same_scope.filter(kind=kind).first()
    if event is None:
        event = IntegrationEvent.objects.create(
            kind=kind,
            scope=scope,
            priority=spec.priority,
            title=title[:200],
            message=message[:500],
            action=spec.action,
            first_seen=now,
            last_seen=now,
        )
        log.warning("integration event opened kind=%s scope=%s", kind, scope)
    else:
        event.count += 1
        event.last_seen = now
        event.message = message[:500] or event.message
        event.save(update_fields=["count", "last_seen", "message"])
    _supersede(event, open_kinds)
    return event


def _supersede(event: IntegrationEvent, open_kinds: set[str]) -> None:
    lower = rules.superseded_by(event.kind, open_kinds)
    if lower:
        IntegrationEvent.objects.open().filter(scope=event.scope, kind__in=lower).update(
            state=EventState.SUPERSEDED, superseded_by=event, closed_at=timezone.now()
        )


def close_events(kind: str, scope: str | None = None, state: str = EventState.RESOLVED) -> int:
    """Close the open events of a kind (in one scope, or all); return how many."""
    events = IntegrationEvent.objects.open().filter(kind=kind)
    if scope is not None:
        events = events.filter(scope=scope)
    closed = events.update(state=state, closed_at=timezone.now())
    if closed:
        log.info("integration event closed kind=%s count=%s", kind, closed)
    return closed


def set_state(event_id: int, state: str) -> IntegrationEvent:
    """Ignore or dismiss one event by hand."""
    event = IntegrationEvent.objects.get(pk=event_id)
    event.state = state
    event.closed_at = timezone.now()
    event.save(update_fields=["state", "closed_at"])
    return event


def listed(state: str = "open", limit: int = 500) -> list[IntegrationEvent]:
    """Return the events of a state ("all": every one), most urgent first; ValueError for an
    unknown state (the API answers 400, the CLI exits 2)."""
    rows = IntegrationEvent.objects.order_by("-priority", "-last_seen")
    if state != "all":
        if state not in EventState.values:
            raise ValueError(f"must be one of {', '.join([*EventState.values, 'all'])}")
        rows = rows.filter(state=state)
    return list(rows[:limit])
