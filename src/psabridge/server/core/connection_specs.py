"""What each outside system's connection form asks for, and which values are credentials."""

from __future__ import annotations

from dataclasses import dataclass

from psabridge.server.core.models import System


@dataclass(frozen=True)
class FieldSpec:
    """One input of a connection form."""

    name: str
    label: str
    help: str = ""
    kind: str = "text"  # "text", "url" or "password"
    required: bool = True
    credential: bool = False  # encrypted at rest, never shown back beyond the last 4 characters


@dataclass(frozen=True)
class ConnectionSpec:
    """The connection form of one system; the first field is the address kept as base_url."""

    system: System
    fields: tuple[FieldSpec, ...]
    intro: str

    @property
    def credential_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.credential)

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields[1:] if not f.credential)


GRAVITYZONE = ConnectionSpec(
    System.GRAVITYZONE,
    (
        FieldSpec(
            "access_url",
            "Access URL",
            "Control Center > My Account > Control Center API, "
            "e.g. https://cloud.gravityzone.bitdefender.com/api",
            kind="url",
        ),
        FieldSpec(
            "api_key",
            "API key",
            "Needs the Companies, Network, Licensing and Event Push Service APIs.",
            kind="password",
            credential=True,
        ),
    ),
    "psabridge reads companies, endpoints and usage from GravityZone and receives its alerts.",
)
HALOPSA = ConnectionSpec(
    System.HALOPSA,
    (
        FieldSpec("base_url", "Instance URL", "e.g. https://yourcompany.halopsa.com", kind="url"),
        FieldSpec(
            "auth_url",
            "Authorisation server",
            "Leave empty to discover it from /api/authinfo.",
            kind="url",
            required=False,
        ),
        FieldSpec(
            "tenant",
            "Tenant",
            "Leave empty to discover it (hosted instances only).",
            required=False,
        ),
        FieldSpec(
            "client_id",
            "Client ID",
            "Configuration > Integrations > Halo API > "
            "View Applications: a Client ID and Secret (Services) application.",
            credential=True,
        ),
        FieldSpec(
            "client_secret",
            "Client secret",
            "Scopes: read:tickets edit:tickets "
            "read:customers read:items read:invoices edit:invoices (or all).",
            kind="password",
            credential=True,
        ),
    ),
    "psabridge opens HaloPSA tickets from alerts and writes usage to recurring invoices.",
)
CONNECTWISE = ConnectionSpec(
    System.CONNECTWISE,
    (
        FieldSpec(
            "site_url",
            "Site URL",
            "Where you log in, e.g. https://na.myconnectwise.net; the codebase is discovered.",
            kind="url",
        ),
        FieldSpec("company_id", "Company ID", "The company you log in with."),
        FieldSpec(
            "public_key",
            "Public key",
            "System > Members > API Members > API Keys.",
            credential=True,
        ),
        FieldSpec(
            "private_key",
            "Private key",
            "Shown once when the API key is created.",
            kind="password",
            credential=True,
        ),
        FieldSpec(
            "client_id",
            "Client ID",
            "The integration's clientId from developer.connectwise.com/ClientID.",
            credential=True,
        ),
    ),
    "psabridge writes monthly usage to agreement additions and opens service tickets.",
)
AUTOMATE = ConnectionSpec(
    System.AUTOMATE,
    (
        FieldSpec(
            "server_url",
            "Server URL",
            "Your Automate server, e.g. https://automate.example.com",
            kind="url",
        ),
        FieldSpec("username", "Username", "An Automate user for the integration."),
        FieldSpec("password", "Password", "", kind="password", credential=True),
        FieldSpec(
            "client_id",
            "Client ID",
            "The integration's ClientId (required since Automate 2020.11).",
            credential=True,
        ),
    ),
    "Optional: with Automate, a mapping is ConnectWise PSA company <-> Automate client <-> "
    "GravityZone company, found through each client's ExternalId link (R1.4).",
)
SPECS: dict[str, ConnectionSpec] = {
    spec.system.value: spec for spec in (GRAVITYZONE, HALOPSA, CONNECTWISE, AUTOMATE)
}
