"""What psabridge knows of its tickets' states, and refreshing it from the PSA in one call."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Q

from psabridge.connectors.errors import ConnectorError, RateLimitedError
from psabridge.connectors.ports import TicketDesk
from psabridge.domain.aggregation import LastTicket
from psabridge.server.ticketing.models import ThreadState, TicketThread

log = logging.getLogger(__name__)
# A ticket's state is asked again when older than this; every run refreshes the states it
# needs in one call (refresh_states), so a technician's close is seen by the next alert.
STATUS_FRESH = timedelta(seconds=30)


def last_ticket(thread: TicketThread | None, now: datetime) -> LastTicket | None:
    """Return what is known of a thread's ticket; its state only while fresh (or closed)."""
    if thread is None or not thread.psa_ticket_id:
        return None
    closed = {ThreadState.OPEN: False, ThreadState.CLOSED: True}.get(ThreadState(thread.state))
    fresh = thread.status_checked_at is not None and thread.status_checked_at > now - STATUS_FRESH
    return LastTicket(thread.psa_ticket_id, thread.last_update, closed if fresh or closed else None)


def refresh_states(
    system: str, keys: list[tuple[str, str, str]], desk: TicketDesk, now: datetime
) -> None:
    """Ask the PSA, in one call where it can, whether the tickets about to be noted are closed."""
    due = Q(key__next_note_at__isnull=True) | Q(key__next_note_at__lte=now)
    threads = (
        TicketThread.objects.filter(
            due,
            key__system=system,
            key__company_id__in={k[0] for k in keys},
            state=ThreadState.OPEN,
            is_test=False,
            last_update__gt=now - timedelta(hours=24),
        )
        .exclude(status_checked_at__gt=now - STATUS_FRESH)
        .select_related("key")
    )
    wanted = set(keys)
    stale = {
        t.psa_ticket_id: t
        for t in threads
        if t.psa_ticket_id and (t.key.company_id, t.key.endpoint_id, t.key.kind) in wanted
    }
    if not stale:
        return
    try:
        states = desk.ticket_states(list(stale))
    except RateLimitedError:
        raise
    except ConnectorError as exc:
        log.warning("could not refresh ticket states: %s", exc)
        return
    for ticket_id, thread in stale.items():
        state = states.get(ticket_id)
        thread.state = ThreadState.CLOSED if state is None or state.closed else ThreadState.OPEN
        thread.status_checked_at = now
        thread.save(update_fields=["state", "status_checked_at"])
