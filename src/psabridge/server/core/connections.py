"""Build connector objects from stored connections, validate and save credentials (R1.1, R1.5)."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import SecretStr

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.ports import ValidationResult
from psabridge.connectors.rate_budget import RateBudget
from psabridge.connectors.registry import ConnectorOptions, create_connector
from psabridge.server.core import events as event_service
from psabridge.server.core.audit import record_call
from psabridge.server.core.models import Connection, SecurityCompany, System

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def rate_budget(system: str) -> RateBudget:
    """Return the one rate budget of a system, shared by every worker through its storage."""
    return RateBudget(settings.RATE_LIMIT_STORAGE, namespace=f"psabridge:{system}")


def gravityzone_connection() -> Connection | None:
    """Return the stored GravityZone connection, if any."""
    return Connection.objects.filter(system=System.GRAVITYZONE).first()


def platform_for(access_url: str, api_key: str) -> GravityZonePlatform:
    """Return the GravityZone platform for these credentials, audited and rate-budgeted."""
    options = ConnectorOptions(budget=rate_budget(System.GRAVITYZONE), audit=record_call)
    settings_ = {"access_url": access_url, "api_key": SecretStr(api_key)}
    platform = create_connector(System.GRAVITYZONE, settings_, options)
    if not isinstance(platform, GravityZonePlatform):
        raise ConnectorError("the gravityzone connector is not a GravityZone platform")
    return platform


def gravityzone_platform() -> GravityZonePlatform:
    """Return the SecurityPlatform of the stored connection, or raise ConnectorError."""
    connection = gravityzone_connection()
    if connection is None:
        raise ConnectorError("GravityZone is not connected yet")
    return platform_for(connection.base_url, connection.credentials()["api_key"])


def validate_gravityzone(access_url: str, api_key: str) -> ValidationResult:
    """Make the cheap authenticated calls of R1.1 and say what they found."""
    return platform_for(access_url, api_key).validate()


@transaction.atomic
def save_gravityzone(
    access_url: str, api_key: str, result: ValidationResult, is_sandbox: bool = False
) -> Connection:
    """Store (or replace) the GravityZone connection; a blank key keeps the stored one."""
    connection = gravityzone_connection() or Connection(system=System.GRAVITYZONE)
    connection.base_url = access_url
    if api_key:
        connection.set_credentials({"api_key": api_key})
    connection.is_sandbox = is_sandbox or (connection.is_sandbox and not api_key)
    _remember_validation(connection, result)
    connection.save()
    return connection


def revalidate(connection: Connection) -> ValidationResult:
    """Validate the stored credentials again, keep the outcome and raise or close the event."""
    result = validate_gravityzone(connection.base_url, connection.credentials()["api_key"])
    _remember_validation(connection, result)
    connection.save(update_fields=["validated_at", "validation_outcome", "validation_message"])
    return result


def _remember_validation(connection: Connection, result: ValidationResult) -> None:
    connection.validated_at = timezone.now()
    connection.validation_outcome = result.outcome
    connection.validation_message = result.message[:300]
    if result.outcome == "ok":
        event_service.close_events("gravityzone_connection_failed")
    else:
        event_service.raise_event("gravityzone_connection_failed", message=result.message)


def refresh_companies() -> int:
    """Re-read the GravityZone company tree into the local cache; return the count."""
    companies = gravityzone_platform().companies()
    now = timezone.now()
    with transaction.atomic():
        for company in companies:
            SecurityCompany.objects.update_or_create(
                company_id=company.id,
                defaults={
                    "name": company.name[:200],
                    "company_type": 0 if company.type == "partner" else 1,
                    "parent_id": company.parent_id or "",
                    "refreshed_at": now,
                },
            )
        SecurityCompany.objects.exclude(company_id__in=[c.id for c in companies]).delete()
    return len(companies)


def refresh_companies_quietly() -> int | None:
    """Refresh the company cache when connected; failures are audited, not raised."""
    if gravityzone_connection() is None:
        return None
    try:
        return refresh_companies()
    except ConnectorError as exc:
        log.warning("company refresh failed: %s", exc)
        return None
