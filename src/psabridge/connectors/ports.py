"""The protocols we own (SecurityPlatform, TicketDesk, BillingTarget) and their value types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

# The BillingTarget port and its values live in ports_billing (size); re-exported here.
from psabridge.connectors.ports_billing import BillingInvoice as BillingInvoice
from psabridge.connectors.ports_billing import BillingTarget as BillingTarget
from psabridge.connectors.ports_billing import InvoiceChanges as InvoiceChanges
from psabridge.connectors.ports_billing import InvoiceWrite as InvoiceWrite
from psabridge.connectors.ports_billing import LineAction as LineAction
from psabridge.connectors.ports_billing import LineChange as LineChange
from psabridge.connectors.ports_billing import UsageLine as UsageLine

ValidationOutcome = Literal["ok", "invalid_key", "cannot_connect", "missing_permission"]
CompanyType = Literal["partner", "customer"]


# --- SecurityPlatform values ---------------------------------------------------------------


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of testing credentials, with a friendly message for the UI."""

    outcome: ValidationOutcome
    message: str
    missing_services: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass(frozen=True)
class Company:
    """A company below the credential's own company; `path` lists names from the top down."""

    id: str
    name: str
    type: CompanyType
    parent_id: str | None
    path: tuple[str, ...]


@dataclass(frozen=True)
class CompanyDetails:
    """Descriptive data of one company."""

    id: str
    name: str
    type: CompanyType | None
    parent_id: str | None
    is_suspended: bool
    created_at: datetime | None
    country: str | None
    industry: int | None


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of a company's inventory (no last-seen: see EndpointDetails)."""

    id: str
    name: str
    company_id: str
    label: str | None
    fqdn: str | None
    ip: str | None
    macs: tuple[str, ...]
    is_managed: bool
    machine_type: str
    operating_system: str | None


@dataclass(frozen=True)
class EndpointDetails:
    """Per-endpoint state: last sync (UTC), online state, licence state, enabled modules."""

    id: str
    name: str
    company_id: str | None
    last_seen: datetime | None
    state: str
    licensed: str
    machine_type: str
    modules: dict[str, bool]
    ip: str | None


@dataclass(frozen=True)
class LicenseInfo:
    """A company's licence: subscription kind, seats and add-on flags."""

    company_id: str | None
    subscription_type: int | None
    subscription: str
    used_slots: int | None
    total_slots: int | None
    expiry_date: datetime | None
    is_addon: bool
    protection_model: str | None
    addons: dict[str, bool]
    additional_product_types: tuple[int, ...] = ()


@dataclass(frozen=True)
class MonthlyUsage:
    """A company's usage counters for one month ("YYYY-MM").

    The counters overlap (a tier counter repeats the endpoint counter): never sum them.
    """

    company_id: str
    month: str
    counters: dict[str, int]
    per_product_type: dict[int, dict[str, int]] | None = None
    minimum: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PushSettings:
    """The event push configuration; the authorization secret is never read back."""

    status: int
    service_type: str | None
    url: str | None
    authorization_set: bool
    event_types: dict[str, bool]
    companies: list[str] | None
    require_valid_ssl: bool = True

    @property
    def enabled(self) -> bool:
        return self.status == 1


@dataclass(frozen=True)
class PushStats:
    """Push delivery counters; `errors` holds the per-cause error counters."""

    events: int
    test_events: int
    sent_messages: int
    error_messages: int
    errors: dict[str, int]
    last_update_time: datetime | None


@dataclass(frozen=True)
class TestEventResult:
    """What a test push sent: its event type and the fields the platform reported."""

    __test__ = False  # not a pytest test class

    event_type: str
    details: dict[str, Any]


class SecurityPlatform(Protocol):
    """The security platform (GravityZone) as the server sees it."""

    def validate(self) -> ValidationResult:
        """Test the credentials with cheap calls; never raise for a bad key or URL."""
        ...

    def companies(self) -> list[Company]:
        """Return every company below the credential's company (the whole tree)."""
        ...

    def company_details(self, company_id: str) -> CompanyDetails:
        """Return one company's details."""
        ...

    def endpoints(self, company_id: str) -> list[Endpoint]:
        """Return all endpoints of a company; raise rather than return a truncated list."""
        ...

    def endpoint_details(self, endpoint_id: str) -> EndpointDetails:
        """Return one endpoint's last-seen, state, licence and modules."""
        ...

    def license_info(self, company_id: str) -> LicenseInfo:
        """Return a company's licence."""
        ...

    def monthly_usage(
        self, company_id: str, month: str, *, per_product_type: bool = False
    ) -> MonthlyUsage:
        """Return the usage counters of `month` ("YYYY-MM"), optionally per product type."""
        ...

    def monthly_usage_per_product_type(
        self, company_id: str, month: str
    ) -> dict[int, dict[str, int]]:
        """Return the usage counters of `month` ("YYYY-MM") keyed by product type."""
        ...

    def push_settings(self) -> PushSettings:
        """Return the event push configuration."""
        ...

    def set_push_settings(
        self,
        *,
        enabled: bool,
        url: str,
        authorization: str,
        event_types: Mapping[str, bool],
        companies: list[str] | None = None,
    ) -> None:
        """Replace the event push configuration."""
        ...

    def send_test_event(
        self, event_type: str, data: Mapping[str, Any] | None = None
    ) -> TestEventResult:
        """Ask the platform to push one test event of `event_type`."""
        ...

    def push_stats(self) -> PushStats:
        """Return the push delivery counters."""
        ...

    def reset_push_stats(self) -> None:
        """Zero the push delivery counters."""
        ...


# --- TicketDesk values and port (BillingTarget: ports_billing) ------------------------------


@dataclass(frozen=True)
class Option:
    """One selectable PSA value (ticket type, status, board, product...)."""

    id: str
    name: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewTicket:
    """A ticket to create; `reference` is our marker (e.g. `psabridge:<group id>`)."""

    reference: str
    company_id: str
    summary: str
    details: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketRef:
    """A ticket as the PSA knows it."""

    id: str
    reference: str | None


@dataclass(frozen=True)
class TicketState:
    """A ticket's current status and whether the PSA considers it closed."""

    id: str
    status: str
    closed: bool
    closed_at: datetime | None = None
    status_id: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class TicketTypeInfo:
    """A ticket type's defaults (ids as strings, team and category as text) and mandatory fields.

    `mandatory_fields` are the PSA's field names a new ticket must have (e.g. "category_1").
    """

    id: str
    name: str
    initial_status_id: str | None = None
    default_sla_id: str | None = None
    default_priority_id: str | None = None
    default_team: str | None = None
    default_category: str | None = None
    default_impact: str | None = None
    default_urgency: str | None = None
    mandatory_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Asset:
    """A PSA asset (configuration item) of a company, with its identifying key fields."""

    id: str
    company_id: str | None
    inventory_number: str | None
    key_field: str | None = None
    key_field2: str | None = None
    key_field3: str | None = None
    site_id: str | None = None
    asset_type: str | None = None
    inactive: bool = False


class TicketDesk(Protocol):
    """A PSA service desk (HaloPSA, ConnectWise PSA)."""

    def validate(self) -> ValidationResult:
        """Test the credentials with cheap calls."""
        ...

    def ticket_options(self) -> dict[str, list[Option]]:
        """Return the choosable types, statuses, SLAs, priorities, categories, teams, boards."""
        ...

    def categories(self, ticket_type_id: str) -> list[Option]:
        """Return the categories a ticket type allows."""
        ...

    def ticket_type(self, ticket_type_id: str) -> TicketTypeInfo:
        """Return a ticket type's defaults and mandatory fields."""
        ...

    def closed_status_ids(self) -> set[str]:
        """Return the ids of every status the PSA treats as closed."""
        ...

    def clients(self) -> list[Option]:
        """Return the PSA companies (clients) for mappings."""
        ...

    def assets(self, client_id: str | None) -> list[Asset]:
        """Return a PSA company's assets, or every company's when client_id is None."""
        ...

    def create_ticket(self, ticket: NewTicket) -> TicketRef:
        """Create a ticket carrying `ticket.reference`; never retried blindly."""
        ...

    def add_note(self, ticket_id: str, text: str, *, private: bool) -> None:
        """Add a note (private or public) to a ticket; never retried blindly."""
        ...

    def find_note(self, ticket_id: str, reference: str) -> bool:
        """Return whether the ticket has a note whose text carries our reference (used after an
        ambiguous note create, before sending it again)."""
        ...

    def get_ticket_state(self, ticket_id: str) -> TicketState:
        """Return a ticket's current state."""
        ...

    def ticket_states(self, ticket_ids: Iterable[str]) -> dict[str, TicketState]:
        """Return the current states of many tickets by id; deleted tickets are left out."""
        ...

    def close_ticket(
        self, ticket_id: str, status_id: str | None = None, *, note: str | None = None
    ) -> None:
        """Close a ticket with `status_id` (else the PSA's Closed status), optionally noted."""
        ...

    def find_ticket_by_reference(self, reference: str) -> TicketRef | None:
        """Return the ticket carrying our reference, if any (used after ambiguous failures)."""
        ...
