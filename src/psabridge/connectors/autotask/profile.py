"""Autotask PSA as the server shows it: connection form, queue routing, contract units."""

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

# The route values a kind stores, and the ticket field each becomes (reference §3.8, §3.9).
ROUTE_FIELDS = (
    ("priority", "priority"),
    ("issue_type", "issueType"),
    ("sub_issue_type", "subIssueType"),
    ("source", "source"),
)


def _defaults(type_info: TicketTypeInfo) -> dict[str, str]:
    # The default queue and the tenant's default priority; issue types have no default.
    return kept({"queue": type_info.id, "priority": type_info.default_priority_id})


def _fields(type_id: str, values: Mapping[str, str], facts: TicketFacts) -> dict[str, Any]:
    """Return ticket fields: the kind's queue (else the default queue), its priority, issue
    and sub-issue type and source, the tenant's default status, and the first matched
    configuration item as the ticket's (R5.12; the API takes one primary item)."""
    fields: dict[str, Any] = {"queueID": values.get("queue") or type_id}
    fields.update({name: values[key] for key, name in ROUTE_FIELDS if values.get(key)})
    if facts.initial_status_id:
        fields["status"] = facts.initial_status_id
    if facts.asset_ids:
        fields["configurationItemID"] = facts.asset_ids[0]
    return fields


TICKETS = TicketWays(
    tickets="Autotask PSA tickets",
    type_label="Default queue",
    type_noun="default queue",
    type_hint="Each alert kind opens tickets in its queue (this one unless changed) with the "
    "default status New; changing it fills each kind with it and the default priority.",
    kinds_hint="Each switched-on kind needs a valid Queue and Priority (*); a Sub-issue type "
    "must belong to its Issue type.",
    routing=(
        RoutingField("queue", "Queue", "queue", "ticket_types"),
        RoutingField("priority", "Priority", "priority", "priorities"),
        RoutingField("issue_type", "Issue type", "issue type", "issue_types", required=False),
        RoutingField(
            "sub_issue_type",
            "Sub-issue type",
            "sub-issue type",
            "sub_issue_types",
            required=False,
            scope="issue_type",
        ),
        RoutingField("source", "Source", "source", "sources", required=False),
    ),
    table=("queue", "priority", "issue_type", "sub_issue_type", "source"),
    asset_fields=(
        ("inventory_number", "device name (reference title)"),
        ("key_field", "IP address"),
        ("key_field2", "MAC address"),
        ("key_field3", "serial number"),
    ),
    defaults=_defaults,
    fields=_fields,
    notes_visible="a visible note is published to all Autotask users; a private one to "
    "internal users only",
    type_field="queue",
    closed_status="Complete",
    scoped_options=True,
    described=(
        ("queueID", "Queue", "ticket_types"),
        ("priority", "Priority", "priorities"),
        ("issueType", "Issue type", "issue_types"),
        ("subIssueType", "Sub-issue type", "sub_issue_types"),
        ("status", "Status", "statuses"),
        ("source", "Source", "sources"),
    ),
)

PROFILE = PsaProfile(
    kind="autotask",
    name="Autotask PSA",
    role="psa",
    fields=(
        ConnectionField(
            "zone_url",
            "Autotask address",
            "https://webservices.autotask.net for every Autotask zone: your zone is discovered "
            "from the user name.",
            kind="url",
        ),
        ConnectionField(
            "username",
            "API user name",
            "The user name of an API-only resource (Admin > Resources/Users, security level "
            "API User).",
        ),
        ConnectionField(
            "secret",
            "Secret",
            "The API user's password (secret).",
            kind="password",
            credential=True,
        ),
        ConnectionField(
            "integration_code",
            "API tracking identifier",
            "The integration code of the API user's tracking identifier (Integration Vendor or "
            "Custom).",
            kind="password",
            credential=True,
        ),
    ),
    intro="psabridge sets monthly units on recurring service contracts and opens tickets.",
    validate_help="Validate discovers the zone, reads the API usage thresholds and checks that "
    "the API user may read and write what psabridge uses.",
    client="Autotask company",
    clients="Autotask companies",
    tickets=TICKETS,
    mapping=MappingWords(
        "Applies the Billing and Ticketing checkbox changes of all rows, or of the selected "
        "rows. Billing on sets the company's units on its Recurring Service contract at the "
        "next sync."
    ),
    billing_style="period_quantities",
    billing=BillingWords("month's units", "monthly units", "contract", "contracts", "sync"),
    month_billed="running",
)
