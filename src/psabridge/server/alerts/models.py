"""Storage of the push receiver, every pushed event, normalized alerts and push state."""

from __future__ import annotations

import secrets
import uuid
from typing import ClassVar

from django.db import models

from psabridge.domain.alerts import AlertKind
from psabridge.server.core.crypto import decrypt_text, encrypt_text


def new_receiver_secret() -> str:
    """Return a fresh secret for the Authorization header GravityZone sends."""
    return "Bearer " + secrets.token_urlsafe(32)


class PushReceiver(models.Model):
    """The webhook endpoint GravityZone pushes to, and the Authorization value it must send."""

    receiver_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authorization_encrypted = models.TextField()
    verify_md5 = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(auto_now_add=True)

    def __repr__(self) -> str:
        return f"<PushReceiver {self.receiver_id}>"

    def authorization(self) -> str:
        return decrypt_text(self.authorization_encrypted)

    def set_authorization(self, value: str) -> None:
        self.authorization_encrypted = encrypt_text(value)


class EventState(models.TextChoices):
    PENDING = "pending", "Pending"
    ALERT = "alert", "Alert"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


class InboundEvent(models.Model):
    """One pushed event as received, stored once (dedupe_key) before any processing."""

    receiver = models.ForeignKey(PushReceiver, on_delete=models.PROTECT)
    dedupe_key = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    module = models.CharField(max_length=60, blank=True, default="")
    body_shape = models.CharField(max_length=12)
    received_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=EventState.choices, default=EventState.PENDING)
    ignored_reason = models.CharField(max_length=300, blank=True, default="")
    processed_at = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["state", "received_at"])]


class AlertState(models.TextChoices):
    RECEIVED = "received", "Received (ticketing off)"
    TEST = "test", "Test event"
    QUEUED = "queued", "Waiting for the ticketing engine"
    TICKETED = "ticketed", "Ticket created"
    NOTED = "noted", "Added as a note"
    PARKED_UNMAPPED = "parked_unmapped", "Parked: company not mapped"
    PARKED_CONFIG = "parked_config", "Parked: invalid ticketing configuration"
    SKIPPED = "skipped", "Not ticketed"


class Alert(models.Model):
    """A normalized security alert (domain.alerts.Alert) of one stored event."""

    event = models.OneToOneField(InboundEvent, on_delete=models.CASCADE, related_name="alert")
    kind = models.CharField(max_length=40, db_index=True)
    outcome = models.CharField(max_length=10)
    module = models.CharField(max_length=60)
    company_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    company_name = models.CharField(max_length=200, blank=True, default="")
    endpoint_id = models.CharField(max_length=64, blank=True, default="")
    endpoint_name = models.CharField(max_length=200, blank=True, default="")
    endpoint_ip = models.CharField(max_length=64, blank=True, default="")
    endpoint_fqdn = models.CharField(max_length=255, blank=True, default="")
    occurred_at = models.DateTimeField(db_index=True)
    title = models.CharField(max_length=300)
    facts = models.JSONField(default=list)
    incident_id = models.CharField(max_length=64, blank=True, default="")
    is_test = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=AlertState.choices, default=AlertState.RECEIVED)
    state_reason = models.CharField(max_length=300, blank=True, default="")
    psa_ticket_id = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-occurred_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["state", "id"])]

    def get_kind_label(self) -> str:
        """Return the product name of the alert kind (R5.3)."""
        known = AlertKind._value2member_map_.get(self.kind)
        return known.label if isinstance(known, AlertKind) else self.kind


class PushState(models.Model):
    """What GravityZone last said about its push settings and statistics (R6.2)."""

    enabled_by_us = models.BooleanField(default=False)
    enabled_at = models.DateTimeField(null=True)
    status = models.SmallIntegerField(null=True)
    service_type = models.CharField(max_length=20, blank=True, default="")
    url = models.CharField(max_length=300, blank=True, default="")
    points_here = models.BooleanField(default=False)
    stats = models.JSONField(default=dict)
    checked_at = models.DateTimeField(null=True)
    check_error = models.CharField(max_length=300, blank=True, default="")
