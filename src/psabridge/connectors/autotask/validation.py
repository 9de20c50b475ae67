"""Credential validation for Autotask PSA: ok, invalid credentials, cannot connect, permission."""

from __future__ import annotations

from psabridge.connectors.autotask.client import AutotaskClient
from psabridge.connectors.autotask.models import EntityInfo
from psabridge.connectors.errors import (
    AuthError,
    ConnectorError,
    PermissionDeniedError,
    RateLimitedError,
)
from psabridge.connectors.ports import ValidationResult

# What psabridge does with each entity, checked against `userAccessFor*` of its
# entityInformation (reference §2.6: 0 none, 1 all, 2 restricted): one cheap call per entity.
PROBES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Companies", ("query",)),
    ("Contracts", ("query",)),
    ("ContractServiceUnits", ("query",)),
    ("ContractServiceAdjustments", ("create",)),
    ("Tickets", ("query", "create", "update")),
    ("TicketNotes", ("query", "create")),
    ("ConfigurationItems", ("query",)),
)
NO_ACCESS = "0"


def validate(client: AutotaskClient) -> ValidationResult:
    """Discover the zone, read ThresholdInformation, then check each entity; never raise."""
    try:
        client.zone()  # Reference: autotask.md §1.2 (an unknown user answers 500)
    except AuthError:
        return _unknown_user(client.credentials.username)
    except ConnectorError as exc:
        return _cannot_connect(exc)
    try:
        client.threshold_information()  # Reference: autotask.md §2.7 (authenticated, cheap)
    except PermissionDeniedError:
        pass  # the credentials were accepted; the probes name what is missing
    except AuthError:
        return _invalid_credentials()
    except ConnectorError as exc:
        return _cannot_connect(exc)
    return _probe(client)


def _probe(client: AutotaskClient) -> ValidationResult:
    missing: list[str] = []
    for entity, actions in PROBES:
        try:
            info = client.entity_information(entity)
        except PermissionDeniedError:
            missing += [f"{entity}: {action}" for action in actions]
            continue
        except AuthError:
            return _invalid_credentials()
        except ConnectorError as exc:
            return _cannot_connect(exc)
        missing += [f"{entity}: {a}" for a in actions if not _allowed(info, a)]
    if missing:
        return _missing_permission(tuple(missing))
    return ValidationResult("ok", "Connected to Autotask PSA.")


def _allowed(info: EntityInfo, action: str) -> bool:
    access = getattr(info, f"user_access_for_{action}")
    return access is None or access.strip() != NO_ACCESS


def _unknown_user(username: str) -> ValidationResult:
    return ValidationResult(
        "invalid_key",
        f"Autotask PSA does not know the API user {username!r}. Use the user name of an "
        "API-only user (Admin > Resources/Users, security level API User).",
    )


def _invalid_credentials() -> ValidationResult:
    return ValidationResult(
        "invalid_key",
        "Autotask PSA rejected the API user's secret or the integration code. Check the "
        "secret on the API user's record and its API Tracking Identifier.",
    )


def _cannot_connect(exc: ConnectorError) -> ValidationResult:
    if isinstance(exc, RateLimitedError):
        text = "Autotask PSA is over its request threshold; try again in a few minutes."
        return ValidationResult("cannot_connect", text)
    return ValidationResult(
        "cannot_connect", f"Cannot connect to Autotask PSA or its zone ({exc.message})."
    )


def _missing_permission(entries: tuple[str, ...]) -> ValidationResult:
    return ValidationResult(
        "missing_permission",
        "The Autotask PSA API user's security level lacks: "
        f"{', '.join(entries)}. Grant them to its API User security level.",
        entries,
    )
