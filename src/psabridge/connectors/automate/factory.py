"""Build the ConnectWise Automate adapter from a stored connection's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.automate.adapter import AutomateClients
from psabridge.connectors.options import ConnectorOptions, plain_values, required


def build(settings: Mapping[str, Any], options: ConnectorOptions) -> AutomateClients:
    """Build the ConnectWise Automate adapter from {"server_url", "username", "password",
    "client_id"} (any value may come as a SecretStr)."""
    values = plain_values(settings)
    return AutomateClients.connect(
        required(values, "server_url"),
        required(values, "username"),
        SecretStr(required(values, "password")),
        required(values, "client_id"),
        **options.http_options(),
    )
