"""Actions (notes): outcome rule, private notes, status changes (reference 5)."""

from __future__ import annotations

from typing import Any

from . import tickets
from .errors import bad_request, not_found
from .params import as_bool, as_int, as_str
from .store import HaloStore, Record

OUTCOME_REQUIRED = "An Outcome must be entered for this Action"  # reference 5, verbatim


def _outcome(store: HaloStore, element: dict[str, Any]) -> Record:
    """Resolve `outcome_id`, else `outcome` by id or by name (open question 9)."""
    outcome_id = as_int(element.get("outcome_id"), "outcome_id")
    name = as_str(element.get("outcome"), "outcome")
    if outcome_id is None and name and name.strip().isdigit():
        outcome_id = int(name)
    if outcome_id:
        found = store.get("outcomes", outcome_id)
    elif name:
        found = store.by_name("outcomes", name, "outcome")
    else:
        raise bad_request(OUTCOME_REQUIRED)
    if found is None:
        raise bad_request(f"Outcome {outcome_id or name} does not exist.")
    return found


def create(store: HaloStore, element: dict[str, Any], stamp: str, agent_id: int) -> Record:
    """Add a note to a ticket; apply `new_status`, else the outcome's `newstatus`."""
    ticket = store.get("tickets", as_int(element.get("ticket_id"), "ticket_id"))
    if ticket is None:
        raise bad_request(f"Ticket {element.get('ticket_id')} does not exist.")
    outcome = _outcome(store, element)
    hidden = as_bool(element.get("hiddenfromuser"), "hiddenfromuser")
    new_status = as_int(element.get("new_status"), "new_status") or outcome["newstatus"] or None
    if new_status is not None:
        tickets.change_status(store, ticket, new_status, stamp)
    action = store.insert(
        "actions",
        {
            "ticket_id": ticket["id"],
            "outcome_id": outcome["id"],
            "outcome": outcome["outcome"],
            "note": as_str(element.get("note"), "note") or "",
            "note_html": as_str(element.get("note_html"), "note_html") or "",
            # Our choice: without `hiddenfromuser` the outcome's hidefromuser decides.
            "hiddenfromuser": outcome["hidefromuser"] if hidden is None else hidden,
            "new_status": new_status,
            "datetime": stamp,
            "actiondatecreated": stamp,
            "who_agentid": agent_id,
            "who": store.name_of("agents", agent_id),
            "who_type": 1,
            "actreviewed": False,
        },
    )
    ticket.update(lastactiondate=stamp, last_update=stamp)
    return action


def update(store: HaloStore, action_id: int | None, element: dict[str, Any], stamp: str) -> Record:
    """Merge `note`, `note_html`, `hiddenfromuser`, `actreviewed` into an action."""
    action = store.get("actions", action_id)
    if action is None:
        raise not_found()
    for name in ("note", "note_html"):
        if name in element:
            action[name] = as_str(element[name], name) or ""
    for name in ("hiddenfromuser", "actreviewed"):
        if name in element:
            action[name] = bool(as_bool(element[name], name))
    ticket = store.get("tickets", action["ticket_id"])
    if ticket is not None:
        ticket["last_update"] = stamp
    return action
