"""Service tickets and notes: validation, defaults, status changes (ref 3.8, 3.11, 6.7, 6.8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import bad_request, field_error, invalid
from .patching import operations, saving_refusal
from .store import CwStore, Record
from .values import cw_time, ref_key

RESOURCE = "ticket"
TEXT_LIMITS = {
    "summary": 100,
    "externalXRef": 100,
    "contactName": 62,
    "contactEmailAddress": 250,
    "contactPhoneNumber": 20,
}
LEVELS = ("Low", "Medium", "High")
NOTE_FLAGS = ("detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag")
Errors = list[dict[str, Any]]


def _resolve(
    store: CwStore, table: str, field: str, value: Any, errors: Errors, **scope: int
) -> Record | None:
    """Resolve a reference by id or name (within a board for statuses and types)."""
    key = ref_key(value)
    rows = [
        r
        for r in store.rows(table)
        if all((r.get("board") or {}).get("id") == v for v in scope.values())
    ]
    found = None
    if key is not None:
        attr, wanted = key
        found = next((r for r in rows if _same(r.get(attr), wanted)), None)
    if found is None:
        errors.append(field_error("NotFound", field, RESOURCE, f"{field} not found"))
    return found


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right)


def _texts(body: dict[str, Any], errors: Errors) -> Record:
    result: Record = {}
    for name, limit in TEXT_LIMITS.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            text = f"{name} must be a string of at most {limit} characters"
            errors.append(field_error("OutOfRange", name, RESOURCE, text))
        else:
            result[name] = value
    return result


def create(store: CwStore, body: Any, now: datetime) -> tuple[Record, str | None]:
    """Return a validated new ticket and its initial description (contract 6.7)."""
    if not isinstance(body, dict):
        raise bad_request("The ticket body must be a JSON object.")
    errors: Errors = []
    if not body.get("summary"):
        errors.append(field_error("Required", "summary", RESOURCE, "summary is required"))
    texts = _texts(body, errors)
    company = _required(store, "companies", "company", body.get("company"), errors)
    board = _required(store, "boards", "board", body.get("board"), errors)
    status = priority = kind = None
    if board is not None:
        status = _board_status(store, board, body.get("status"), errors)
        if body.get("type") is not None:
            kind = _resolve(store, "board_types", "type", body["type"], errors, board=board["id"])
    priority = _priority(store, body.get("priority"), errors)
    if company is not None and (refusal := saving_refusal(store, company["id"])):
        errors.append(refusal)
    if errors:
        raise invalid(RESOURCE, errors)
    assert company is not None and board is not None and status is not None
    stamp = cw_time(now)
    ticket: Record = {
        "summary": texts.pop("summary", body.get("summary")),
        "recordType": "ServiceTicket",
        "board": _ref(board),
        "status": _ref(status),
        "company": {k: company[k] for k in ("id", "identifier", "name")},
        "priority": None
        if priority is None
        else {**_ref(priority), "sort": priority.get("sortOrder")},
        "type": None if kind is None else _ref(kind),
        "severity": _level(body.get("severity")),
        "impact": _level(body.get("impact")),
        "externalXRef": None,
        "closedFlag": bool(status.get("closedStatus")),
        "closedDate": stamp if status.get("closedStatus") else None,
        "closedBy": "psabridge" if status.get("closedStatus") else None,
        "_info": {"lastUpdated": stamp, "dateEntered": stamp, "enteredBy": "psabridge"},
        **texts,
    }
    description = body.get("initialDescription")
    return ticket, description if isinstance(description, str) and description else None


def _ref(record: Record) -> Record:
    return {"id": record["id"], "name": record["name"]}


def _level(value: Any) -> str:
    return value if value in LEVELS else "Medium"


def _required(store: CwStore, table: str, field: str, value: Any, errors: Errors) -> Record | None:
    if value is None:
        errors.append(field_error("Required", field, RESOURCE, f"{field} is required"))
        return None
    key = ref_key(value)
    found = None
    if key is not None:
        found = store.get(table, key[1]) if key[0] == "id" else store.find(table, *key)
    if found is None or found.get("deletedFlag"):
        errors.append(field_error("NotFound", field, RESOURCE, f"{field} not found"))
        return None
    return found


def _board_status(store: CwStore, board: Record, value: Any, errors: Errors) -> Record | None:
    """Return the named status of the board, else the board's default status."""
    if value is not None:
        return _resolve(store, "board_statuses", "status", value, errors, board=board["id"])
    rows = [s for s in store.rows("board_statuses") if s["board"]["id"] == board["id"]]
    return next((s for s in rows if s.get("defaultFlag")), rows[0] if rows else None)


def _priority(store: CwStore, value: Any, errors: Errors) -> Record | None:
    """Return the named priority, else the one with defaultFlag (None if there is none)."""
    if value is not None:
        return _resolve(store, "priorities", "priority", value, errors)
    return next((p for p in store.rows("priorities") if p.get("defaultFlag")), None)


def patch(store: CwStore, ticket: Record, body: Any, now: datetime) -> None:
    """Apply top-level PATCH operations: status, priority, type, texts (contract 6.9)."""
    updated = dict(ticket)
    errors: Errors = []
    for op, path, value in operations(body):
        if path in ("status", "priority", "type"):
            _patch_reference(store, updated, path, value, errors)
        elif path in TEXT_LIMITS:
            updated.update(_texts({path: value}, errors) if op != "remove" else {path: None})
        elif path in ("severity", "impact"):
            updated[path] = _level(value)
        else:
            errors.append(field_error("OutOfRange", path, RESOURCE, f"{path} cannot be patched"))
    if errors:
        raise invalid(RESOURCE, errors)
    stamp = cw_time(now)
    status = store.get("board_statuses", updated["status"]["id"]) or {}
    closed = bool(status.get("closedStatus"))
    if closed != ticket.get("closedFlag"):
        updated.update(closedFlag=closed, closedDate=stamp if closed else None)
        updated["closedBy"] = "psabridge" if closed else None
    updated["_info"] = {**ticket.get("_info", {}), "lastUpdated": stamp}
    ticket.update(updated)


def _patch_reference(store: CwStore, ticket: Record, path: str, value: Any, errors: Errors) -> None:
    board = ticket["board"]["id"]
    if path == "priority":
        found = _resolve(store, "priorities", path, value, errors)
    else:
        table = "board_statuses" if path == "status" else "board_types"
        found = _resolve(store, table, path, value, errors, board=board)
    if found is not None:
        ticket[path] = _ref(found)


def new_note(ticket_id: int, body: Any, now: datetime, member: Record) -> Record:
    """Return a validated note: `text` and at least one type flag (contract 6.8)."""
    if not isinstance(body, dict):
        raise bad_request("The note body must be a JSON object.")
    errors: Errors = []
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(field_error("Required", "text", "note", "text is required"))
    flags = {name: body.get(name) is True for name in NOTE_FLAGS}
    if not any(flags.values()):
        message = "One of detailDescriptionFlag, internalAnalysisFlag, resolutionFlag is required"
        errors.append(field_error("Required", "detailDescriptionFlag", "note", message))
    if errors:
        raise invalid("note", errors)
    return note_record(ticket_id, str(text), flags, now, member, body)


def note_record(
    ticket_id: int,
    text: str,
    flags: dict[str, bool],
    now: datetime,
    member: Record,
    body: dict[str, Any] | None = None,
) -> Record:
    """Return a note row; internalFlag = internal analysis, externalFlag = the others."""
    extra = body or {}
    return {
        "ticketId": ticket_id,
        "text": text,
        **{name: flags.get(name, False) for name in NOTE_FLAGS},
        "issueFlag": False,
        "internalFlag": flags.get("internalAnalysisFlag", False),
        "externalFlag": flags.get("detailDescriptionFlag", False)
        or flags.get("resolutionFlag", False),
        "customerUpdatedFlag": extra.get("customerUpdatedFlag") is True,
        "processNotifications": extra.get("processNotifications") is True,
        "member": dict(member),
        "dateCreated": cw_time(now),
        "createdBy": member.get("identifier"),
        "_info": {"lastUpdated": cw_time(now)},
    }
