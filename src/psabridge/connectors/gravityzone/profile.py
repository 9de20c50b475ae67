"""GravityZone as the server shows it: the security platform's connection form."""

from __future__ import annotations

from psabridge.connectors.profile import ConnectionField, SystemProfile

PROFILE = SystemProfile(
    kind="gravityzone",
    name="GravityZone",
    role="platform",
    fields=(
        ConnectionField(
            "access_url",
            "Access URL",
            "Control Center > My Account > Control Center API, "
            "e.g. https://cloud.gravityzone.bitdefender.com/api",
            kind="url",
        ),
        ConnectionField(
            "api_key",
            "API key",
            "Needs the Companies, Network, Licensing and Event Push Service APIs.",
            kind="password",
            credential=True,
        ),
    ),
    intro="psabridge reads companies, endpoints and usage from GravityZone and receives its "
    "alerts.",
    validate_help="Validate reads the API key's details and checks the services it needs.",
)
