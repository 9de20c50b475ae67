"""HaloTicketDesk: our TicketDesk port on top of the HaloPSA REST client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError, NotFoundError
from psabridge.connectors.halopsa import models, options
from psabridge.connectors.halopsa.client import IMPACT, TICKETS_PAGE_MAX, URGENCY, HaloClient
from psabridge.connectors.halopsa.paging import DEFAULT_MAX_PAGES, read_all
from psabridge.connectors.halopsa.validation import validate_credentials
from psabridge.connectors.ports import (
    Asset,
    NewTicket,
    Option,
    TicketRef,
    TicketState,
    TicketTypeInfo,
    ValidationResult,
)

# NewTicket.fields we send, by how they are written (reference §4.2, contract "Tickets").
NUMBER_FIELDS = frozenset(
    {"tickettype_id", "status_id", "sla_id", "priority_id", "impact", "urgency", "site_id"}
)
TEXT_FIELDS = frozenset({"category_1", "team"})
CONFIG_TTL = 300.0  # seconds the status list is trusted (closed ids)


class HaloTicketDesk:
    """The TicketDesk port for one HaloPSA API application."""

    def __init__(
        self,
        client: HaloClient,
        *,
        note_outcome: str = "Private Note",
        public_note_outcome: str = "Public Note",
        max_pages: int = DEFAULT_MAX_PAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._note_outcomes = {True: note_outcome, False: public_note_outcome}
        self._max_pages = max_pages
        self._clock = clock
        self._statuses: tuple[float, list[models.Status], set[str]] | None = None
        self._outcomes: dict[bool, models.Outcome] = {}

    @classmethod
    def connect(
        cls,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        auth_url: str | None = None,
        tenant: str | None = None,
        note_outcome: str = "Private Note",
        public_note_outcome: str = "Public Note",
        **http_options: Any,
    ) -> HaloTicketDesk:
        """Return a desk with its own client; `http_options` go to the HttpClient."""
        client = HaloClient.connect(
            base_url, client_id, client_secret, auth_url=auth_url, tenant=tenant, **http_options
        )
        clock = http_options.get("clock", time.monotonic)
        return cls(
            client, note_outcome=note_outcome, public_note_outcome=public_note_outcome, clock=clock
        )

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Test the credentials and permissions (never raises)."""
        return validate_credentials(self.client)

    # --- configuration ---------------------------------------------------------------------------

    def ticket_options(self) -> dict[str, list[Option]]:
        """Return every choosable ticket value, keyed "ticket_types", "statuses", ... "outcomes"."""
        statuses, closed = self._status_table(refresh=True)
        slas = self.client.slas()
        return {
            "ticket_types": options.ticket_type_options(self.client.ticket_types()),
            "statuses": options.status_options(statuses, closed),
            "slas": options.sla_options(slas),
            "priorities": options.priority_options(self._policies(slas)),
            "categories": options.category_options(self.client.categories()),
            "teams": options.team_options(self.client.teams()),
            "urgencies": options.lookup_options(self.client.lookup(URGENCY)),
            "impacts": options.lookup_options(self.client.lookup(IMPACT)),
            "outcomes": options.outcome_options(self.client.outcomes()),
        }

    def _policies(self, slas: list[models.Sla]) -> list[tuple[int, models.Policy]]:
        # Reference: halopsa.md §3.4 (priorities belong to SLAs; embedded or via /Priority?slaid=)
        found: list[tuple[int, models.Policy]] = []
        for sla in slas:
            policies = sla.priorities
            if policies is None:
                policies = self.client.priorities(sla.id)
            found.extend((sla.id, policy) for policy in policies)
        return found

    def categories(self, ticket_type_id: str) -> list[Option]:
        """Return the categories of one ticket type."""
        type_id = _number("ticket type id", ticket_type_id)
        return options.category_options(self.client.categories(type_id))

    def ticket_type(self, ticket_type_id: str) -> TicketTypeInfo:
        """Return a ticket type's defaults and mandatory fields (technew == 1)."""
        model = self.client.ticket_type(_number("ticket type id", ticket_type_id))
        return options.ticket_type_info(model)

    def closed_status_ids(self) -> set[str]:
        """Return the closed status ids: the full list minus excludeclosed (reference §3.3)."""
        return set(self._status_table(refresh=True)[1])

    def _status_table(self, *, refresh: bool = False) -> tuple[list[models.Status], set[str]]:
        now = self._clock()
        if refresh or self._statuses is None or now - self._statuses[0] > CONFIG_TTL:
            every = self.client.statuses()
            still_open = {str(s.id) for s in self.client.statuses(exclude_closed=True)}
            closed = {str(s.id) for s in every} - still_open
            self._statuses = (now, every, closed)
        return self._statuses[1], self._statuses[2]

    def clients(self) -> list[Option]:
        """Return every HaloPSA client, inactive ones included (extra: inactive, main_site_id)."""
        clients = read_all(lambda n: self.client.clients(page_no=n), "client", self._max_pages)
        return options.client_options(clients)

    def sites(self, client_id: str) -> list[Option]:
        """Return a client's sites."""
        number = _number("client id", client_id)
        sites = read_all(lambda n: self.client.sites(number, page_no=n), "site", self._max_pages)
        return [Option(str(s.id), s.name, {"inactive": s.inactive}) for s in sites]

    def assets(self, client_id: str | None) -> list[Asset]:
        """Return a client's assets, or every client's assets when client_id is None."""
        number = None if client_id is None else _number("client id", client_id)
        assets = read_all(lambda n: self.client.assets(number, page_no=n), "asset", self._max_pages)
        return [options.asset_value(a) for a in assets]

    # --- tickets ---------------------------------------------------------------------------------

    def create_ticket(self, ticket: NewTicket) -> TicketRef:
        """Create a ticket carrying our reference; an ambiguous failure is raised, not retried."""
        created = self.client.create_ticket(ticket_payload(ticket))
        return TicketRef(str(created.id), ticket.reference)

    def add_note(self, ticket_id: str, text: str, *, private: bool) -> None:
        """Add a note with the configured outcome; private notes are hidden from the user."""
        outcome = self._outcome(private)
        self.client.create_action(
            {
                "ticket_id": _number("ticket id", ticket_id),
                "outcome_id": outcome.id,
                "note": text,
                "hiddenfromuser": private,
            }
        )

    def find_note(self, ticket_id: str, reference: str) -> bool:
        """Return whether one of the ticket's actions carries our reference in its note."""
        actions = self.client.actions(_number("ticket id", ticket_id))
        return any(reference in (action.note or "") for action in actions)

    def _outcome(self, private: bool) -> models.Outcome:
        # Reference: halopsa.md §5 (an outcome is required; ids are per instance)
        if private not in self._outcomes:
            chosen = options.choose_outcome(self.client.outcomes(), self._note_outcomes[private])
            if chosen is None:
                raise ConfigError("HaloPSA has no outcome usable for notes")
            self._outcomes[private] = chosen
        return self._outcomes[private]

    def get_ticket_state(self, ticket_id: str) -> TicketState:
        """Return the status; closed when hasbeenclosed or its status is a closed one."""
        return self._state(self.client.get_ticket(_number("ticket id", ticket_id)))

    def ticket_states(self, ticket_ids: Iterable[str]) -> dict[str, TicketState]:
        """Return the states of many tickets, keyed by id; deleted tickets are left out.

        One `GET /Tickets?ticketids=` per 100 ids; if HaloPSA ignores the filter (it answers
        more records than asked for), the tickets are read one by one instead.
        """
        wanted = sorted({str(_number("ticket id", t)) for t in ticket_ids}, key=int)
        states: dict[str, TicketState] = {}
        for start in range(0, len(wanted), TICKETS_PAGE_MAX):
            chunk = wanted[start : start + TICKETS_PAGE_MAX]
            states.update(self._chunk_states(chunk))
        return states

    def _chunk_states(self, chunk: list[str]) -> dict[str, TicketState]:
        # Reference: halopsa.md §4.1 (the `ticketids` list filter)
        page = self.client.tickets(ticketids=",".join(chunk), page_size=TICKETS_PAGE_MAX)
        if page.record_count is not None and page.record_count <= len(chunk):
            found = (self._state(t) for t in page.records if str(t.id) in chunk)
            return {state.id: state for state in found}
        states: dict[str, TicketState] = {}
        for ticket_id in chunk:
            try:
                states[ticket_id] = self.get_ticket_state(ticket_id)
            except NotFoundError:
                continue  # deleted: the caller treats a missing ticket as closed
        return states

    def _state(self, ticket: models.Ticket) -> TicketState:
        status_id = options.text_id(ticket.status_id)
        closed = ticket.hasbeenclosed or (
            status_id is not None and status_id in self._status_table()[1]
        )
        return TicketState(
            id=str(ticket.id),
            status=ticket.status_name or status_id or "",
            closed=closed,
            closed_at=ticket.dateclosed if closed else None,
            status_id=status_id,
            reference=ticket.supplier_reference or ticket.third_party_id_string,
        )

    def close_ticket(
        self, ticket_id: str, status_id: str | None = None, *, note: str | None = None
    ) -> None:
        """Close with `status_id` (a closed status) or the status named Closed; note first."""
        number = _number("ticket id", ticket_id)
        target = self._closing_status(status_id)
        if note:
            self.add_note(ticket_id, note, private=True)
        self.client.close_ticket(number, int(target))

    def _closing_status(self, status_id: str | None) -> str:
        statuses, closed = self._status_table(refresh=True)
        if status_id is None:
            chosen = options.choose_closed_status(statuses, closed)
            if chosen is None:
                raise ConfigError("HaloPSA has no Closed status; add one or choose the status")
            return chosen
        if str(status_id) not in closed:
            raise ConfigError(f"HaloPSA status {status_id} is not a closed status")
        return str(status_id)

    def find_ticket_by_reference(self, reference: str) -> TicketRef | None:
        """Return the oldest ticket carrying `reference` (supplier reference), if any."""
        tickets = read_all(
            lambda n: self.client.tickets_by_supplier_reference(reference, page_no=n),
            "ticket",
            self._max_pages,
        )
        # The search may be a substring match on a real tenant: keep exact matches only.
        ids = [t.id for t in tickets if t.id is not None and _carries(t, reference)]
        return TicketRef(str(min(ids)), reference) if ids else None


def ticket_payload(ticket: NewTicket) -> dict[str, Any]:
    """Return the create body: our reference in third_party_id_string and supplier_reference."""
    unknown = set(ticket.fields) - {*NUMBER_FIELDS, *TEXT_FIELDS, "assets"}
    if unknown:
        raise ConfigError(f"Unknown HaloPSA ticket fields: {', '.join(sorted(unknown))}")
    payload: dict[str, Any] = {
        "summary": ticket.summary,
        "details": ticket.details,
        "client_id": _number("client id", ticket.company_id),
        "third_party_id_string": ticket.reference,
        "supplier_reference": ticket.reference,
    }
    payload.update(_fields(ticket.fields))
    return payload


def _fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or value == "":
            continue
        if name in NUMBER_FIELDS:
            out[name] = _number(name, value)
        elif name == "assets":
            out[name] = [{"id": _number("asset id", item)} for item in value]
        else:
            out[name] = str(value)
    return out


def _carries(ticket: models.Ticket, reference: str) -> bool:
    return reference in (ticket.supplier_reference, ticket.third_party_id_string)


def _number(name: str, value: object) -> int:
    """Return a HaloPSA id as an int ("12", 12 and 12.0 alike), or raise ConfigError."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"The HaloPSA {name} must be a number") from None
    if not number.is_integer():
        raise ConfigError(f"The HaloPSA {name} must be a whole number")
    return int(number)
