"""Every outside system, one line each: its profile and the factories that build its adapters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from psabridge.connectors.automate import factory as automate_factory
from psabridge.connectors.automate import profile as automate_profile
from psabridge.connectors.autotask import factory as autotask_factory
from psabridge.connectors.autotask import profile as autotask_profile
from psabridge.connectors.connectwise import factory as connectwise_factory
from psabridge.connectors.connectwise import profile as connectwise_profile
from psabridge.connectors.errors import ConfigError
from psabridge.connectors.gravityzone import factory as gravityzone_factory
from psabridge.connectors.gravityzone import profile as gravityzone_profile
from psabridge.connectors.halopsa import factory as halopsa_factory
from psabridge.connectors.halopsa import profile as halopsa_profile
from psabridge.connectors.options import ConnectorOptions as ConnectorOptions
from psabridge.connectors.ports import BillingTarget, SecurityPlatform, TicketDesk
from psabridge.connectors.ports_agreements import AgreementBilling, RmmClients
from psabridge.connectors.profile import PsaProfile, SystemProfile

# The union makes mypy check each factory's product against our ports.
Connector = SecurityPlatform | TicketDesk | BillingTarget | RmmClients
Billing = BillingTarget | AgreementBilling
Factory = Callable[[Mapping[str, Any], ConnectorOptions], Connector]
BillingFactory = Callable[[Mapping[str, Any], ConnectorOptions], Billing]


@dataclass(frozen=True)
class Entry:
    """One outside system: how the server shows it and how its adapters are built."""

    profile: SystemProfile
    build: Factory
    build_billing: BillingFactory | None = None


# Adding a system is one line here plus its own package (docs/adding-a-psa.md).
SYSTEMS: Mapping[str, Entry] = {
    entry.profile.kind: entry
    for entry in (
        Entry(gravityzone_profile.PROFILE, gravityzone_factory.build),
        Entry(halopsa_profile.PROFILE, halopsa_factory.build_desk, halopsa_factory.build_billing),
        Entry(
            connectwise_profile.PROFILE,
            connectwise_factory.build_desk,
            connectwise_factory.build_billing,
        ),
        Entry(automate_profile.PROFILE, automate_factory.build),
        Entry(
            autotask_profile.PROFILE, autotask_factory.build_desk, autotask_factory.build_billing
        ),
    )
}
REGISTRY: Mapping[str, Factory] = {kind: entry.build for kind, entry in SYSTEMS.items()}


def profile(kind: str) -> SystemProfile:
    """Return the profile of a system kind, or raise ConfigError."""
    entry = SYSTEMS.get(kind)
    if entry is None:
        raise ConfigError(f"Unknown connector kind: {kind}")
    return entry.profile


def psa_profiles() -> list[PsaProfile]:
    """Return the profile of every PSA, in registry order."""
    return [e.profile for e in SYSTEMS.values() if isinstance(e.profile, PsaProfile)]


def psa_profile(kind: str) -> PsaProfile:
    """Return a PSA's profile, or raise ConfigError."""
    found = profile(kind)
    if not isinstance(found, PsaProfile):
        raise ConfigError(f"{found.name} is not a PSA")
    return found


def create_connector(
    kind: str, settings: Mapping[str, Any], options: ConnectorOptions | None = None
) -> Connector:
    """Return the adapter for a connection of `kind`."""
    entry = SYSTEMS.get(kind)
    if entry is None:
        raise ConfigError(f"Unknown connector kind: {kind}")
    return entry.build(settings, options or ConnectorOptions())


def create_billing_target(
    kind: str, settings: Mapping[str, Any], options: ConnectorOptions | None = None
) -> Billing:
    """Return the billing side of a PSA connection of `kind`."""
    entry = SYSTEMS.get(kind)
    if entry is None or entry.build_billing is None:
        raise ConfigError(f"No billing for connector kind: {kind}")
    return entry.build_billing(settings, options or ConnectorOptions())
