"""Background tasks of ticketing: route queued alerts, and a sweeper for lost schedules."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from psabridge.server.core import leases
from psabridge.server.ticketing import engine

log = logging.getLogger(__name__)
# Up to ROUTERS routers at once per site, each by a lease that expires and that a killed worker
# never keeps: a slow PSA call holds up only its own key, while another router takes the others
# (the per-key lease keeps two routers off one key).
LEASE = "ticketing-router"


@db_task()
def route_alerts() -> None:
    """Route every queued alert; schedule the next run when some had to wait."""
    _route_once()


@db_periodic_task(crontab(minute="*"))
def route_alerts_sweeper() -> None:
    """Route queued alerts each minute, so a lost schedule delays but never loses an alert."""
    _route_once()


def slots() -> list[str]:
    """Return the router lease names of this site: ticketing-router, ticketing-router-2..."""
    count = max(1, int(getattr(settings, "ROUTERS", 2)))
    return [LEASE, *(f"{LEASE}-{n}" for n in range(2, count + 1))]


def _route_once() -> None:
    for slot in slots():
        try:
            with leases.held(slot, "alert routing run") as renew:
                result = engine.route_queued(between_keys=renew)
        except leases.LeaseBusyError:
            continue  # this slot's router is busy: try the next one
        break
    else:
        route_alerts.schedule(delay=2)  # every router is busy: look again shortly
        return
    if result.run_again_in is not None:
        route_alerts.schedule(delay=max(1.0, result.run_again_in))
