"""Test tickets (R5.11), sent from the settings page: one ticket with the routing a kind gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import NewTicket
from psabridge.domain.alerts import AlertKind
from psabridge.server.core import connections
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing import fields, profiles, routing


@dataclass
class TestTicketResult:
    """What the test ticket did, to show the admin the routing used."""

    ok: bool
    message: str
    ticket_id: str = ""
    routing: dict[str, Any] = field(default_factory=dict)
    described: list[tuple[str, str]] = field(default_factory=list)


def send(system: str, kind: str, mapping_id: str, blocked: bool = True) -> TestTicketResult:
    """Create a test ticket for one kind on one mapped client; never raises."""
    settings = routing.settings_for(system)
    route = routing.routes_of(settings)[kind]
    mapping = _mapping(system, mapping_id)
    if not settings.valid or mapping is None:
        reason = (
            "save valid ticketing settings first" if not settings.valid else "map a client first"
        )
        return TestTicketResult(False, f"No test ticket: {reason}.")
    label = AlertKind(kind).label
    ticket_fields = fields.ticket_fields(settings, route, mapping.psa_client_id, [])
    reference = f"psabridge:test-{kind}-{timezone.now():%Y%m%d%H%M%S}"
    ticket = NewTicket(
        reference,
        mapping.psa_client_id,
        f"[TEST] [GravityZone] {label} routing test ({'blocked' if blocked else 'current'} threat)",
        f"A test ticket from psabridge showing the routing of {label} alerts. It can be closed.",
        ticket_fields,
    )
    try:
        created = connections.stored_desk(system).create_ticket(ticket)
    except ConnectorError as exc:
        return TestTicketResult(
            False, f"The PSA refused the test ticket: {exc}", routing=ticket_fields
        )
    note = "private" if not settings.updates_visible else "visible to the user"
    return TestTicketResult(
        True,
        f"Test ticket {created.id} created for {mapping.psa_client_name}; notes will be {note}.",
        created.id,
        ticket_fields,
        _described(system, settings.ticket_type_id, route.values, ticket_fields),
    )


def _described(
    system: str, type_id: str, values: dict[str, str], ticket_fields: dict[str, Any]
) -> list[tuple[str, str]]:
    """Return the routing by name where the PSA's profile lists it, e.g. ("Board", "Security")."""
    ways = profiles.for_system(system)
    if not ways.described:
        return []
    scope = (values.get(ways.type_field) or type_id) if ways.type_field else None
    try:
        options = routing.live_options(system, type_id, boards=[scope] if scope else None)
    except ConnectorError:
        options = {}
    described = []
    for name, label, key in ways.described:
        value = ticket_fields.get(name)
        if value:
            names = {o.id: o.name for o in options.get(key, [])}
            described.append((label, f"{names.get(str(value), value)} ({value})"))
    configurations = ticket_fields.get("configuration_ids")
    if configurations:
        described.append(("Configurations", ", ".join(configurations)))
    return described


def _mapping(system: str, mapping_id: str) -> Mapping | None:
    mappings = Mapping.objects.filter(system=system, ticketing=True)
    if mapping_id.isdigit():
        return mappings.filter(pk=int(mapping_id)).first()
    return mappings.order_by("psa_client_name").first()
