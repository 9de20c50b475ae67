"""ConnectWise Automate as the server shows it: the RMM a ConnectWise mapping may go through."""

from __future__ import annotations

from psabridge.connectors.profile import ConnectionField, SystemProfile

PROFILE = SystemProfile(
    kind="automate",
    name="ConnectWise Automate",
    role="rmm",
    fields=(
        ConnectionField(
            "server_url",
            "Server URL",
            "Your Automate server, e.g. https://automate.example.com",
            kind="url",
        ),
        ConnectionField("username", "Username", "An Automate user for the integration."),
        ConnectionField("password", "Password", "", kind="password", credential=True),
        ConnectionField(
            "client_id",
            "Client ID",
            "The integration's ClientId (required since Automate 2020.11).",
            credential=True,
        ),
    ),
    intro="Optional: with Automate, a mapping is ConnectWise PSA company <-> Automate client <-> "
    "GravityZone company, found through each client's ExternalId link (R1.4).",
    validate_help="Validate gets a token and reads one client.",
)
