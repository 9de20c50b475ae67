"""Background tasks of ticketing: route queued alerts, and a sweeper for lost schedules."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from psabridge.connectors.errors import TransientError
from psabridge.server.core import leases
from psabridge.server.ticketing import engine

log = logging.getLogger(__name__)
# One router at a time per site, by a lease that expires and that a killed worker never keeps.
LEASE = "ticketing-router"


@db_task()
def route_alerts() -> None:
    """Route every queued alert; schedule the next run when some had to wait."""
    _route_once()


@db_periodic_task(crontab(minute="*"))
def route_alerts_sweeper() -> None:
    """Route queued alerts each minute, so a lost schedule delays but never loses an alert."""
    _route_once()


def _route_once() -> None:
    try:
        # The per-key lease still guards every key; this one spares duplicate PSA reads.
        with leases.held(LEASE, "alert routing run") as renew:
            result = engine.route_queued(between_keys=renew)
    except TransientError:
        route_alerts.schedule(delay=2)  # another run is busy: look again shortly
        return
    if result.run_again_in is not None:
        route_alerts.schedule(delay=max(1.0, result.run_again_in))
