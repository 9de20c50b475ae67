"""What the server knows of an outside system: its form, and a PSA's tickets and billing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from psabridge.connectors.ports import TicketTypeInfo

Role = Literal["platform", "psa", "rmm"]
BillingStyle = Literal["invoice_lines", "period_quantities"]


@dataclass(frozen=True)
class ConnectionField:
    """One input of a connection form; the first field of a profile is the address."""

    name: str
    label: str
    help: str = ""
    kind: str = "text"  # "text", "url" or "password"
    required: bool = True
    credential: bool = False  # encrypted at rest, never shown back beyond the last 4 characters


@dataclass(frozen=True)
class SystemProfile:
    """An outside system as the server shows it: its name and its connection form."""

    kind: str
    name: str
    role: Role
    fields: tuple[ConnectionField, ...]
    intro: str  # what psabridge does with it, shown above the form
    validate_help: str = "Validate makes a few cheap authenticated calls and says what it found."

    @property
    def credential_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.credential)

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields[1:] if not f.credential)


@dataclass(frozen=True)
class RoutingField:
    """One per-alert-kind routing value of a ticket, stored under `name`.

    `options` is the key of the PSA's live options it draws from (TicketDesk.ticket_options),
    `by` whether the option's id or name is stored, `scope` a field whose value narrows the
    options (Option.extra["board_id"]); `described` labels it in a test ticket's result.
    """

    name: str
    label: str
    noun: str
    options: str
    by: str = "id"
    required: bool = True
    scope: str = ""


@dataclass(frozen=True)
class TicketWays:
    """How a PSA's tickets are routed, made and closed (R5.1-R5.5, R5.12)."""

    tickets: str  # what alerts become, as the page says it
    type_label: str  # the per-site choice every kind starts from (ticket type, default board)
    type_noun: str
    type_hint: str
    kinds_hint: str
    routing: tuple[RoutingField, ...]  # in checking order
    table: tuple[str, ...]  # the fields shown in the kinds table, in order
    asset_fields: tuple[tuple[str, str], ...]  # (stored name, what the PSA calls it)
    defaults: Callable[[TicketTypeInfo], dict[str, str]]  # per-kind values a type brings
    # NewTicket.fields of a ticket: (type id, route values, facts) -> the PSA's fields.
    fields: Callable[[str, Mapping[str, str], TicketFacts], dict[str, Any]]
    notes_visible: str  # how a visible note is made, as the settings page says it
    closes_by_board: bool = False  # closed statuses belong to each board, not the site
    # A routing field that replaces the site's type per kind (ConnectWise: the board): the
    # server reads that type's initial status for each new ticket (TicketFacts).
    type_field: str = ""
    closed_status: str = "Closed"  # the status blocked-threat tickets are closed with (R5.5)
    scoped_options: bool = False  # some routing options depend on another field's value
    described: tuple[tuple[str, str, str], ...] = ()  # (ticket field, label, options key)

    def field(self, name: str) -> RoutingField:
        """Return the routing field stored under `name`."""
        return next(f for f in self.routing if f.name == name)

    @property
    def shown(self) -> list[RoutingField]:
        """Return the routing fields of the kinds table, in order."""
        return [self.field(name) for name in self.table]

    @property
    def route_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.routing)

    def scopes(self) -> list[tuple[RoutingField, RoutingField]]:
        """Return each routing field whose options depend on another, with that other field."""
        return [(f, self.field(f.scope)) for f in self.routing if f.scope]

    def is_closed_status(self, name: str) -> bool:
        """Return whether a status of this name is the one tickets are closed with."""
        return name.strip().lower() == self.closed_status.lower()


@dataclass(frozen=True)
class TicketFacts:
    """What the server knows of a new ticket beyond its route: site, assets, start status."""

    site_id: str | None = None
    asset_ids: tuple[str, ...] = ()
    initial_status_id: str | None = None


@dataclass(frozen=True)
class BillingWords:
    """How a PSA's billing record is called on pages and in the CLI."""

    record: str  # "invoice line", "addition"
    records: str
    document: str  # "recurring invoice", "agreement"
    documents: str
    push: str  # the verb of a write run: "push", "sync"


@dataclass(frozen=True)
class MappingWords:
    """What the mappings page says of this PSA's mappings (R2)."""

    update_hint: str  # what Update All / Update Selected apply
    via_rmm: str = ""  # how a mapping is found when the RMM is connected
    direct: str = ""  # ... and when it is not
    update_selected: str = "Update Selected"


@dataclass(frozen=True)
class PsaProfile(SystemProfile):
    """A PSA: its connection form, what a mapping links to, its tickets and billing."""

    client: str = "client"  # what a mapping links to: "client" (HaloPSA), "company"
    clients: str = "clients"
    rmm: str = ""  # the kind of an RMM a mapping may go through (ConnectWise: "automate")
    tickets: TicketWays | None = None
    mapping: MappingWords = field(
        default_factory=lambda: MappingWords(
            "Applies the Billing and Ticketing checkbox changes of all rows, or of the selected "
            "rows."
        )
    )
    billing_style: BillingStyle = "invoice_lines"
    billing: BillingWords = field(
        default_factory=lambda: BillingWords(
            "invoice line", "invoice lines", "recurring invoice", "recurring invoices", "push"
        )
    )
    month_billed: Literal["finished", "running"] = "finished"

    @property
    def ticket_ways(self) -> TicketWays:
        """Return the ticket ways (every PSA profile has them; typed for mypy)."""
        assert self.tickets is not None, f"{self.kind} has no ticket ways"
        return self.tickets


def kept(values: Mapping[str, Any]) -> dict[str, str]:
    """Return the values that are set, as text (defaults leave the others as they are)."""
    return {name: str(value) for name, value in values.items() if value not in (None, "")}
