"""Background tasks of ticketing: route queued alerts, and a sweeper for lost schedules."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from psabridge.server.ticketing import engine

log = logging.getLogger(__name__)
LOCK = "psabridge-route-alerts"


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
        # One router at a time per site; the per-key lease still guards every key.
        with HUEY.lock_task(LOCK):
            result = engine.route_queued()
    except TaskLockedException:
        route_alerts.schedule(delay=2)  # another run is busy: look again shortly
        return
    if result.run_again_in is not None:
        route_alerts.schedule(delay=max(1.0, result.run_again_in))
