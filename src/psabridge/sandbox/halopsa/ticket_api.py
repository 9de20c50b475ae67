"""Ticket and Action endpoints: list filters, read, write, delete (reference 4, 5)."""

from __future__ import annotations

from typing import Any

from . import actions, tickets
from .handling import Call, Reply, element_id, existing, post_array
from .params import OTHER_MAX_PAGE_SIZE, TICKETS_MAX_PAGE_SIZE, Query, envelope
from .store import HaloStore, Record, public


def render_ticket(store: HaloStore, ticket: Record) -> Record:
    """Return a ticket with the names Halo adds on read (reference 4.3)."""
    record = public(ticket)
    sla = store.get("slas", ticket["sla_id"])
    policy = next(
        (p for p in (sla or {}).get("priorities", []) if p["priorityid"] == ticket["priority_id"]),
        None,
    )
    team = store.by_name("teams", ticket["team"]) if ticket["team"] else None
    record.update(
        tickettype_name=store.name_of("tickettypes", ticket["tickettype_id"]),
        client_name=store.name_of("clients", ticket["client_id"]),
        site_name=store.name_of("sites", ticket["site_id"]),
        status_name=store.name_of("statuses", ticket["status_id"]),
        sla_name=None if sla is None else sla["name"],
        priority_name=None if policy is None else policy["name"],
        team_id=None if team is None else team["id"],  # OAS25 only (reference 4.2)
        agent_name=store.name_of("agents", ticket["agent_id"]),
        assets=[_asset_ref(store, asset_id) for asset_id in ticket["assets"]],
    )
    return record


def _asset_ref(store: HaloStore, asset_id: int) -> Record:
    asset = store.get("assets", asset_id) or {}
    return {
        "id": asset_id,
        "inventory_number": asset.get("inventory_number"),
        "assettype_name": asset.get("assettype_name"),
    }


def _matches(ticket: Record, query: Query) -> bool:
    """Apply the list filters of reference 4.1 that the sandbox models."""
    checks = (
        ("client_id", "client_id"),
        ("site_id", "site_id"),
        ("status_id", "status_id"),
        ("tickettype_id", "tickettype_id"),
        ("requesttype_id", "tickettype_id"),
        ("agent_id", "agent_id"),
    )
    for param, field in checks:
        wanted = query.get_int(param)
        if wanted is not None and ticket[field] != wanted:
            return False
    ids = query.get_str("ticketids")  # reference 4.1: a comma-separated id list
    if ids is not None and str(ticket["id"]) not in {i.strip() for i in ids.split(",")}:
        return False
    reference = query.get_str("search_supplier_reference")
    if reference is not None and ticket["supplier_reference"] != reference:
        return False  # exact match (contract choice)
    if query.get_bool("open_only") and ticket["hasbeenclosed"]:
        return False
    if query.get_bool("closed_only") and not ticket["hasbeenclosed"]:
        return False
    for param in ("search", "search_summary"):
        text = (query.get_str(param) or "").lower()
        if text and text not in (ticket["summary"] or "").lower():
            return False
    return True


def list_tickets(call: Call) -> Reply:
    """GET /Tickets -> `tickets`, `page_size` clamped to 100 (reference 2.2)."""
    rows = [
        render_ticket(call.store, t) for t in call.store.rows("tickets") if _matches(t, call.query)
    ]
    return Reply(envelope("tickets", rows, call.query, TICKETS_MAX_PAGE_SIZE))


def get_ticket(call: Call) -> Reply:
    """GET /Tickets/{id}; an unknown or deleted id answers 404 (contract)."""
    return Reply(render_ticket(call.store, existing(call.store, "tickets", call.record_id)))


def _create_ticket(call: Call, element: dict[str, Any]) -> Record:
    return render_ticket(call.store, tickets.create(call.store, element, call.stamp))


def _update_ticket(call: Call, element: dict[str, Any]) -> Record:
    ticket = tickets.update(call.store, element_id(element), element, call.stamp)
    return render_ticket(call.store, ticket)


def post_tickets(call: Call) -> Reply:
    """POST /Tickets: an array of creates and updates (reference 2.1, 4.1)."""
    return post_array(call, _create_ticket, _update_ticket)


def delete_ticket(call: Call) -> Reply:
    """DELETE /Tickets/{id}: the ticket is gone (later reads answer 404)."""
    existing(call.store, "tickets", call.record_id)
    call.store.delete("tickets", call.record_id or 0)
    return Reply({"id": call.record_id})


def list_actions(call: Call) -> Reply:
    """GET /Actions?ticket_id=N -> `actions`; `excludeprivate` keeps public ones (ref 5)."""
    ticket_id = call.query.get_int("ticket_id")
    rows = [
        public(a)
        for a in call.store.rows("actions")
        if (ticket_id is None or a["ticket_id"] == ticket_id)
        and not (call.query.get_bool("excludeprivate") and a["hiddenfromuser"])
    ]
    return Reply(envelope("actions", rows, call.query, OTHER_MAX_PAGE_SIZE))


def get_action(call: Call) -> Reply:
    """GET /Actions/{id}."""
    return Reply(public(existing(call.store, "actions", call.record_id)))


def _create_action(call: Call, element: dict[str, Any]) -> Record:
    return public(actions.create(call.store, element, call.stamp, call.agent_id))


def _update_action(call: Call, element: dict[str, Any]) -> Record:
    return public(actions.update(call.store, element_id(element), element, call.stamp))


def post_actions(call: Call) -> Reply:
    """POST /Actions: notes; an outcome is required (reference 5)."""
    return post_array(call, _create_action, _update_action)
