"""One-at-a-time jobs (a billing push, the alert router): a lease taken over when its holder
died or it expired, so a process killed while holding it never blocks the next run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from psabridge.connectors.errors import TransientError
from psabridge.server.core.holders import died_here, owner_id
from psabridge.server.core.models import Lease


class LeaseBusyError(TransientError):
    """Someone else holds the lease: the message names what runs and since when."""


# Longer than one outside call with its bounded retries; renewed after each step of the work.
LEASE = timedelta(minutes=3)


def take(name: str, owner: str | None = None) -> bool:
    """Take the lease when free, expired, ours, or held by a process of this host that died.

    `owner` defaults to this process and thread; a process-wide holder passes its own.
    """
    owner = owner or owner_id()
    row = _row(name)
    now = timezone.now()
    free = Q(until__isnull=True) | Q(until__lt=now) | Q(owner=owner)
    if row.owner and died_here(row.owner):
        free |= Q(owner=row.owner)
    taken = Lease.objects.filter(free, name=name).update(owner=owner, until=now + LEASE)
    return taken == 1


def renew(name: str, owner: str | None = None) -> None:
    """Push the lease's expiry on while the work goes on."""
    Lease.objects.filter(name=name, owner=owner or owner_id()).update(until=timezone.now() + LEASE)


def release(name: str, owner: str | None = None) -> None:
    """Give the lease back."""
    Lease.objects.filter(name=name, owner=owner or owner_id()).update(owner="", until=None)


def holder(name: str) -> Lease | None:
    """Return the lease while someone holds it (not expired), else None."""
    row = Lease.objects.filter(name=name).exclude(owner="").first()
    return row if row is not None and row.until and row.until >= timezone.now() else None


def _row(name: str) -> Lease:
    try:
        return Lease.objects.get_or_create(name=name)[0]
    except IntegrityError:  # created by another process between the get and the create
        return Lease.objects.get(name=name)


@contextmanager
def held(name: str, what: str) -> Iterator[Callable[[], None]]:
    """Hold the lease for the block, or raise TransientError naming who holds it."""
    if not take(name):
        row = Lease.objects.get(name=name)
        active = timezone.localtime(row.until - LEASE).strftime("%H:%M") if row.until else "?"
        raise LeaseBusyError(
            f"another {what} is running (last active {active} UTC); try again shortly"
        )
    try:
        yield lambda: renew(name)
    finally:
        release(name)
