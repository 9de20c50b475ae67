"""Background tasks of the core app: heartbeats, the company cache and audit pruning."""

from __future__ import annotations

import os
import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from psabridge.server.core import audit
from psabridge.server.core.models import Heartbeat


def beat(role: str) -> None:
    """Record that this process is alive in the given role."""
    Heartbeat.objects.update_or_create(
        role=role,
        host=socket.gethostname()[:120],
        pid=os.getpid(),
        defaults={"at": timezone.now()},
    )


@on_startup()
def heartbeat_at_start() -> None:
    """Show the worker on the Status page as soon as it starts."""
    from django.db import close_old_connections

    close_old_connections()
    beat("worker")


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Run by a worker each minute once the scheduler enqueued it: both are alive."""
    beat("worker")


@db_periodic_task(crontab(minute="7", hour="*"))
def refresh_companies() -> None:
    """Re-read the GravityZone company tree for names on alerts and mappings."""
    from psabridge.server.core import connections

    connections.refresh_companies_quietly()


@db_periodic_task(crontab(minute="30", hour="3"))
def prune_old_audit() -> None:
    """Keep the outbound-call audit bounded."""
    audit.prune_audit()
