"""Connector kinds mapped explicitly to the factories that build their adapters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from psabridge.connectors.automate.adapter import AutomateClients
from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
from psabridge.connectors.connectwise.billing import ConnectWiseBilling
from psabridge.connectors.errors import ConfigError
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.halopsa.adapter import HaloTicketDesk
from psabridge.connectors.halopsa.billing import HaloBilling
from psabridge.connectors.http import CallRecord, RateBudget
from psabridge.connectors.ports import BillingTarget, SecurityPlatform, TicketDesk
from psabridge.connectors.ports_connectwise import AgreementBilling, RmmClients


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


# The union makes mypy check each factory's product against our ports.
Connector = SecurityPlatform | TicketDesk | BillingTarget | RmmClients
Billing = BillingTarget | AgreementBilling
Factory = Callable[[Mapping[str, Any], ConnectorOptions], Connector]


def build_gravityzone(
    settings: Mapping[str, Any], options: ConnectorOptions
) -> GravityZonePlatform:
    """Build the GravityZone adapter from {"access_url", "api_key"}."""
    access_url, api_key = _required(settings, "access_url"), _required(settings, "api_key")
    if not isinstance(api_key, SecretStr):
        api_key = SecretStr(str(api_key))
    return GravityZonePlatform.connect(str(access_url), api_key, **options.http_options())


def build_halopsa(settings: Mapping[str, Any], options: ConnectorOptions) -> HaloTicketDesk:
    """Build the HaloPSA adapter from {"base_url", "client_id", "client_secret"}.

    Optional: "auth_url" and "tenant" (discovered when empty), "note_outcome" and
    "public_note_outcome" (outcome names for private and public notes). Any value may come
    as a SecretStr.
    """
    values = {name: _plain(value) for name, value in settings.items()}
    base_url, client_id = _required(values, "base_url"), _required(values, "client_id")
    secret = SecretStr(_required(values, "client_secret"))
    notes = {k: values[k] for k in ("note_outcome", "public_note_outcome") if values.get(k)}
    return HaloTicketDesk.connect(
        base_url,
        client_id,
        secret,
        auth_url=values.get("auth_url") or None,
        tenant=values.get("tenant") or None,
        **notes,
        **options.http_options(),
    )


def build_halopsa_billing(settings: Mapping[str, Any], options: ConnectorOptions) -> HaloBilling:
    """Build the HaloPSA billing target from the settings of `build_halopsa` (notes unused).

    A server holding a HaloTicketDesk can share its client instead: `HaloBilling(desk.client)`.
    """
    values = {name: _plain(value) for name, value in settings.items()}
    base_url, client_id = _required(values, "base_url"), _required(values, "client_id")
    return HaloBilling.connect(
        base_url,
        client_id,
        SecretStr(_required(values, "client_secret")),
        auth_url=values.get("auth_url") or None,
        tenant=values.get("tenant") or None,
        **options.http_options(),
    )


def build_connectwise(settings: Mapping[str, Any], options: ConnectorOptions) -> ConnectWiseDesk:
    """Build the ConnectWise PSA desk from {"site_url", "company_id", "public_key",
    "private_key", "client_id"} (any value may come as a SecretStr)."""
    return ConnectWiseDesk.connect(*_connectwise(settings), **options.http_options())


def build_connectwise_billing(
    settings: Mapping[str, Any], options: ConnectorOptions
) -> ConnectWiseBilling:
    """Build the ConnectWise PSA billing side from the settings of `build_connectwise`.

    A server holding a ConnectWiseDesk can share its client: `ConnectWiseBilling(desk.client)`.
    """
    return ConnectWiseBilling.connect(*_connectwise(settings), **options.http_options())


def _connectwise(settings: Mapping[str, Any]) -> tuple[str, str, SecretStr, SecretStr, str]:
    values = {name: _plain(value) for name, value in settings.items()}
    return (
        _required(values, "site_url"),
        _required(values, "company_id"),
        SecretStr(_required(values, "public_key")),
        SecretStr(_required(values, "private_key")),
        _required(values, "client_id"),
    )


def build_automate(settings: Mapping[str, Any], options: ConnectorOptions) -> AutomateClients:
    """Build the ConnectWise Automate adapter from {"server_url", "username", "password",
    "client_id"} (any value may come as a SecretStr)."""
    values = {name: _plain(value) for name, value in settings.items()}
    return AutomateClients.connect(
        _required(values, "server_url"),
        _required(values, "username"),
        SecretStr(_required(values, "password")),
        _required(values, "client_id"),
        **options.http_options(),
    )


def _plain(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return "" if value is None else str(value)


def _required(settings: Mapping[str, Any], name: str) -> Any:
    value = settings.get(name)
    if value in (None, ""):
        raise ConfigError(f"The connection setting {name} is missing")
    return value


# Adding a system is one line here plus its own package (CONVENTIONS "Connectors").
REGISTRY: Mapping[str, Factory] = {
    "gravityzone": build_gravityzone,
    "halopsa": build_halopsa,
    "connectwise": build_connectwise,
    "automate": build_automate,
}


def create_connector(
    kind: str, settings: Mapping[str, Any], options: ConnectorOptions | None = None
) -> Connector:
    """Return the adapter for a connection of `kind`."""
    factory = REGISTRY.get(kind)
    if factory is None:
        raise ConfigError(f"Unknown connector kind: {kind}")
    return factory(settings, options or ConnectorOptions())


# The billing side of a PSA connection, by the same kinds.
BILLING: Mapping[str, Callable[[Mapping[str, Any], ConnectorOptions], Billing]] = {
    "halopsa": build_halopsa_billing,
    "connectwise": build_connectwise_billing,
}


def create_billing_target(
    kind: str, settings: Mapping[str, Any], options: ConnectorOptions | None = None
) -> Billing:
    """Return the billing side of a PSA connection of `kind` (ConnectWise: AgreementBilling)."""
    factory = BILLING.get(kind)
    if factory is None:
        raise ConfigError(f"No billing for connector kind: {kind}")
    return factory(settings, options or ConnectorOptions())
