"""Auto-close of blocked-threat tickets (R5.5), retried next run after a passing failure."""

from __future__ import annotations

import logging

from psabridge.connectors.errors import ConfigError, ConnectorError
from psabridge.connectors.ports import TicketDesk
from psabridge.server.core import events as event_service
from psabridge.server.ticketing import profiles
from psabridge.server.ticketing.models import ThreadState, TicketingSettings, TicketThread

log = logging.getLogger(__name__)


def close_thread(
    system: str, settings: TicketingSettings, desk: TicketDesk, thread: TicketThread
) -> None:
    """Close a ticket with the Closed status (R5.5); a passing failure is retried next run.

    A PSA with one Closed status has it found when the settings are saved. Where statuses
    belong to boards, the connector closes with the ticket's board's status named Closed and
    raises ConfigError when that board has none (the ticket stays open).
    """
    by_board = profiles.for_system(system).closes_by_board
    if not by_board and not settings.closed_status_id:
        event_service.raise_event(
            "ticketing_closure_failure", scope=system, message="the PSA has no Closed status"
        )
        return
    try:
        desk.close_ticket(thread.psa_ticket_id, None if by_board else settings.closed_status_id)
    except ConfigError as exc:
        event_service.raise_event("ticketing_closure_failure", scope=system, message=str(exc))
        thread.close_pending = False
    except ConnectorError as exc:
        log.warning("closing ticket %s failed, retried next run: %s", thread.psa_ticket_id, exc)
        thread.close_pending = True
    else:
        thread.state, thread.close_pending = ThreadState.CLOSED, False
    thread.save(update_fields=["state", "close_pending"])


def retry_closes(system: str, settings: TicketingSettings, desk: TicketDesk) -> None:
    """Close again the tickets whose close failed in passing."""
    for thread in TicketThread.objects.filter(key__system=system, close_pending=True)[:50]:
        close_thread(system, settings, desk, thread)
