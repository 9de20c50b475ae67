"""Core storage: connections, integration events, outbound-call audit, health and heartbeats."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from psabridge.server.core import systems
from psabridge.server.core.crypto import decrypt_mapping, encrypt_mapping, secret_hint


class Connection(models.Model):
    """Where and how to reach one outside system; credentials are Fernet-encrypted (R1.5)."""

    system = models.CharField(max_length=20, unique=True)  # a registry kind (core.systems)
    base_url = models.URLField(max_length=300)
    credentials_encrypted = models.TextField(blank=True, default="")
    credential_hints = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    is_sandbox = models.BooleanField(default=False)
    validated_at = models.DateTimeField(null=True, blank=True)
    validation_outcome = models.CharField(max_length=30, blank=True, default="")
    validation_message = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{systems.label(self.system)} at {self.base_url}"

    def __repr__(self) -> str:
        return f"<Connection {self.system} {self.base_url}>"

    def credentials(self) -> dict[str, str]:
        """Return the decrypted credentials (kept in memory only)."""
        return decrypt_mapping(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, str]) -> None:
        """Encrypt and keep credentials, with the hints that may be shown back."""
        self.credentials_encrypted = encrypt_mapping(values)
        self.credential_hints = {name: secret_hint(value) for name, value in values.items()}

    @property
    def is_valid(self) -> bool:
        return self.validation_outcome == "ok"


class EventState(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    SUPERSEDED = "superseded", "Superseded"
    RESOLVED = "resolved", "Resolved"
    IGNORED = "ignored", "Ignored"


class IntegrationEventQuerySet(models.QuerySet["IntegrationEvent"]):
    def open(self) -> IntegrationEventQuerySet:
        return self.filter(state=EventState.OPEN)


class IntegrationEvent(models.Model):
    """Something that needs the admin's attention, counted while it recurs (R7.1)."""

    kind = models.CharField(max_length=60)
    scope = models.CharField(max_length=200, default="global")
    priority = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    message = models.CharField(max_length=500, blank=True, default="")
    action = models.CharField(max_length=500, blank=True, default="")
    state = models.CharField(max_length=12, choices=EventState.choices, default=EventState.OPEN)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    objects = IntegrationEventQuerySet.as_manager()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["state", "kind", "scope"])]
        ordering: ClassVar = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.title} ({self.scope})"


class OutboundCall(models.Model):
    """The audit record of one outbound HTTP attempt: never headers, bodies or secrets."""

    system = models.CharField(max_length=20)
    operation = models.CharField(max_length=80)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(null=True)
    duration_ms = models.FloatField()
    attempt = models.PositiveSmallIntegerField(default=1)
    error_kind = models.CharField(max_length=30, blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["system", "-at"])]
        ordering: ClassVar = ["-at"]


class SystemHealth(models.Model):
    """Per outside system: last success, last error, consecutive failures, rate-limit state."""

    system = models.CharField(max_length=20, unique=True)
    last_success_at = models.DateTimeField(null=True)
    last_error_at = models.DateTimeField(null=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_rate_limited_at = models.DateTimeField(null=True)
    calls_total = models.PositiveBigIntegerField(default=0)


class Heartbeat(models.Model):
    """The last sign of life of a worker or the scheduler process."""

    role = models.CharField(max_length=20)
    host = models.CharField(max_length=120)
    pid = models.PositiveIntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["role", "host", "pid"], name="one_heartbeat_per_process"
            )
        ]


class ApiToken(models.Model):
    """A bearer token for the REST API and /metrics; only its SHA-256 is stored.

    scope: "read" (GET only) or "admin" (every action); a revoked or expired token is refused.
    """

    name = models.CharField(max_length=80)
    token_sha256 = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, default="admin")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)
    last_used_at = models.DateTimeField(null=True)


class LoginFailure(models.Model):
    """A failed login, kept a while to throttle password guessing."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField(db_index=True)


class SecurityCompany(models.Model):
    """A GravityZone company as last read from the company tree."""

    company_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    company_type = models.SmallIntegerField(default=1)
    parent_id = models.CharField(max_length=64, blank=True, default="")
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Lease(models.Model):
    """Who runs a one-at-a-time job now (a billing push, the alert router): a row with an expiry,
    taken over once it expires or its holder's process is gone, so a killed process never keeps
    it (unlike a lock that only its holder's exit path releases)."""

    name = models.CharField(max_length=60, unique=True)
    owner = models.CharField(max_length=80, blank=True, default="")
    until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name} held by {self.owner or 'nobody'} until {self.until}"
