"""ConnectWiseDesk: our TicketDesk port on top of the ConnectWise PSA REST client."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.connectwise import conditions, models
from psabridge.connectors.connectwise.client import ConnectWiseClient
from psabridge.connectors.connectwise.companies import company_option, read_companies
from psabridge.connectors.connectwise.ids import record_id
from psabridge.connectors.connectwise.validation import validate_credentials
from psabridge.connectors.errors import ConfigError, ConnectorError
from psabridge.connectors.ports import (
    Asset,
    NewTicket,
    Option,
    TicketRef,
    TicketState,
    TicketTypeInfo,
    ValidationResult,
)

logger = logging.getLogger(__name__)

# Reference: connectwise.md §3.8 (severity and impact: Low | Medium | High)
LEVELS = ("Low", "Medium", "High")
ID_FIELDS = ("type_id", "priority_id", "status_id")
TICKET_FIELDS = frozenset({"board_id", *ID_FIELDS, "severity", "impact", "configuration_ids"})
STATUS_TTL = 60.0  # seconds a board's statuses are trusted
SUMMARY_MAX = 100  # Reference: connectwise.md §3.8 (summary ≤100)
STATE_FIELDS = "id,summary,board,status,closedFlag,closedDate,externalXRef"


class ConnectWiseDesk:
    """The TicketDesk port for one ConnectWise PSA API member."""

    def __init__(
        self, client: ConnectWiseClient, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self._clock = clock
        self._statuses: dict[int, tuple[float, list[models.BoardStatus]]] = {}

    @classmethod
    def connect(
        cls,
        site_url: str,
        company_id: str,
        public_key: SecretStr,
        private_key: SecretStr,
        client_id: str,
        **http_options: Any,
    ) -> ConnectWiseDesk:
        """Return a desk with its own client; `http_options` go to the HttpClient."""
        client = ConnectWiseClient.connect(
            site_url, company_id, public_key, private_key, client_id, **http_options
        )
        return cls(client, clock=http_options.get("clock", time.monotonic))

    def __repr__(self) -> str:
        return f"ConnectWiseDesk({self.client!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Test the site, company, keys and permissions (never raises)."""
        return validate_credentials(self.client)

    # --- configuration ---------------------------------------------------------------------------

    def ticket_options(self) -> dict[str, list[Option]]:
        """Return boards (as ticket types), priorities, statuses, severities and impacts."""
        boards = [b for b in self.client.boards() if not b.inactive_flag]
        statuses = [(b.id, s) for b in boards for s in self._board_statuses(b.id, refresh=True)]
        return {
            "ticket_types": [Option(str(b.id), b.name, {"inactive": False}) for b in boards],
            "priorities": [_priority_option(p) for p in self.client.priorities()],
            "statuses": [_status_option(s, board_id) for board_id, s in statuses],
            "severities": [Option(level, level) for level in LEVELS],
            "impacts": [Option(level, level) for level in LEVELS],
        }

    def categories(self, ticket_type_id: str) -> list[Option]:
        """Return the types of one board (the board is our ticket type)."""
        types = self.client.board_types(record_id("board id", ticket_type_id))
        return [Option(str(t.id), t.name, {"inactive": t.inactive_flag}) for t in types]

    def ticket_type(self, ticket_type_id: str) -> TicketTypeInfo:
        """Return a board's defaults: its default status and the default priority."""
        board = self.client.board(record_id("board id", ticket_type_id))
        initial = next((s for s in self._board_statuses(board.id) if s.default_flag), None)
        default = next((p for p in self.client.priorities() if p.default_flag), None)
        return TicketTypeInfo(
            id=str(board.id),
            name=board.name,
            initial_status_id=str(initial.id) if initial else None,
            default_priority_id=str(default.id) if default else None,
        )

    def closed_status_ids(self) -> set[str]:
        """Return the ids of every closedStatus status of every board."""
        boards = self.client.boards()
        statuses = (s for b in boards for s in self._board_statuses(b.id, refresh=True))
        return {str(s.id) for s in statuses if s.closed_status}

    def _board_statuses(self, board_id: int, *, refresh: bool = False) -> list[models.BoardStatus]:
        cached, now = self._statuses.get(board_id), self._clock()
        if refresh or cached is None or now - cached[0] > STATUS_TTL:
            cached = (now, self.client.board_statuses(board_id))
            self._statuses[board_id] = cached
        return cached[1]

    def clients(self) -> list[Option]:
        """Return every non-deleted company (extra: identifier, status flags)."""
        return [company_option(c) for c in read_companies(self.client)]

    def assets(self, client_id: str | None) -> list[Asset]:
        """Return a company's configurations, or every company's when client_id is None."""
        where = None
        if client_id is not None:
            where = conditions.eq("company/id", record_id("company id", client_id))
        return [_asset(c) for c in self.client.configurations(conditions=where)]

    # --- tickets ---------------------------------------------------------------------------------

    def create_ticket(self, ticket: NewTicket) -> TicketRef:
        """Create a ticket carrying our reference (externalXRef); never re-sent blindly."""
        body, configuration_ids = ticket_payload(ticket)
        created = self.client.create_ticket(body)
        ticket_id = created.id or 0
        for configuration_id in configuration_ids:
            self._attach(ticket_id, configuration_id)
        return TicketRef(str(ticket_id), ticket.reference)

    def _attach(self, ticket_id: int, configuration_id: int) -> None:
        # The ticket exists: a failed link must not make the engine think the create failed.
        try:
            self.client.add_ticket_configuration(ticket_id, configuration_id)
        except ConnectorError as exc:
            logger.warning(
                "connectwise ticket %s: configuration %s not attached (%s)",
                ticket_id,
                configuration_id,
                exc.kind,
            )

    def add_note(self, ticket_id: str, text: str, *, private: bool) -> None:
        """Add an internal-analysis note (private) or a detail-description note (public)."""
        flag = "internalAnalysisFlag" if private else "detailDescriptionFlag"
        self.client.create_note(record_id("ticket id", ticket_id), {"text": text, flag: True})

    def find_note(self, ticket_id: str, reference: str) -> bool:
        """Return whether one of the ticket's notes carries our reference in its text."""
        notes = self.client.notes(record_id("ticket id", ticket_id))
        return any(reference in (note.text or "") for note in notes)

    def get_ticket_state(self, ticket_id: str) -> TicketState:
        """Return a ticket's state; closed from closedFlag or its status's closedStatus."""
        return self._state(self.client.ticket(record_id("ticket id", ticket_id)))

    def ticket_states(self, ticket_ids: Iterable[str]) -> dict[str, TicketState]:
        """Return the states of many tickets (`id in (...)`, chunked); deleted ones left out."""
        wanted = sorted({record_id("ticket id", t) for t in ticket_ids})
        states: dict[str, TicketState] = {}
        for where in conditions.in_chunks("id", wanted):
            for ticket in self.client.tickets(conditions=where, fields=STATE_FIELDS):
                if ticket.id in wanted:
                    states[str(ticket.id)] = self._state(ticket)
        return states

    def _state(self, ticket: models.Ticket) -> TicketState:
        status = ticket.status
        status_id = status.id if status is not None else None
        closed = ticket.closed_flag or self._is_closed_status(ticket, status_id)
        return TicketState(
            id=str(ticket.id),
            status=(status.name if status else None) or str(status_id or ""),
            closed=closed,
            closed_at=ticket.closed_date if closed else None,
            status_id=None if status_id is None else str(status_id),
            reference=ticket.external_x_ref,
        )

    def _is_closed_status(self, ticket: models.Ticket, status_id: int | None) -> bool:
        if status_id is None or ticket.board is None or ticket.board.id is None:
            return False
        statuses = self._board_statuses(ticket.board.id)
        return any(s.id == status_id and s.closed_status for s in statuses)

    def close_ticket(
        self, ticket_id: str, status_id: str | None = None, *, note: str | None = None
    ) -> None:
        """Close with `status_id`, else the board's status named Closed; a private note first."""
        number = record_id("ticket id", ticket_id)
        target = self._closing_status(self.client.ticket(number), status_id)
        if note:
            self.add_note(ticket_id, note, private=True)
        operation = {"op": "replace", "path": "status", "value": {"id": target}}
        self.client.patch_ticket(number, [operation])

    def _closing_status(self, ticket: models.Ticket, status_id: str | None) -> int:
        board = ticket.board
        if board is None or board.id is None:
            raise ConfigError(f"ConnectWise PSA ticket {ticket.id} has no board")
        statuses = self._board_statuses(board.id, refresh=True)
        if status_id is not None:
            return _given_status(statuses, record_id("status id", status_id), board)
        chosen = next(
            (s for s in statuses if s.closed_status and s.name.strip().lower() == "closed"), None
        )
        if chosen is None:
            raise ConfigError(f"board {board.name or board.id} has no Closed status")
        return chosen.id

    def find_ticket_by_reference(self, reference: str) -> TicketRef | None:
        """Return the oldest ticket whose externalXRef is `reference`, if any."""
        where = conditions.eq("externalXRef", reference)
        tickets = self.client.tickets(conditions=where, fields="id,externalXRef")
        ids = [t.id for t in tickets if t.external_x_ref == reference]
        return TicketRef(str(min(ids)), reference) if ids else None


def ticket_payload(ticket: NewTicket) -> tuple[dict[str, Any], list[int]]:
    """Return the POST body and the configuration ids to attach (reference §3.8)."""
    fields = {k: v for k, v in ticket.fields.items() if v not in (None, "", [])}
    unknown = set(fields) - TICKET_FIELDS
    if unknown:
        raise ConfigError(f"Unknown ConnectWise PSA ticket fields: {', '.join(sorted(unknown))}")
    if "board_id" not in fields:
        raise ConfigError("A ConnectWise PSA ticket needs a board")
    body: dict[str, Any] = {
        "summary": ticket.summary[:SUMMARY_MAX],
        "company": {"id": record_id("company id", ticket.company_id)},
        "board": {"id": record_id("board id", fields["board_id"])},
        "initialDescription": ticket.details,
        "externalXRef": ticket.reference,
    }
    body.update(_references(fields))
    body.update(
        {name: _level(name, fields[name]) for name in ("severity", "impact") if name in fields}
    )
    configurations = [record_id("configuration id", c) for c in fields.get("configuration_ids", ())]
    return body, configurations


def _references(fields: Mapping[str, Any]) -> dict[str, Any]:
    names = {"type_id": "type", "priority_id": "priority", "status_id": "status"}
    return {
        names[name]: {"id": record_id(name.replace("_", " "), fields[name])}
        for name in ID_FIELDS
        if name in fields
    }


def _level(name: str, value: object) -> str:
    text = str(value).strip().capitalize()
    if text not in LEVELS:
        raise ConfigError(f"The ConnectWise PSA {name} must be Low, Medium or High")
    return text


def _given_status(statuses: list[models.BoardStatus], wanted: int, board: models.Ref) -> int:
    status = next((s for s in statuses if s.id == wanted), None)
    if status is None:
        raise ConfigError(f"status {wanted} is not a status of board {board.name or board.id}")
    if not status.closed_status:
        raise ConfigError(f"ConnectWise PSA status {status.name} is not a closed status")
    return status.id


def _priority_option(priority: models.Priority) -> Option:
    return Option(
        str(priority.id),
        priority.name,
        {"default": priority.default_flag, "sort": priority.sort_order},
    )


def _status_option(status: models.BoardStatus, board_id: int) -> Option:
    extra = {
        "closed": status.closed_status,
        "default": status.default_flag,
        "board_id": str(board_id),
        "inactive": status.inactive,
    }
    return Option(str(status.id), status.name, extra)


def _asset(configuration: models.Configuration) -> Asset:
    company = configuration.company
    return Asset(
        id=str(configuration.id),
        company_id=str(company.id) if company is not None and company.id is not None else None,
        inventory_number=configuration.name,
        key_field=configuration.ip_address,
        key_field2=configuration.mac_address,
        key_field3=configuration.serial_number,
        asset_type=configuration.type.name if configuration.type else configuration.os_type,
        inactive=not configuration.active_flag,
    )
