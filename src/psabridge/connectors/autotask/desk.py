"""AutotaskDesk: our TicketDesk port on top of the Autotask PSA REST client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.autotask import models
from psabridge.connectors.autotask.client import AutotaskClient
from psabridge.connectors.autotask.picklists import Picklists
from psabridge.connectors.autotask.tickets import TicketWriter, number
from psabridge.connectors.autotask.validation import validate
from psabridge.connectors.errors import ConfigError
from psabridge.connectors.ports import (
    Asset,
    NewTicket,
    Option,
    TicketRef,
    TicketState,
    TicketTypeInfo,
    ValidationResult,
)

COMPLETE = 5  # Reference: autotask.md §3.9 (status 5 = Complete)
OWN_COMPANY = 0  # Reference: autotask.md §3.1 (id 0 is the MSP itself: never a customer)


class AutotaskDesk:
    """The TicketDesk port for one Autotask API user and integration code."""

    def __init__(self, client: AutotaskClient) -> None:
        self.client = client
        self.picklists = Picklists(client)
        self.writer = TicketWriter(client, self.picklists)

    @classmethod
    def connect(
        cls, username: str, secret: SecretStr, integration_code: SecretStr, **options: Any
    ) -> AutotaskDesk:
        """Return a desk with its own client (`options`: zone_lookup_url, HTTP options)."""
        return cls(AutotaskClient.connect(username, secret, integration_code, **options))

    def __repr__(self) -> str:
        return f"AutotaskDesk({self.client!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Discover the zone and check the entities used (never raises)."""
        return validate(self.client)

    # --- configuration (one read of the ticket fields gives every picklist) ------------------

    def ticket_options(self) -> dict[str, list[Option]]:
        """Return queues (as ticket types), priorities, statuses, issue and sub-issue types,
        sources; each sub-issue type tagged with its issue type (extra board_id)."""
        picks = self.picklists
        statuses = picks.options("Tickets", "status", fresh=True)
        subs = picks.options("Tickets", "subIssueType")
        return {
            "ticket_types": picks.options("Tickets", "queueID"),
            "priorities": picks.options("Tickets", "priority"),
            "statuses": [_status(o) for o in statuses],
            "issue_types": picks.options("Tickets", "issueType"),
            "sub_issue_types": [_scoped(o) for o in subs],
            "sources": picks.options("Tickets", "source"),
        }

    def categories(self, ticket_type_id: str) -> list[Option]:
        """Return the sub-issue types of an issue type (the routing field it scopes).

        Called with a queue too (the site's ticket type): queues scope nothing, so a value
        that is not an issue type has none.
        """
        values = self.picklists.options("Tickets", "subIssueType")
        return [_scoped(o) for o in values if o.extra.get("parent") == str(ticket_type_id)]

    def ticket_type(self, ticket_type_id: str) -> TicketTypeInfo:
        """Return a queue's defaults: the default status and priority of the tenant."""
        queues = {o.id: o for o in self.picklists.options("Tickets", "queueID")}
        queue = queues.get(str(ticket_type_id))
        if queue is None:
            raise ConfigError(f"{ticket_type_id} is not an active Autotask queue")
        status = self.picklists.default("Tickets", "status")
        priority = self.picklists.default("Tickets", "priority")
        return TicketTypeInfo(
            id=queue.id,
            name=queue.name,
            initial_status_id=str(status.value) if status else None,
            default_priority_id=str(priority.value) if priority else None,
        )

    def closed_status_ids(self) -> set[str]:
        """Return the id of Complete, the one status Autotask treats as done."""
        return {o.id for o in self.ticket_options()["statuses"] if o.extra.get("closed")}

    def clients(self) -> list[Option]:
        """Return every customer company (extra: inactive, identifier); not the MSP's own."""
        return [
            Option(
                str(c.id),
                c.company_name,
                {"inactive": not c.is_active, "identifier": c.company_number or ""},
            )
            for c in self.client.companies()
            if c.id != OWN_COMPANY
        ]

    def assets(self, client_id: str | None) -> list[Asset]:
        """Return a company's configuration items (every company's when client_id is None)."""
        company = None if client_id is None else number("company id", client_id)
        items = self.client.configuration_items(company, active_only=False)
        return [_asset(item) for item in items]

    # --- tickets -------------------------------------------------------------------------------

    def create_ticket(self, ticket: NewTicket) -> TicketRef:
        """Create a ticket carrying our reference (externalID); never re-sent blindly."""
        return self.writer.create(
            ticket.reference, ticket.company_id, ticket.summary, ticket.details, ticket.fields
        )

    def add_note(self, ticket_id: str, text: str, *, private: bool) -> None:
        """Add an internal note (private) or one published to all (public)."""
        self.writer.add_note(ticket_id, text, private=private)

    def find_note(self, ticket_id: str, reference: str) -> bool:
        """Return whether one of the ticket's notes carries our reference."""
        return self.writer.find_note(ticket_id, reference)

    def get_ticket_state(self, ticket_id: str) -> TicketState:
        """Return a ticket's state; closed when its status is Complete."""
        return self._state(self.client.ticket(number("ticket id", ticket_id)))

    def ticket_states(self, ticket_ids: Iterable[str]) -> dict[str, TicketState]:
        """Return the states of many tickets (`id in (...)`, chunked); deleted ones left out."""
        wanted = sorted({number("ticket id", t) for t in ticket_ids})
        return {str(t.id): self._state(t) for t in self.client.tickets_by_ids(wanted)}

    def _state(self, ticket: models.Ticket) -> TicketState:
        closed = ticket.status == COMPLETE
        return TicketState(
            id=str(ticket.id),
            status=self.picklists.label("Tickets", "status", ticket.status),
            closed=closed,
            closed_at=ticket.completed_date if closed else None,
            status_id=None if ticket.status is None else str(ticket.status),
            reference=ticket.external_id,
        )

    def close_ticket(
        self, ticket_id: str, status_id: str | None = None, *, note: str | None = None
    ) -> None:
        """Set the ticket's status to `status_id` (else Complete); an internal note first."""
        target = number("status id", status_id) if status_id else COMPLETE
        if note:
            self.add_note(ticket_id, note, private=True)
        self.client.set_ticket_status(number("ticket id", ticket_id), target)

    def find_ticket_by_reference(self, reference: str) -> TicketRef | None:
        """Return the oldest ticket whose externalID is `reference`, if any."""
        return self.writer.find(reference)


def _status(option: Option) -> Option:
    return Option(option.id, option.name, {**option.extra, "closed": option.id == str(COMPLETE)})


def _scoped(option: Option) -> Option:
    return Option(option.id, option.name, {**option.extra, "board_id": option.extra.get("parent")})


def _asset(item: models.ConfigurationItem) -> Asset:
    return Asset(
        id=str(item.id),
        company_id=str(item.company_id),
        inventory_number=item.reference_title or item.hostname,
        key_field=item.ip_address,
        key_field2=item.mac_address,
        key_field3=item.serial_number,
        asset_type=str(item.configuration_item_type or ""),
        inactive=not item.is_active,
    )
