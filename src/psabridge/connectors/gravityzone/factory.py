"""Build the GravityZone adapter from a stored connection's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.options import ConnectorOptions, required


def build(settings: Mapping[str, Any], options: ConnectorOptions) -> GravityZonePlatform:
    """Build the GravityZone adapter from {"access_url", "api_key"}."""
    access_url, api_key = required(settings, "access_url"), required(settings, "api_key")
    if not isinstance(api_key, SecretStr):
        api_key = SecretStr(str(api_key))
    return GravityZonePlatform.connect(str(access_url), api_key, **options.http_options())
