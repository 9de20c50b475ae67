"""Thin typed client of the HaloPSA REST API: one method per endpoint (reference halopsa.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from psabridge.connectors.errors import ConfigError, TransientError
from psabridge.connectors.halopsa import models
from psabridge.connectors.halopsa.responses import Expect, Page, parse
from psabridge.connectors.halopsa.session import (
    PAGE_MAX,
    RATE_LIMITS,
    SYSTEM,
    TICKETS_PAGE_MAX,
    HaloSession,
    halo_http,
    instance_url,
)

__all__ = [
    "BATCH_MAX",
    "IMPACT",
    "PAGE_MAX",
    "RATE_LIMITS",
    "SYSTEM",
    "TICKETS_PAGE_MAX",
    "URGENCY",
    "HaloClient",
    "halo_http",
    "instance_url",
]

IMPACT, URGENCY = 12, 27  # Reference: halopsa.md §3.4 (Lookup ids)
# Records per POST on the billing endpoints: Halo documents no cap (§2.1); our contract with
# the simulator is 100, which answers 400 above it.
BATCH_MAX = 100


class HaloClient(HaloSession):
    """Call HaloPSA endpoints; `connect` builds it with its own HttpClient (see HaloSession)."""

    # --- configuration (reference §3) -----------------------------------------------------------

    # Reference: halopsa.md §3 (Agent/me: the cheap authenticated call for Validate)
    def agent_me(self) -> models.Agent:
        body = self._api("GET", "Agent/me", Expect("Agent.me", "agents"))
        return parse(models.Agent, body, "agent")

    # Reference: halopsa.md §3.2 (envelope `tickettypes`, or a bare array)
    def ticket_types(self) -> list[models.TicketType]:
        return self._list("TicketType", "tickettypes", models.TicketType)

    # Reference: halopsa.md §3.2 (defaults and `fields` with technew)
    def ticket_type(self, ticket_type_id: int) -> models.TicketType:
        return self._one("TicketType", ticket_type_id, models.TicketType, includedetails="true")

    # Reference: halopsa.md §3.3 (closed = full list minus excludeclosed)
    def statuses(self, *, exclude_closed: bool = False) -> list[models.Status]:
        params = {"excludeclosed": "true"} if exclude_closed else {}
        return self._list("Status", "statuses", models.Status, **params)

    # Reference: halopsa.md §3.4
    def slas(self) -> list[models.Sla]:
        return self._list("SLA", "slas", models.Sla)

    # Reference: halopsa.md §3.4, §2.2 (bare array of Policy)
    def priorities(self, sla_id: int | None = None) -> list[models.Policy]:
        params = {} if sla_id is None else {"slaid": sla_id}
        return self._list("Priority", "priorities", models.Policy, **params)

    # Reference: halopsa.md §3.4 (tickets carry the category text)
    def categories(self, ticket_type_id: int | None = None) -> list[models.Category]:
        params = {} if ticket_type_id is None else {"tickettype_id": ticket_type_id}
        return self._list("Category", "categories", models.Category, **params)

    # Reference: halopsa.md §3.1 (tickets carry the team name)
    def teams(self) -> list[models.Team]:
        return self._list("Team", "teams", models.Team)

    # Reference: halopsa.md §3.4 (12 impact, 27 urgency)
    def lookup(self, lookup_id: int) -> list[models.Lookup]:
        return self._list("Lookup", "lookups", models.Lookup, lookupid=lookup_id)

    # Reference: halopsa.md §3.4, §5 (bare array; an action needs an outcome)
    def outcomes(self) -> list[models.Outcome]:
        return self._list("Outcome", "outcomes", models.Outcome)

    # --- clients, sites, assets (reference §3.1) ------------------------------------------------

    # Reference: halopsa.md §3.1, §2.2 (paged)
    def clients(
        self, *, page_no: int = 1, page_size: int = PAGE_MAX, include_inactive: bool = True
    ) -> Page[models.Client]:
        inactive = {"includeinactive": "true"} if include_inactive else {}
        return self._page("Client", "clients", models.Client, page_no, page_size, **inactive)

    # Reference: halopsa.md §3.1 (client_id is a double)
    def sites(
        self, client_id: int, *, page_no: int = 1, page_size: int = PAGE_MAX
    ) -> Page[models.Site]:
        return self._page("Site", "sites", models.Site, page_no, page_size, client_id=client_id)

    # Reference: contract "Configuration endpoints" (schema Device)
    def assets(
        self, client_id: int | None = None, *, page_no: int = 1, page_size: int = PAGE_MAX
    ) -> Page[models.Asset]:
        params = {} if client_id is None else {"client_id": client_id}
        return self._page("Asset", "assets", models.Asset, page_no, page_size, **params)

    # --- tickets and actions (reference §4, §5) -------------------------------------------------

    # Reference: halopsa.md §4.1 (create; never re-sent after an ambiguous failure)
    def create_ticket(self, ticket: Mapping[str, Any]) -> models.Created:
        if "id" in ticket:
            raise ConfigError("A new HaloPSA ticket must not carry an id")
        return self._post("Tickets", ticket, creates=True)

    # Reference: halopsa.md §4.1 (update = id + changed fields, merged)
    def update_ticket(self, ticket_id: int, changes: Mapping[str, Any]) -> models.Created:
        return self._post("Tickets", {**changes, "id": ticket_id}, creates=False)

    # Reference: halopsa.md §4.1, §3.3 (close = update with a closed status id)
    def close_ticket(self, ticket_id: int, status_id: int) -> models.Created:
        return self.update_ticket(ticket_id, {"status_id": status_id})

    # Reference: halopsa.md §4.3, §2.3 (404 or a 200 without id: NotFoundError)
    def get_ticket(self, ticket_id: int) -> models.Ticket:
        return self._one("Tickets", ticket_id, models.Ticket)

    # Reference: halopsa.md §4.1 (list filters, page_size max 100)
    def tickets(
        self, *, page_no: int = 1, page_size: int = TICKETS_PAGE_MAX, **filters: Any
    ) -> Page[models.Ticket]:
        return self._page("Tickets", "tickets", models.Ticket, page_no, page_size, **filters)

    # Reference: halopsa.md §4.4 (search_supplier_reference; our reference lookup)
    def tickets_by_supplier_reference(
        self, reference: str, *, page_no: int = 1, page_size: int = TICKETS_PAGE_MAX
    ) -> Page[models.Ticket]:
        return self.tickets(
            page_no=page_no, page_size=page_size, search_supplier_reference=reference
        )

    # Reference: halopsa.md §5 (outcome required; a duplicate note if re-sent, so not retried)
    def create_action(self, action: Mapping[str, Any]) -> models.Created:
        return self._post("Actions", action, creates=True)

    # Reference: halopsa.md §5 (GET /Actions?ticket_id=)
    def actions(self, ticket_id: int) -> list[models.Action]:
        return self._list("Actions", "actions", models.Action, ticket_id=ticket_id)

    # --- billing (reference §6) -----------------------------------------------------------------

    # Reference: halopsa.md §6.1 (envelope `items`; includeinactive)
    def items(
        self, *, page_no: int = 1, page_size: int = PAGE_MAX, include_inactive: bool = False
    ) -> Page[models.Item]:
        inactive = {"includeinactive": "true"} if include_inactive else {}
        return self._page("Item", "items", models.Item, page_no, page_size, **inactive)

    # Reference: halopsa.md §6.1
    def item(self, item_id: int) -> models.Item:
        return self._one("Item", item_id, models.Item)

    # Reference: halopsa.md §6.2 (envelope `invoices`; client_id, client_ids, includelines)
    def recurring_invoices(
        self,
        *,
        client_id: int | None = None,
        client_ids: Sequence[int] = (),
        include_lines: bool = False,
        page_no: int = 1,
        page_size: int = PAGE_MAX,
    ) -> Page[models.RecurringInvoice]:
        params: dict[str, Any] = {} if client_id is None else {"client_id": client_id}
        if client_ids:
            params["client_ids"] = ",".join(str(number) for number in client_ids)
        if include_lines:
            params["includelines"] = "true"
        model = models.RecurringInvoice
        return self._page("RecurringInvoice", "invoices", model, page_no, page_size, **params)

    # Reference: halopsa.md §6.2 (includedetails=true for the lines; ids may be negative)
    def recurring_invoice(self, invoice_id: int) -> models.RecurringInvoice:
        model = models.RecurringInvoice
        return self._one("RecurringInvoice", invoice_id, model, includedetails="true")

    # Reference: halopsa.md §6.2, §2.1 (POST of an array; a create has no id; never re-sent)
    def create_recurring_invoice(self, header: Mapping[str, Any]) -> models.RecurringInvoice:
        if "id" in header:
            raise ConfigError("A new HaloPSA recurring invoice must not carry an id")
        expect = Expect("RecurringInvoice.create", "RecurringInvoice", creates=True)
        answer = self._api("POST", "RecurringInvoice", expect, json=[dict(header)])
        if not isinstance(answer, dict) or answer.get("id") in (None, ""):
            raise TransientError(
                "HaloPSA answered the recurring invoice create without an id", ambiguous=True
            )
        return parse(models.RecurringInvoice, answer, "RecurringInvoice")

    # Reference: halopsa.md §6.4 ([{id, lines: every line}]), §2.1 (returnall), contract cap
    def save_recurring_invoices(
        self, invoices: Sequence[Mapping[str, Any]], *, idempotent: bool
    ) -> list[models.RecurringInvoice]:
        """POST up to BATCH_MAX invoices; answer every saved one (fewer if returnall is ignored).

        `idempotent` only when re-sending cannot add a line (every line has an id).
        """
        if not 1 <= len(invoices) <= BATCH_MAX:
            raise ConfigError(f"HaloPSA takes 1-{BATCH_MAX} recurring invoices per write")
        expect = Expect("RecurringInvoice.update", "RecurringInvoice", creates=not idempotent)
        body = [dict(invoice) for invoice in invoices]
        answer = self._api(
            "POST", "RecurringInvoice", expect, json=body, params={"returnall": "true"}
        )
        answered = answer if isinstance(answer, list) else [answer]
        # The write is done: an answer we cannot read is left out and the caller reads back.
        saved: list[models.RecurringInvoice] = []
        for item in answered:
            try:
                saved.append(models.RecurringInvoice.model_validate(item))
            except ValidationError:
                continue
        return saved
