"""Build connectors from stored connections; validate, save and replace credentials (R1.1-R1.5)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError, ConnectorError
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.ports import BillingTarget, TicketDesk, ValidationResult
from psabridge.connectors.ports_agreements import AgreementBilling, RmmClients
from psabridge.connectors.profile import SystemProfile
from psabridge.connectors.rate_budget import RateBudget, parse_limit
from psabridge.connectors.registry import (
    Billing,
    Connector,
    ConnectorOptions,
    create_billing_target,
    create_connector,
)
from psabridge.server.core import events as event_service
from psabridge.server.core import systems
from psabridge.server.core.audit import record_call
from psabridge.server.core.models import Connection, SecurityCompany

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def http_options() -> dict[str, Any]:
    """The HTTP settings of every outside call: the read timeout (PSABRIDGE_HTTP_TIMEOUT)."""
    import httpx

    return {"timeout": httpx.Timeout(settings.HTTP_READ_TIMEOUT, connect=5.0)}


def rate_budget(system: str) -> RateBudget:
    """Return the one rate budget of a system, shared by every worker through its storage."""
    override = settings.RATE_LIMIT_OVERRIDES.get(system)
    return RateBudget(
        settings.RATE_LIMIT_STORAGE,
        namespace=f"psabridge:{system}",
        share=settings.RATE_SHARE,
        key_prefix=settings.RATE_KEY_PREFIX,
        limit=parse_limit(f"{settings.RATE_LIMIT_PREFIX}{system.upper()}", override)
        if override
        else None,
    )


def connection_for(system: str) -> Connection | None:
    """Return the stored connection of a system, if any."""
    return Connection.objects.filter(system=system).first()


def gravityzone_connection() -> Connection | None:
    """Return the stored GravityZone connection, if any."""
    return connection_for(systems.GRAVITYZONE)


def stored_values(connection: Connection) -> dict[str, str]:
    """Return every form value of a stored connection, credentials decrypted."""
    spec = _spec(connection.system)
    return {
        spec.fields[0].name: connection.base_url,
        **connection.options,
        **connection.credentials(),
    }


def _spec(system: str) -> SystemProfile:
    spec = systems.profile(system)
    if spec is None:
        raise ConnectorError(f"{system} is not a system psabridge knows")
    return spec


def merged_values(spec: SystemProfile, entered: dict[str, Any]) -> dict[str, str]:
    """Return the entered values, with blank credentials taken from the stored connection."""
    connection = connection_for(spec.kind)
    stored = stored_values(connection) if connection else {}
    values = {f.name: str(entered.get(f.name) or "") for f in spec.fields}
    for name in spec.credential_names:
        values[name] = values[name] or stored.get(name, "")
    return values


def connector_settings(system: str, values: dict[str, str]) -> dict[str, Any]:
    """Return a connection's values as a connector takes them: secrets as SecretStr."""
    settings_: dict[str, Any] = dict(values)
    for field_spec in _spec(system).fields:
        if field_spec.kind == "password":  # secrets travel as SecretStr, never printed
            settings_[field_spec.name] = SecretStr(values.get(field_spec.name, ""))
    return settings_


def connector(system: str, values: dict[str, str]) -> Connector:
    """Return the adapter of a system for these values, audited and rate-budgeted."""
    options = ConnectorOptions(budget=rate_budget(system), audit=record_call, http=http_options())
    return create_connector(system, connector_settings(system, values), options)


_built: dict[tuple[str, str], tuple[tuple[int, Any], Connector | Billing]] = {}


def _stored(system: str, role: str) -> Connector | Billing:
    """Return the adapter (or, with role "billing", the billing side) of a stored connection.

    One per process and saved connection: its token, status lists and pooled connections are
    reused instead of being fetched again on every run or page view.
    """
    connection = connection_for(system)
    if connection is None:
        raise ConnectorError(f"{systems.label(system)} is not connected yet")
    stamp = (connection.pk, connection.updated_at)
    cached = _built.get((system, role))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    values = stored_values(connection)
    adapter = connector(system, values) if role == "desk" else _billing(system, values)
    _built[(system, role)] = (stamp, adapter)
    return adapter


def stored_desk(system: str) -> TicketDesk:
    """Return the ticket desk of the stored connection of a PSA."""
    return cast(TicketDesk, _checked(system, "psa", _stored(system, "desk")))


def stored_rmm(system: str) -> RmmClients:
    """Return the stored connection of an RMM a PSA's mappings go through."""
    return cast(RmmClients, _checked(system, "rmm", _stored(system, "desk")))


def stored_invoice_billing(system: str) -> BillingTarget:
    """Return the billing side of a PSA that bills invoice lines."""
    _billing_style(system, "invoice_lines")
    return cast(BillingTarget, _stored(system, "billing"))


def stored_period_billing(system: str) -> AgreementBilling:
    """Return the billing side of a PSA that bills a quantity per period (additions)."""
    _billing_style(system, "period_quantities")
    return cast(AgreementBilling, _stored(system, "billing"))


def _checked(system: str, role: str, adapter: Connector | Billing) -> Connector | Billing:
    found = systems.profile(system)
    if found is None or found.role != role:
        raise ConnectorError(f"{systems.label(system)} is not a {role.upper()} connection")
    return adapter


def _billing_style(system: str, style: str) -> None:
    if systems.psa(system).billing_style != style:
        raise ConnectorError(f"{systems.label(system)} does not bill {style.replace('_', ' ')}")


def _billing(system: str, values: dict[str, str]) -> Billing:
    options = ConnectorOptions(budget=rate_budget(system), audit=record_call, http=http_options())
    return create_billing_target(system, connector_settings(system, values), options)


def gravityzone_platform() -> GravityZonePlatform:
    """Return the GravityZone platform of the stored connection, or raise ConnectorError."""
    platform = _stored(systems.GRAVITYZONE, "desk")
    if not isinstance(platform, GravityZonePlatform):
        raise ConnectorError("the gravityzone connector is not a GravityZone platform")
    return platform


def validate(system: str, values: dict[str, str]) -> ValidationResult:
    """Make the cheap authenticated calls of R1.1/R1.2 and say what they found (never raises
    for what the admin gave: a missing or malformed setting is an outcome too)."""
    try:
        built = connector(system, values)
    except ConfigError as exc:
        return ValidationResult("cannot_connect", str(exc))
    return built.validate()


def validate_gravityzone(access_url: str, api_key: str) -> ValidationResult:
    """Validate GravityZone credentials."""
    return validate(systems.GRAVITYZONE, {"access_url": access_url, "api_key": api_key})


@transaction.atomic
def save(
    system: str, values: dict[str, str], result: ValidationResult, is_sandbox: bool = False
) -> Connection:
    """Store (or replace) a connection with its validation outcome."""
    spec = _spec(system)
    connection = connection_for(system) or Connection(system=system)
    connection.base_url = values[spec.fields[0].name]
    connection.options = {name: values.get(name, "") for name in spec.option_names}
    connection.set_credentials({name: values[name] for name in spec.credential_names})
    connection.is_sandbox = is_sandbox
    remember_validation(connection, result)
    connection.save()
    return connection


def save_gravityzone(
    access_url: str, api_key: str, result: ValidationResult, is_sandbox: bool = False
) -> Connection:
    """Store the GravityZone connection (a blank key keeps the stored one)."""
    values = merged_values(
        _spec(systems.GRAVITYZONE), {"access_url": access_url, "api_key": api_key}
    )
    return save(systems.GRAVITYZONE, values, result, is_sandbox)


def revalidate(connection: Connection) -> ValidationResult:
    """Validate the stored credentials again and keep the outcome."""
    result = validate(connection.system, stored_values(connection))
    remember_validation(connection, result)
    connection.save(update_fields=["validated_at", "validation_outcome", "validation_message"])
    return result


def remember_validation(connection: Connection, result: ValidationResult) -> None:
    """Keep a validation outcome on the connection and open or close its event."""
    connection.validated_at = timezone.now()
    connection.validation_outcome = result.outcome
    connection.validation_message = result.message[:300]
    if result.outcome == "ok":
        event_service.close_events("connection_failed", scope=connection.system)
    else:
        event_service.raise_event(
            "connection_failed", scope=connection.system, message=result.message
        )


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


def replace_psa(old: str, new: str) -> None:
    """Disconnect the PSA `old` (and its RMM) for `new`: what depended on it is kept, unused,
    and one event says so (never a silent swap)."""
    rmm = systems.psa(old).rmm
    kept = systems.psa(new).rmm
    gone = [old, *([rmm] if rmm and rmm != kept else [])]
    Connection.objects.filter(system__in=gone).delete()
    event_service.close_events("connection_failed", scope=old)
    event_service.raise_event(
        "psa_switched",
        message=f"{systems.label(old)} was replaced by {systems.label(new)}: its mappings and "
        "ticketing settings are kept but no longer used.",
        subject=f"{systems.label(old)} by {systems.label(new)}",
    )
    log.warning("PSA %s replaced by %s", old, new)
