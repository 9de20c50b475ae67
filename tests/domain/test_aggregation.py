"""The aggregation rule as a table (SPEC R5.6, R5.9), with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psabridge.domain.aggregation import (
    AddNote,
    CreateTicket,
    LastTicket,
    NeedTicketState,
    Policy,
    decide,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def last(age: timedelta, closed: bool | None) -> LastTicket:
    return LastTicket("T1", NOW - age, closed)


CASES = [
    # (name, blocked, last ticket, auto-close, expected decision)
    ("first alert: new ticket", False, None, False, CreateTicket),
    ("open ticket updated 1 h ago: note", False, last(H, False), False, AddNote),
    (
        "open ticket updated 23 h 59 m ago: note",
        False,
        last(24 * H - timedelta(minutes=1), False),
        False,
        AddNote,
    ),
    (
        "open ticket updated 23 h 59 m 59.999 s ago: note",
        False,
        last(24 * H - timedelta(milliseconds=1), False),
        False,
        AddNote,
    ),
    ("exactly 24 h: new ticket", False, last(24 * H, False), False, CreateTicket),
    ("more than 24 h: new ticket", False, last(30 * H, False), False, CreateTicket),
    ("closed ticket under 24 h: new ticket", False, last(H, True), False, CreateTicket),
    (
        "rejected (closed) ticket under 24 h: new ticket",
        True,
        last(2 * H, True),
        False,
        CreateTicket,
    ),
    ("closed and old: new ticket", False, last(48 * H, True), False, CreateTicket),
    ("unknown status under 24 h: ask the PSA", False, last(H, None), False, NeedTicketState),
    ("unknown status but old: no need to ask", False, last(25 * H, None), False, CreateTicket),
    ("blocked with auto-close: create then close", True, None, True, CreateTicket),
    ("blocked on an open ticket with auto-close: note", True, last(H, False), True, AddNote),
]


@pytest.mark.parametrize(
    ("name", "blocked", "previous", "auto_close", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_table(name, blocked, previous, auto_close, expected):
    decision = decide(blocked, previous, NOW, Policy(auto_close_blocked=auto_close))
    assert isinstance(decision, expected)
    if isinstance(decision, AddNote | NeedTicketState):
        assert decision.ticket_id == "T1"


@pytest.mark.parametrize(
    ("blocked", "auto_close", "close_after"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_only_blocked_threats_are_auto_closed(blocked, auto_close, close_after):
    decision = decide(blocked, None, NOW, Policy(auto_close_blocked=auto_close))
    assert decision == CreateTicket(decision.reason, close_after=close_after)


def test_a_note_moves_the_window():
    # Ticket created 30 h ago but noted 2 h ago: "updated" is the last note (SPEC R5.6 choice).
    noted_recently = LastTicket("T1", NOW - 2 * H, closed=False)
    assert isinstance(decide(False, noted_recently, NOW, Policy()), AddNote)


def test_edr_resend_notes_its_incident_ticket_even_when_old_or_closed():
    incident = LastTicket("T9", NOW - 72 * H, closed=True)
    decision = decide(True, last(H, False), NOW, Policy(), incident_ticket=incident)
    assert decision == AddNote("T9", decision.reason)


def test_decisions_explain_themselves():
    assert "24 h" in decide(False, last(24 * H, False), NOW, Policy()).reason
    assert "closed" in decide(False, last(H, True), NOW, Policy()).reason


@given(
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    closed=st.booleans(),
    blocked=st.booleans(),
)
def test_boundary_property(age, closed, blocked):
    decision = decide(blocked, last(age, closed), NOW, Policy())
    if age >= 24 * H or closed:
        assert isinstance(decision, CreateTicket)
    else:
        assert decision == AddNote("T1", decision.reason)
