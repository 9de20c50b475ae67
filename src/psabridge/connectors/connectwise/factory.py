"""Build the ConnectWise PSA desk and billing adapters from a stored connection's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
from psabridge.connectors.connectwise.billing import ConnectWiseBilling
from psabridge.connectors.options import ConnectorOptions, plain_values, required


def build_desk(settings: Mapping[str, Any], options: ConnectorOptions) -> ConnectWiseDesk:
    """Build the ConnectWise PSA desk from {"site_url", "company_id", "public_key",
    "private_key", "client_id"} (any value may come as a SecretStr)."""
    return ConnectWiseDesk.connect(*_credentials(settings), **options.http_options())


def build_billing(settings: Mapping[str, Any], options: ConnectorOptions) -> ConnectWiseBilling:
    """Build the ConnectWise PSA billing side from the settings of `build_desk`.

    A server holding a ConnectWiseDesk can share its client: `ConnectWiseBilling(desk.client)`.
    """
    return ConnectWiseBilling.connect(*_credentials(settings), **options.http_options())


def _credentials(settings: Mapping[str, Any]) -> tuple[str, str, SecretStr, SecretStr, str]:
    values = plain_values(settings)
    return (
        required(values, "site_url"),
        required(values, "company_id"),
        SecretStr(required(values, "public_key")),
        SecretStr(required(values, "private_key")),
        required(values, "client_id"),
    )
