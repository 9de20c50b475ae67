"""Credential validation for ConnectWise PSA: the four outcomes of SPEC R1.1/R1.2."""

from __future__ import annotations

from psabridge.connectors.connectwise.client import ConnectWiseClient
from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from psabridge.connectors.ports import ValidationResult

# One cheap read (pageSize=1) per module psabridge uses, named by the security-role entry the
# API member needs (Setup > Security Roles): the module a 403 names.
PROBES: tuple[tuple[str, str], ...] = (
    ("company/companies", "Companies > Company Maintenance"),
    ("finance/agreements/types", "Finance > Agreements"),
    ("procurement/catalog", "Procurement > Product Catalog"),
    ("service/boards", "Service Desk > Service Tickets"),
    ("service/priorities", "System > Table Setup"),
)


def validate_credentials(client: ConnectWiseClient) -> ValidationResult:
    """Ask companyinfo, read /system/info, then probe each module; never raise."""
    try:
        client.company_info()  # Reference: connectwise.md §1.3 (site and company id)
    except NotFoundError:
        return _unknown_company(client.credentials.company_id)
    except ConnectorError as exc:
        return _cannot_connect(exc)
    try:
        client.system_info()  # Reference: connectwise.md §3.1 (CTC's credential check)
    except PermissionDeniedError:
        pass  # the keys were accepted; the probes name what is missing
    except AuthError:
        return _invalid_key()
    except ConnectorError as exc:
        return _cannot_connect(exc)
    return _probe(client)


def _probe(client: ConnectWiseClient) -> ValidationResult:
    missing: list[str] = []
    for path, entry in PROBES:
        try:
            client.probe(path, entry)
        except PermissionDeniedError:
            missing.append(entry)
        except AuthError:
            return _invalid_key()
        except (RateLimitedError, ConfigError) as exc:
            if isinstance(exc, NotFoundError):
                return _cannot_connect(exc)
            continue  # the PSA answered for this module: the permission is there
        except ConnectorError as exc:
            return _cannot_connect(exc)
    if missing:
        return _missing_permission(tuple(missing))
    return ValidationResult("ok", "Connected to ConnectWise PSA.")


def _unknown_company(company_id: str) -> ValidationResult:
    return ValidationResult(
        "invalid_key",
        f"ConnectWise PSA does not know the company id {company_id!r} at this site. Use the "
        "company id you enter on the ConnectWise PSA login page.",
    )


def _invalid_key() -> ValidationResult:
    return ValidationResult(
        "invalid_key",
        "ConnectWise PSA rejected the API keys or the client id. Check the API member's "
        "public and private keys (System > Members > API Members) and the integration's "
        "clientId (developer.connectwise.com/ClientID).",
    )


def _cannot_connect(exc: ConnectorError) -> ValidationResult:
    if isinstance(exc, RateLimitedError):
        text = "ConnectWise PSA is rate limiting these keys; try again in a minute."
        return ValidationResult("cannot_connect", text)
    return ValidationResult(
        "cannot_connect", f"Cannot connect to ConnectWise PSA at this site URL ({exc.message})."
    )


def _missing_permission(entries: tuple[str, ...]) -> ValidationResult:
    return ValidationResult(
        "missing_permission",
        "The ConnectWise PSA API member's security role lacks: "
        f"{', '.join(entries)}. Grant inquire access under System > Security Roles.",
        entries,
    )
