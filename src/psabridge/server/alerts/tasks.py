"""Background tasks of the alerts app: event processing, its sweeper and the push check."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from psabridge.server.alerts import processing

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=5)
def process_pending_events() -> int:
    """Normalize every pending event."""
    return processing.process_pending()


@db_periodic_task(crontab(minute="*"))
def sweep_pending_events() -> None:
    """Re-enqueue processing when events wait, so that a lost enqueue loses nothing."""
    if processing.stale_pending_exists():
        log.warning("pending events found by the sweeper; processing them")
        processing.process_pending()


@db_periodic_task(crontab(minute="*/5"))
def check_queues() -> None:
    """Raise "queue_stuck" while events or alerts wait too long or no scheduler runs."""
    from psabridge.server.alerts import queue_health

    queue_health.check()


@db_periodic_task(crontab(minute="*/5"))
def check_push_service() -> None:
    """Read GravityZone's push settings and stats; raise an event when push was switched off."""
    from psabridge.server.alerts import push

    push.check_push_quietly()
