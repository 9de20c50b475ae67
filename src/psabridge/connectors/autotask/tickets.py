"""Autotask ticket writes shared by the desk and the billing side: create, find, notes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psabridge.connectors.autotask.client import AutotaskClient
from psabridge.connectors.autotask.picklists import Picklists
from psabridge.connectors.errors import ConfigError
from psabridge.connectors.ports import TicketRef

# Reference: autotask.md §3.8 (title ≤255, description ≤8000), §3.10 (note title ≤250)
TITLE_MAX = 255
DESCRIPTION_MAX = 8000
NOTE_TITLE_MAX = 250
NOTE_MAX = 32000
# The ticket fields a profile may set (NewTicket.fields); ids of the tenant's picklists.
PICKLIST_FIELDS = ("queueID", "priority", "status", "issueType", "subIssueType", "source")
TICKET_FIELDS = frozenset({*PICKLIST_FIELDS, "configurationItemID"})


class TicketWriter:
    """Create tickets carrying our reference, find them by it, add and find notes."""

    def __init__(self, client: AutotaskClient, picklists: Picklists) -> None:
        self.client = client
        self.picklists = picklists

    def create(
        self, reference: str, company_id: str, title: str, details: str, fields: Mapping[str, Any]
    ) -> TicketRef:
        """POST a ticket with our reference in externalID; never re-sent blindly (the engine
        looks the reference up after an ambiguous failure)."""
        body = self.body(reference, company_id, title, details, fields)
        return TicketRef(str(self.client.create_ticket(body)), reference)

    def body(
        self, reference: str, company_id: str, title: str, details: str, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Return the POST body; status and priority are required, so defaults fill them."""
        given = {k: v for k, v in fields.items() if v not in (None, "", [])}
        unknown = set(given) - TICKET_FIELDS
        if unknown:
            raise ConfigError(f"Unknown Autotask ticket fields: {', '.join(sorted(unknown))}")
        body: dict[str, Any] = {
            "companyID": number("company id", company_id),
            "title": title[:TITLE_MAX],
            "description": details[:DESCRIPTION_MAX],
            "externalID": reference,
        }
        body.update({name: number(name, value) for name, value in given.items()})
        for name in ("status", "priority"):
            if name not in body:
                default = self.picklists.default("Tickets", name)
                if default is None:
                    raise ConfigError(f"Autotask has no default ticket {name}: choose one")
                body[name] = default.value
        return body

    def find(self, reference: str) -> TicketRef | None:
        """Return the oldest ticket whose externalID is `reference`, if any."""
        tickets = self.client.tickets_by_reference(reference)
        ids = [t.id for t in tickets if t.external_id == reference]
        return TicketRef(str(min(ids)), reference) if ids else None

    def add_note(self, ticket_id: str, text: str, *, private: bool) -> None:
        """POST a note through the ticket; internal (private) or visible to all."""
        title = (text.strip().splitlines() or ["psabridge"])[0]
        body = {
            "title": title[:NOTE_TITLE_MAX],
            "description": text[:NOTE_MAX],
            "noteType": self._note_type(),
            "publish": self._publish(private),
        }
        self.client.create_note(number("ticket id", ticket_id), body)

    def _note_type(self) -> int:
        default = self.picklists.default("TicketNotes", "noteType")
        if default is not None:
            return default.value
        values = [v for v in self.picklists.values("TicketNotes", "noteType") if v.is_active]
        if not values:
            raise ConfigError("Autotask offers no ticket note type")
        return values[0].value

    def _publish(self, private: bool) -> int:
        # Codes vary by tenant (reference §3.10): pick by label, never by a hard-coded code.
        values = [v for v in self.picklists.values("TicketNotes", "publish") if v.is_active]
        wanted = "internal" if private else "all"
        found = next((v for v in values if wanted in v.label.lower()), None)
        if found is None:
            kind = "internal" if private else "visible"
            raise ConfigError(f"Autotask has no {kind} note publish option ({wanted!r} label)")
        return found.value

    def find_note(self, ticket_id: str, reference: str) -> bool:
        """Return whether one of the ticket's notes carries our reference in its text."""
        notes = self.client.notes(number("ticket id", ticket_id))
        return any(reference in (note.description or "") for note in notes)


def number(what: str, value: Any) -> int:
    """Return an Autotask id or picklist code as an integer, or raise ConfigError."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ConfigError(f"Not an Autotask {what}: {value!r}") from None
