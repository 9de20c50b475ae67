"""The aggregation rule of SPEC R5.6, R5.9: note the last ticket, or open a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class LastTicket:
    """What psabridge knows of the last ticket of an aggregation key."""

    ticket_id: str
    last_update: datetime  # psabridge's last creation of, or note on, the ticket
    closed: bool | None = None  # None: not asked yet; the rule asks when it needs to know


@dataclass(frozen=True)
class Policy:
    """Ticketing settings that shape a decision."""

    auto_close_blocked: bool = False
    window: timedelta = WINDOW


@dataclass(frozen=True)
class CreateTicket:
    """Open a new ticket; close it right after when it is a blocked threat and auto-close is on."""

    reason: str
    close_after: bool = False


@dataclass(frozen=True)
class AddNote:
    """Add a note to an existing ticket; its status stays as it is."""

    ticket_id: str
    reason: str


@dataclass(frozen=True)
class NeedTicketState:
    """The rule needs to know whether the ticket is closed: ask the PSA, then decide again."""

    ticket_id: str


Decision = CreateTicket | AddNote | NeedTicketState


def decide(
    blocked: bool,
    last: LastTicket | None,
    now: datetime,
    policy: Policy,
    incident_ticket: LastTicket | None = None,
) -> Decision:
    """Return what to do with an alert of one endpoint and kind (R5.6), or of one EDR incident."""
    if incident_ticket is not None:
        # R5.9: an EDR incident pushed again updates its own ticket, whatever its age.
        return AddNote(incident_ticket.ticket_id, "the EDR incident was pushed again")
    create = CreateTicket("", close_after=policy.auto_close_blocked and blocked)
    if last is None:
        return _with_reason(create, "no earlier ticket for this endpoint and alert kind")
    if now - last.last_update >= policy.window:
        # Choice (SPEC R5.6): exactly 24 h counts as more than 24 h.
        return _with_reason(create, "the last ticket was updated 24 h or more ago")
    if last.closed is None:
        return NeedTicketState(last.ticket_id)
    if last.closed:
        return _with_reason(create, "the last ticket is closed")
    return AddNote(last.ticket_id, "an open ticket was updated less than 24 h ago")


def _with_reason(create: CreateTicket, reason: str) -> CreateTicket:
    return CreateTicket(reason, create.close_after)
