"""Build the Autotask PSA desk and billing adapters from a stored connection's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from psabridge.connectors.autotask.billing import AutotaskBilling
from psabridge.connectors.autotask.desk import AutotaskDesk
from psabridge.connectors.autotask.session import ZONE_LOOKUP_URL
from psabridge.connectors.errors import ConfigError
from psabridge.connectors.options import ConnectorOptions, plain_values, required

LOOKUP_PATH = urlsplit(ZONE_LOOKUP_URL).path  # /atservicesrest/v1.0/zoneInformation


def build_desk(settings: Mapping[str, Any], options: ConnectorOptions) -> AutotaskDesk:
    """Build the Autotask desk from {"zone_url", "username", "secret", "integration_code"}
    (any value may come as a SecretStr)."""
    return AutotaskDesk.connect(*_credentials(settings), **_options(settings, options))


def build_billing(settings: Mapping[str, Any], options: ConnectorOptions) -> AutotaskBilling:
    """Build the Autotask billing side from the settings of `build_desk`."""
    return AutotaskBilling.connect(*_credentials(settings), **_options(settings, options))


def _credentials(settings: Mapping[str, Any]) -> tuple[str, SecretStr, SecretStr]:
    values = plain_values(settings)
    return (
        required(values, "username").strip(),
        SecretStr(required(values, "secret")),
        SecretStr(required(values, "integration_code").strip()),
    )


def _options(settings: Mapping[str, Any], options: ConnectorOptions) -> dict[str, Any]:
    lookup = zone_lookup_url(plain_values(settings).get("zone_url", ""))
    return {"zone_lookup_url": lookup, **options.http_options()}


def zone_lookup_url(address: str) -> str:
    """Return the zoneInformation URL of an address given with or without its path."""
    text = address.strip().rstrip("/")
    if not text:
        return ZONE_LOOKUP_URL
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"Not an Autotask address: {address!r}")
    path = parts.path if parts.path.lower().endswith("zoneinformation") else LOOKUP_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"
