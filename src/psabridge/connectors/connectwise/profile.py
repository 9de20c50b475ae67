"""ConnectWise PSA as the server shows it: connection form, service-ticket routing, additions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psabridge.connectors.ports import TicketTypeInfo
from psabridge.connectors.profile import (
    BillingWords,
    ConnectionField,
    MappingWords,
    PsaProfile,
    RoutingField,
    TicketFacts,
    TicketWays,
    kept,
)


def _defaults(type_info: TicketTypeInfo) -> dict[str, str]:
    # The default board and the PSA's default priority; a service type has no default (R5.1).
    return kept({"board": type_info.id, "priority": type_info.default_priority_id})


def _fields(type_id: str, values: Mapping[str, str], facts: TicketFacts) -> dict[str, Any]:
    """Return service-ticket fields (reference connectwise.md 3.8).

    The kind's board (else the default board), its type and priority, the board's default
    status (R5.1), severity and impact when set, and the matched configurations (R5.12).
    """
    fields: dict[str, Any] = {"board_id": values.get("board") or type_id}
    for name, cw_name in (("type", "type_id"), ("priority", "priority_id")):
        if values.get(name):
            fields[cw_name] = values[name]
    if facts.initial_status_id:
        fields["status_id"] = facts.initial_status_id
    for name in ("severity", "impact"):
        if values.get(name):
            fields[name] = values[name]
    if facts.asset_ids:
        fields["configuration_ids"] = list(facts.asset_ids)
    return fields


TICKETS = TicketWays(
    tickets="ConnectWise PSA service tickets",
    type_label="Default board",
    type_noun="default board",
    type_hint="Each alert kind opens service tickets on its board (this one unless changed), "
    "with the board's default status; changing it fills each kind with it and the PSA's "
    "default priority.",
    kinds_hint="Each switched-on kind needs a valid Board, Type (of that board) and Priority (*).",
    routing=(
        RoutingField("board", "Board", "board", "ticket_types"),
        RoutingField("type", "Type", "type", "board_types", scope="board"),
        RoutingField("priority", "Priority", "priority", "priorities"),
        RoutingField("severity", "Severity", "severity", "severities", required=False),
        RoutingField("impact", "Impact", "impact", "impacts", required=False),
    ),
    table=("board", "type", "priority", "severity", "impact"),
    asset_fields=(
        ("inventory_number", "configuration name"),
        ("key_field", "IP address"),
        ("key_field2", "MAC address"),
        ("key_field3", "serial number"),
    ),
    defaults=_defaults,
    fields=_fields,
    notes_visible="a visible note is a discussion entry; a private one an internal analysis",
    closes_by_board=True,
    type_field="board",
    described=(
        ("board_id", "Board", "ticket_types"),
        ("type_id", "Type", "board_types"),
        ("priority_id", "Priority", "priorities"),
        ("status_id", "Status", "statuses"),
        ("severity", "Severity", "severities"),
        ("impact", "Impact", "impacts"),
    ),
)

PROFILE = PsaProfile(
    kind="connectwise",
    name="ConnectWise PSA",
    role="psa",
    fields=(
        ConnectionField(
            "site_url",
            "Site URL",
            "Where you log in, e.g. https://na.myconnectwise.net; the codebase is discovered.",
            kind="url",
        ),
        ConnectionField("company_id", "Company ID", "The company you log in with."),
        ConnectionField(
            "public_key",
            "Public key",
            "System > Members > API Members > API Keys.",
            credential=True,
        ),
        ConnectionField(
            "private_key",
            "Private key",
            "Shown once when the API key is created.",
            kind="password",
            credential=True,
        ),
        ConnectionField(
            "client_id",
            "Client ID",
            "The integration's clientId from developer.connectwise.com/ClientID.",
            credential=True,
        ),
    ),
    intro="psabridge writes monthly usage to agreement additions and opens service tickets.",
    validate_help="Validate discovers the codebase and reads the company info and one company.",
    client="ConnectWise PSA company",
    clients="ConnectWise PSA companies",
    rmm="automate",
    tickets=TICKETS,
    mapping=MappingWords(
        "Applies the detected Automate client and GravityZone company changes and the Billing "
        "and Ticketing checkbox changes of all rows, or of the selected rows. Billing on adds "
        "the company's usage to its agreement at the next sync.",
        via_rmm="Each ConnectWise PSA company is mapped through the ConnectWise Automate client "
        "that links to it (ExternalId) to the GravityZone company with that client's name.",
        direct="ConnectWise Automate is not connected: each ConnectWise PSA company is mapped "
        "directly to a GravityZone company.",
        update_selected="Update Selected Mappings",
    ),
    billing_style="period_quantities",
    billing=BillingWords("addition", "additions", "agreement", "agreements", "sync"),
    month_billed="running",
)
