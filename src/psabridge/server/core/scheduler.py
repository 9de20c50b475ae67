"""Exactly one scheduler per site: the worker started with --scheduler holds a lease for its
whole life, renewed every minute; a second one refuses to start while that lease is held."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import close_old_connections

from psabridge.server.core import leases

log = logging.getLogger(__name__)
NAME = "scheduler"
RENEW_EVERY = 60.0  # seconds; the lease lasts leases.LEASE (3 minutes)


def process_owner() -> str:
    """Return the scheduler's owner id: this host and process (any thread renews it)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:scheduler"


def claim() -> str:
    """Take the scheduler lease for this process and keep it renewed; return "" on success,
    else why this process must not schedule (another scheduler runs)."""
    owner = process_owner()
    if not leases.take(NAME, owner):
        held = leases.holder(NAME)
        who = held.owner.rsplit(":", 1)[0] if held else "another process"
        return (
            f"another scheduler runs ({who}); start this worker without --scheduler, or stop "
            "that one first (a stopped scheduler's claim lapses within 3 minutes)"
        )
    threading.Thread(target=_keep, args=(owner,), daemon=True, name="scheduler-lease").start()
    return ""


def _keep(owner: str) -> None:
    stop = threading.Event()
    while not stop.wait(RENEW_EVERY):
        try:
            close_old_connections()
            leases.renew(NAME, owner)
        except Exception:  # the database may be briefly away: the next minute tries again
            log.warning("scheduler lease could not be renewed; retrying in a minute")
