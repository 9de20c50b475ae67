"""Credential validation for GravityZone: the four outcomes of SPEC R1.1 with friendly texts."""

from __future__ import annotations

from collections.abc import Callable

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.gravityzone.client import SERVICE_LABELS, GravityZoneClient
from psabridge.connectors.ports import ValidationResult

# The services psabridge needs, each probed by one cheap read.
PROBES: tuple[tuple[str, Callable[[GravityZoneClient], object]], ...] = (
    ("network", lambda client: client.get_companies_list()),
    ("companies", lambda client: client.get_company_details()),
    ("licensing", lambda client: client.get_license_info()),
    ("push", lambda client: client.get_push_event_settings()),
)


def validate_key(client: GravityZoneClient) -> ValidationResult:
    """Test the key with getApiKeyDetails, then probe each needed service."""
    try:
        client.get_api_key_details()  # Reference: gravityzone.md §1.1 (the credential test)
    except AuthError:
        return _invalid_key()
    except RateLimitedError:
        return ValidationResult(
            "cannot_connect", "GravityZone is rate limiting this key; try again in a minute."
        )
    except ConnectorError as exc:
        return _cannot_connect(exc)
    return _probe_services(client)


def _probe_services(client: GravityZoneClient) -> ValidationResult:
    missing: list[str] = []
    for service, probe in PROBES:
        try:
            probe(client)
        except AuthError:  # Reference: gravityzone.md §1.2 (401 on a service not enabled)
            missing.append(service)
        except (TransientError, NotFoundError) as exc:
            return _cannot_connect(exc)
        except (RateLimitedError, ConfigError):
            # Limits are per key (§1.6): a 429 (push: 5/min, no burst) or a JSON-RPC error
            # means the service answered this key, so it is enabled.
            continue
    if missing:
        return _missing_permission(tuple(missing))
    return ValidationResult("ok", "Connected to GravityZone.")


def _invalid_key() -> ValidationResult:
    return ValidationResult(
        "invalid_key",
        "GravityZone rejected the API key. Check the key, and that the Access URL is your "
        "own tenant's (a key sent to another tenant is refused).",
    )


def _cannot_connect(exc: ConnectorError) -> ValidationResult:
    return ValidationResult(
        "cannot_connect", f"Cannot connect to GravityZone at this Access URL ({exc.message})."
    )


def _missing_permission(services: tuple[str, ...]) -> ValidationResult:
    names = ", ".join(SERVICE_LABELS.get(s, s) for s in services)
    return ValidationResult(
        "missing_permission",
        f"The API key lacks these APIs: {names}. Enable them under My Account > API keys "
        "in GravityZone Control Center.",
        services,
    )
