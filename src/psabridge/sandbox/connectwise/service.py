"""Service routes: boards, statuses, types, priorities, tickets, notes (ref 3.8-3.11)."""

from __future__ import annotations

from . import tickets
from .errors import bad_request, field_error, invalid, not_found
from .paging import count_reply, list_reply, one_reply
from .store import Call, Record, Reply, public
from .values import ref_key


def list_boards(call: Call) -> Reply:
    """GET /service/boards."""
    return list_reply(call, map(public, call.store.rows("boards")))


def get_board(call: Call) -> Reply:
    """GET /service/boards/{id}."""
    record = call.store.get("boards", call.ids["id"])
    return one_reply(None if record is None else public(record), call)


def _of_board(call: Call, table: str) -> list[Record]:
    board = call.store.get("boards", call.ids["parentId"])
    if board is None:
        raise not_found("Board not found")
    return [public(r) for r in call.store.rows(table) if r["board"]["id"] == board["id"]]


def list_board_statuses(call: Call) -> Reply:
    """GET /service/boards/{parentId}/statuses."""
    return list_reply(call, _of_board(call, "board_statuses"))


def list_board_types(call: Call) -> Reply:
    """GET /service/boards/{parentId}/types."""
    return list_reply(call, _of_board(call, "board_types"))


def _priorities(call: Call) -> list[Record]:
    rows = [public(p) for p in call.store.rows("priorities")]
    if call.store.priorities_limited:  # reference 3.10: only {id, name}, no defaultFlag
        rows = [{"id": p["id"], "name": p["name"]} for p in rows]
    return rows


def list_priorities(call: Call) -> Reply:
    """GET /service/priorities."""
    return list_reply(call, _priorities(call))


def get_priority(call: Call) -> Reply:
    """GET /service/priorities/{id}."""
    found = next((p for p in _priorities(call) if p["id"] == call.ids["id"]), None)
    return one_reply(found, call)


def _tickets(call: Call) -> list[Record]:
    return [public(t) for t in call.store.rows("tickets")]


def list_tickets(call: Call) -> Reply:
    """GET /service/tickets (conditions such as externalXRef="..." or id in (...))."""
    return list_reply(call, _tickets(call))


def count_tickets(call: Call) -> Reply:
    """GET /service/tickets/count."""
    return count_reply(call, _tickets(call))


def _ticket(call: Call, key: str = "id") -> Record:
    ticket = call.store.get("tickets", call.ids[key])
    if ticket is None:
        raise not_found("Ticket not found")
    return ticket


def get_ticket(call: Call) -> Reply:
    """GET /service/tickets/{id}."""
    return one_reply(public(_ticket(call)), call)


def post_ticket(call: Call) -> Reply:
    """POST /service/tickets: 201; initialDescription becomes the first note (6.7)."""
    record, description = tickets.create(call.store, call.body, call.now)
    ticket = call.store.insert("tickets", record)
    if description is not None:
        flags = {"detailDescriptionFlag": True}
        note = tickets.note_record(ticket["id"], description, flags, call.now, call.member)
        call.store.insert("notes", note)
    return one_reply(public(ticket), call, 201)


def patch_ticket(call: Call) -> Reply:
    """PATCH /service/tickets/{id}: status (whole object), priority, type, texts."""
    ticket = _ticket(call)
    tickets.patch(call.store, ticket, call.body, call.now)
    return one_reply(public(ticket), call)


def list_notes(call: Call) -> Reply:
    """GET /service/tickets/{parentId}/notes."""
    ticket = _ticket(call, "parentId")
    rows = [public(n) for n in call.store.rows("notes") if n["ticketId"] == ticket["id"]]
    return list_reply(call, rows)


def post_note(call: Call) -> Reply:
    """POST /service/tickets/{parentId}/notes: 201 with the note (6.8)."""
    ticket = _ticket(call, "parentId")
    note = call.store.insert(
        "notes", tickets.new_note(ticket["id"], call.body, call.now, call.member)
    )
    return one_reply(public(note), call, 201)


def _configuration_ref(record: Record) -> Record:
    return {
        "id": record["id"],
        "deviceIdentifier": record.get("deviceIdentifier") or record["name"],
    }


def list_ticket_configurations(call: Call) -> Reply:
    """GET /service/tickets/{parentId}/configurations: configuration references."""
    ticket = _ticket(call, "parentId")
    ids = call.store.ticket_configurations.get(ticket["id"], [])
    rows = [call.store.get("configurations", i) for i in ids]
    return list_reply(call, [_configuration_ref(r) for r in rows if r is not None])


def post_ticket_configuration(call: Call) -> Reply:
    """POST /service/tickets/{parentId}/configurations with {"id": n}: 201 (idempotent)."""
    ticket = _ticket(call, "parentId")
    key = ref_key(call.body)
    if key is None or key[0] != "id":
        raise bad_request('The body must be a configuration reference {"id": n}.')
    found = call.store.get("configurations", key[1])
    if found is None:
        error = field_error("NotFound", "id", "configuration", "configuration not found")
        raise invalid("configuration", [error])
    linked = call.store.ticket_configurations.setdefault(ticket["id"], [])
    if found["id"] not in linked:
        linked.append(found["id"])
    return one_reply(_configuration_ref(found), call, 201)
