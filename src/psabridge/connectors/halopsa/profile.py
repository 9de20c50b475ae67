"""HaloPSA as the server shows it: connection form, ticket routing, invoice-line billing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psabridge.connectors.ports import TicketTypeInfo
from psabridge.connectors.profile import (
    ConnectionField,
    MappingWords,
    PsaProfile,
    RoutingField,
    TicketFacts,
    TicketWays,
    kept,
)


def _defaults(type_info: TicketTypeInfo) -> dict[str, str]:
    return kept(
        {
            "sla_id": type_info.default_sla_id,
            "category": type_info.default_category,
            "urgency": type_info.default_urgency,
            "impact": type_info.default_impact,
            "team": type_info.default_team,
            "priority_id": type_info.default_priority_id,
        }
    )


def _fields(type_id: str, values: Mapping[str, str], facts: TicketFacts) -> dict[str, Any]:
    """Return HaloPSA ticket fields (reference halopsa.md 4.2; team and category by name)."""
    fields: dict[str, Any] = {
        "tickettype_id": type_id,
        "sla_id": values.get("sla_id"),
        "category_1": values.get("category"),
        "urgency": values.get("urgency"),
        "team": values.get("team"),
    }
    for name in ("impact", "priority_id"):
        if values.get(name):
            fields[name] = values[name]
    if facts.site_id:
        fields["site_id"] = facts.site_id
    if facts.asset_ids:
        fields["assets"] = list(facts.asset_ids)  # ids; the adapter writes [{"id": n}]
    return fields


TICKETS = TicketWays(
    tickets="HaloPSA tickets",
    type_label="Ticket type",
    type_noun="ticket type",
    type_hint="New tickets get the type's default initial status; changing the type fills each "
    "alert kind with the type's defaults.",
    kinds_hint="Each switched-on kind needs a valid SLA, Category, Urgency and Team (*), and "
    "Impact or Priority where the ticket type makes them mandatory.",
    routing=(
        RoutingField("sla_id", "SLA", "SLA", "slas"),
        RoutingField("category", "Category", "category", "categories", by="name"),
        RoutingField("urgency", "Urgency", "urgency", "urgencies"),
        RoutingField("team", "Team", "team", "teams", by="name"),
        RoutingField("impact", "Impact", "impact", "impacts", required=False),
        RoutingField("priority_id", "Priority", "priority", "priorities", required=False),
    ),
    table=("sla_id", "category", "urgency", "impact", "team"),
    asset_fields=tuple(
        (name, name) for name in ("inventory_number", "key_field", "key_field2", "key_field3")
    ),
    defaults=_defaults,
    fields=_fields,
    notes_visible="a visible note is an action shown to the end user",
)

PROFILE = PsaProfile(
    kind="halopsa",
    name="HaloPSA",
    role="psa",
    fields=(
        ConnectionField(
            "base_url", "Instance URL", "e.g. https://yourcompany.halopsa.com", kind="url"
        ),
        ConnectionField(
            "auth_url",
            "Authorisation server",
            "Leave empty to discover it from /api/authinfo.",
            kind="url",
            required=False,
        ),
        ConnectionField(
            "tenant",
            "Tenant",
            "Leave empty to discover it (hosted instances only).",
            required=False,
        ),
        ConnectionField(
            "client_id",
            "Client ID",
            "Configuration > Integrations > Halo API > "
            "View Applications: a Client ID and Secret (Services) application.",
            credential=True,
        ),
        ConnectionField(
            "client_secret",
            "Client secret",
            "Scopes: read:tickets edit:tickets "
            "read:customers read:items read:invoices edit:invoices (or all).",
            kind="password",
            credential=True,
        ),
    ),
    intro="psabridge opens HaloPSA tickets from alerts and writes usage to recurring invoices.",
    validate_help="Validate gets a token and reads one client and the ticket types.",
    client="PSA client",
    clients="PSA clients",
    tickets=TICKETS,
    mapping=MappingWords(
        "Applies the Billing and Ticketing checkbox changes of all rows, or of the selected "
        "rows. Billing on creates the client's recurring invoice once."
    ),
)
