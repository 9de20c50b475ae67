"""Ticketing settings per alert kind, PSA tickets opened by psabridge, aggregation keys."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class TicketingSettings(models.Model):
    """The ticket type, note visibility, auto-close and asset matching of one PSA (R5.1-R5.5)."""

    system = models.CharField(max_length=20, unique=True)
    enabled = models.BooleanField(default=False)
    ticket_type_id = models.CharField(max_length=40, blank=True, default="")
    ticket_type_name = models.CharField(max_length=200, blank=True, default="")
    updates_visible = models.BooleanField(default=False)
    auto_close_blocked = models.BooleanField(default=False)
    closed_status_id = models.CharField(max_length=40, blank=True, default="")
    asset_match_by = models.CharField(max_length=20, default="name")
    asset_field = models.CharField(max_length=40, default="inventory_number")
    asset_mode = models.CharField(max_length=20, default="exact")
    asset_case_sensitive = models.BooleanField(default=False)
    valid = models.BooleanField(default=False)
    problems = models.JSONField(default=list)
    saved_at = models.DateTimeField(null=True)


class KindRoute(models.Model):
    """Routing of one alert kind: which outcomes open tickets and with which values (R5.3, R5.4)."""

    settings = models.ForeignKey(TicketingSettings, on_delete=models.CASCADE, related_name="routes")
    kind = models.CharField(max_length=40)
    blocked = models.BooleanField(default=True)
    current = models.BooleanField(default=True)
    # The kind's routing values by the PSA profile's field names (TicketWays.routing), checked
    # against the PSA's live options before they are saved (routing.check).
    values = models.JSONField(default=dict)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["settings", "kind"], name="one_route_per_kind")
        ]


class AggregationKey(models.Model):
    """One endpoint and alert kind of one company; its lease serialises work on the key."""

    system = models.CharField(max_length=20)
    company_id = models.CharField(max_length=64)
    endpoint_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)
    lease_owner = models.CharField(max_length=64, blank=True, default="")
    lease_until = models.DateTimeField(null=True)
    next_note_at = models.DateTimeField(null=True)
    # After a passing PSA failure the key waits until then (Retry-After, or 30 s), whatever
    # run comes first: retries are spaced, not repeated by every trigger.
    retry_at = models.DateTimeField(null=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["system", "company_id", "endpoint_id", "kind"], name="one_key"
            )
        ]


class ThreadState(models.TextChoices):
    INTENT = "intent", "Being created"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    FAILED = "failed", "Creation refused"


class TicketThread(models.Model):
    """A PSA ticket psabridge opened for a key; the reference is written before the create call."""

    key = models.ForeignKey(AggregationKey, on_delete=models.CASCADE, related_name="threads")
    reference = models.CharField(max_length=80, unique=True)
    psa_ticket_id = models.CharField(max_length=40, blank=True, default="")
    incident_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    state = models.CharField(max_length=10, choices=ThreadState.choices, default=ThreadState.INTENT)
    created_at = models.DateTimeField()
    last_update = models.DateTimeField()
    # The last create sent for the intent: a lost answer is waited for from then (R5.8).
    attempted_at = models.DateTimeField(null=True)
    # A note being sent: its reference (in the note's text) and the alerts it lists, recorded
    # before the call; after a lost answer the note is looked up by it, never sent twice.
    note_reference = models.CharField(max_length=80, blank=True, default="")
    note_alert_ids = models.JSONField(default=list)
    status_checked_at = models.DateTimeField(null=True)
    notes = models.PositiveIntegerField(default=0)
    close_pending = models.BooleanField(default=False)
    is_test = models.BooleanField(default=False)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["key", "-created_at"])]
