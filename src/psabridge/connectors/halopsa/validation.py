"""Credential validation for HaloPSA: the four outcomes of SPEC R1.1/R1.2 with friendly texts."""

from __future__ import annotations

from collections.abc import Callable

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.halopsa.client import HaloClient
from psabridge.connectors.ports import ValidationResult

# What psabridge reads, each probed with one cheap read (a one-record page where paged).
PROBES: tuple[tuple[str, Callable[[HaloClient], object]], ...] = (
    ("Tickets", lambda client: client.tickets(page_size=1)),
    ("Ticket types", lambda client: client.ticket_types()),
    ("Customers", lambda client: client.clients(page_size=1)),
    ("Assets", lambda client: client.assets(page_size=1)),
    ("Items", lambda client: client.items(page_size=1)),
    ("Recurring invoices", lambda client: client.recurring_invoices(page_size=1)),
)


def validate_credentials(client: HaloClient) -> ValidationResult:
    """Get a token, call Agent/me, then probe each area psabridge needs; never raise."""
    try:
        client.authenticate()  # Reference: halopsa.md §1.2 (token request)
        client.agent_me()  # Reference: halopsa.md §3 (a cheap authenticated call)
    except PermissionDeniedError as exc:
        if exc.service == "token":
            return _missing_permission(("Client credentials",))
    except AuthError:
        return _invalid_key()
    except RateLimitedError:
        return _rate_limited()
    except TransientError as exc:
        return _cannot_connect(exc, hint=" A wrong tenant can also cause this.")
    except ConnectorError as exc:
        return _cannot_connect(exc)
    return _probe(client)


def _probe(client: HaloClient) -> ValidationResult:
    missing: list[str] = []
    for area, probe in PROBES:
        try:
            probe(client)
        except PermissionDeniedError:
            missing.append(area)
        except AuthError:
            return _invalid_key()
        except (TransientError, NotFoundError) as exc:
            return _cannot_connect(exc)
        except (RateLimitedError, ConfigError):
            continue  # HaloPSA answered for this area: the permission is there
    if missing:
        return _missing_permission(tuple(missing))
    return ValidationResult("ok", "Connected to HaloPSA.")


def _invalid_key() -> ValidationResult:
    return ValidationResult(
        "invalid_key",
        "HaloPSA rejected the client ID or client secret. Check them under Configuration > "
        "Integrations > HaloPSA API > Applications (authentication method: Client ID and "
        "Secret (Services)).",
    )


def _rate_limited() -> ValidationResult:
    return ValidationResult(
        "cannot_connect", "HaloPSA is rate limiting this application; try again in a minute."
    )


def _cannot_connect(exc: ConnectorError, hint: str = "") -> ValidationResult:
    return ValidationResult(
        "cannot_connect",
        f"Cannot connect to HaloPSA at this instance URL ({exc.message}).{hint}",
    )


def _missing_permission(areas: tuple[str, ...]) -> ValidationResult:
    return ValidationResult(
        "missing_permission",
        f"The HaloPSA API application lacks permission for: {', '.join(areas)}. Grant it "
        "under Configuration > Integrations > HaloPSA API > Applications > Permissions (or "
        "use the scope 'all'), and check the agent the application logs in as.",
        areas,
    )
