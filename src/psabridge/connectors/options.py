"""What the server injects into every connector, and how connectors read their settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError
from psabridge.connectors.http import CallRecord, RateBudget


@dataclass(frozen=True)
class ConnectorOptions:
    """What the server injects into every connector: budget, audit sink, transport seam."""

    budget: RateBudget | None = None
    audit: Callable[[CallRecord], None] | None = None
    transport: httpx.BaseTransport | None = None
    http: dict[str, Any] = field(default_factory=dict)  # e.g. timeout, max_attempts, sleeper

    def http_options(self) -> dict[str, Any]:
        """Return the keyword arguments for HttpClient."""
        base = {"budget": self.budget, "audit": self.audit, "transport": self.transport}
        return {**base, **self.http}


def plain(value: Any) -> str:
    """Return a setting as text (a SecretStr revealed: it goes straight into a request)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return "" if value is None else str(value)


def plain_values(settings: Mapping[str, Any]) -> dict[str, str]:
    """Return every setting as text."""
    return {name: plain(value) for name, value in settings.items()}


def required(settings: Mapping[str, Any], name: str) -> Any:
    """Return a setting that must be there, or raise ConfigError naming it."""
    value = settings.get(name)
    if value in (None, ""):
        raise ConfigError(f"The connection setting {name} is missing")
    return value
