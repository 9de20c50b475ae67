"""A lease per aggregation key, so two workers never act on the same key at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from psabridge.server.core.holders import died_here, owner_id
from psabridge.server.ticketing.models import AggregationKey

LEASE = timedelta(minutes=3)  # longer than any PSA call with its bounded retries


def take(key: AggregationKey, now: datetime) -> bool:
    """Take the key's lease when free or expired; one conditional UPDATE, so only one wins.

    A row lock held across a PSA call would block every SQLite writer for its duration; a
    lease written in its own short transaction serialises the key on SQLite and PostgreSQL alike.
    """
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner_id())
    if key.lease_owner and died_here(key.lease_owner):
        # Its worker was killed mid-key: take the key over at once instead of after 3 minutes.
        free |= Q(lease_owner=key.lease_owner)
    taken = AggregationKey.objects.filter(free, pk=key.pk).update(
        lease_owner=owner_id(), lease_until=now + LEASE
    )
    return taken == 1


def release(key: AggregationKey) -> None:
    """Give the lease back."""
    AggregationKey.objects.filter(pk=key.pk, lease_owner=owner_id()).update(
        lease_owner="", lease_until=None
    )
