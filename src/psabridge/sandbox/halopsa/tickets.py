"""Ticket writes: type defaults, validation, field merge, close and reopen (reference 3.2, 4)."""

from __future__ import annotations

from typing import Any

from .catalog import IMPACT_LOOKUP, URGENCY_LOOKUP
from .errors import bad_request, not_found
from .params import as_bool, as_int, as_str
from .store import HaloStore, Record

DEFAULT_TICKET_TYPE = 1  # our choice: a ticket without tickettype_id is an Incident
INT_FIELDS = (
    "tickettype_id",
    "client_id",
    "site_id",
    "user_id",
    "status_id",
    "sla_id",
    "priority_id",
    "impact",
    "urgency",
    "agent_id",
    "third_party_id",
)
TEXT_FIELDS = (
    "summary",
    "details",
    "details_html",
    "user_name",
    "reportedby",
    "category_1",
    "category_2",
    "category_3",
    "category_4",
    "team",
    "third_party_id_string",
    "supplier_reference",
    "reference",
    "client_reference",
    "closure_note",
)
FLAG_FIELDS = ("onhold", "excludefromsla")
# Ticket field <- ticket type default (reference 3.2; default_urgency is a sim extra).
DEFAULTS = (
    ("status_id", "initial_status"),
    ("sla_id", "default_sla"),
    ("priority_id", "default_priority"),
    ("team", "default_team"),
    ("category_1", "default_category_1"),
    ("impact", "default_impact"),
    ("urgency", "default_urgency"),
)
LABELS = {
    "summary": "Summary",
    "category_1": "Category",
    "impact": "Impact",
    "urgency": "Urgency",
    "sla_id": "SLA",
    "priority_id": "Priority",
    "team": "Team",
}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def coerce(element: dict[str, Any]) -> Record:
    """Return the known ticket fields of a POSTed element, types coerced (ref 2.1, 8.10)."""
    values: Record = {}
    for name in INT_FIELDS:
        if name in element:
            values[name] = as_int(element[name], name)
    for name in TEXT_FIELDS:
        if name in element:
            values[name] = as_str(element[name], name)
    for name in FLAG_FIELDS:
        if name in element:
            values[name] = bool(as_bool(element[name], name))
    if "assets" in element:
        values["assets"] = _asset_ids(element["assets"])
    return values


def _asset_ids(value: Any) -> list[int]:
    """Return the ids of `assets: [{id}]` (reference 4.2, as DATTO sends them)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise bad_request("assets must be a list of objects with an id.")
    ids = [as_int(asset.get("id"), "assets.id") for asset in value]
    return [i for i in ids if i is not None]


def create(store: HaloStore, element: dict[str, Any], stamp: str) -> Record:
    """Validate and insert a new ticket; raise a 400 HaloError on any problem."""
    values = coerce(element)
    ticket_type = _ticket_type(store, values.get("tickettype_id") or DEFAULT_TICKET_TYPE)
    client = store.get("clients", values.get("client_id"))
    if client is None:
        raise bad_request(_unknown("Client", values.get("client_id")))
    values["tickettype_id"] = ticket_type["id"]
    values["site_id"] = _site_for(store, client, values.get("site_id"))
    for field, default in DEFAULTS:
        if _empty(values.get(field)) and not _empty(ticket_type.get(default)):
            values[field] = ticket_type[default]
    _check_mandatory(values, ticket_type)
    _validate(store, values, ticket_type)
    ticket = _blank(stamp) | values
    _apply_closure(store, ticket, stamp)
    return store.insert("tickets", ticket)


def update(store: HaloStore, ticket_id: int | None, element: dict[str, Any], stamp: str) -> Record:
    """Merge the given fields into a ticket (reference 2.1), validate, close or reopen."""
    ticket = store.get("tickets", ticket_id)
    if ticket is None:
        raise not_found()
    values = coerce(element)
    merged = ticket | values
    ticket_type = _ticket_type(store, merged["tickettype_id"])
    if "client_id" in values or "site_id" in values:
        client = store.get("clients", merged["client_id"])
        if client is None:
            raise bad_request(_unknown("Client", merged["client_id"]))
        keep_site = "site_id" in values or merged["client_id"] == ticket["client_id"]
        merged["site_id"] = _site_for(store, client, merged["site_id"] if keep_site else None)
    _validate(store, merged, ticket_type)
    ticket.update(merged, last_update=stamp)
    _apply_closure(store, ticket, stamp)
    return ticket


def change_status(store: HaloStore, ticket: Record, status_id: int, stamp: str) -> None:
    """Move a ticket to a status (actions' `new_status` / outcome `newstatus`, reference 5)."""
    if store.get("statuses", status_id) is None:
        raise bad_request(_unknown("Status", status_id))
    ticket.update(status_id=status_id, last_update=stamp)
    _apply_closure(store, ticket, stamp)


def _blank(stamp: str) -> Record:
    ticket: Record = dict.fromkeys((*INT_FIELDS, *TEXT_FIELDS))
    ticket.update(
        onhold=False,
        excludefromsla=False,
        assets=[],
        hasbeenclosed=False,
        dateclosed=None,
        datecreated=stamp,
        dateoccurred=stamp,
        lastactiondate=stamp,
        last_update=stamp,
    )
    return ticket


def _apply_closure(store: HaloStore, ticket: Record, stamp: str) -> None:
    """A closed status sets hasbeenclosed/dateclosed; an open one clears them (open q. 7)."""
    status = store.get("statuses", ticket["status_id"])
    closed = bool(status and status["__closed"])
    if closed and not ticket["hasbeenclosed"]:
        ticket.update(hasbeenclosed=True, dateclosed=stamp)
    elif not closed and ticket["hasbeenclosed"]:
        ticket.update(hasbeenclosed=False, dateclosed=None)


def _unknown(kind: str, value: Any) -> str:
    return f"{kind} {value} does not exist." if value is not None else f"A {kind} must be selected."


def _ticket_type(store: HaloStore, type_id: int) -> Record:
    ticket_type = store.get("tickettypes", type_id)
    if ticket_type is None:
        raise bad_request(_unknown("Ticket Type", type_id))
    return ticket_type


def _site_for(store: HaloStore, client: Record, site_id: int | None) -> int:
    """Return the given site (which must be the client's) or the client's main site."""
    if site_id is None:
        return int(client["main_site_id"])
    site = store.get("sites", site_id)
    if site is None or site["client_id"] != client["id"]:
        raise bad_request(f"Site {site_id} does not belong to Client {client['id']}.")
    return site_id


def _check_mandatory(values: Record, ticket_type: Record) -> None:
    """Raise for a `technew == 1` field still empty after the defaults (contract choice)."""
    mandatory = ["summary"] + [f["fieldname"] for f in ticket_type["fields"] if f["technew"] == 1]
    for name in mandatory:
        if _empty(values.get(name)):
            label = LABELS.get(name, name)
            raise bad_request(f"{label} is mandatory for tickets of type {ticket_type['name']}")


def _validate(store: HaloStore, values: Record, ticket_type: Record) -> None:
    """Raise a 400 for any value that names something the instance does not have."""
    for field, table, kind in (
        ("status_id", "statuses", "Status"),
        ("sla_id", "slas", "SLA"),
        ("agent_id", "agents", "Agent"),
    ):
        if values.get(field) is not None and store.get(table, values[field]) is None:
            raise bad_request(_unknown(kind, values[field]))
    _validate_priority(store, values)
    if not _empty(values.get("team")):
        values["team"] = _team_name(store, values["team"])
    if not _empty(values.get("category_1")):
        values["category_1"] = _category(store, values["category_1"], ticket_type)
    for field, lookup_id in (("impact", IMPACT_LOOKUP), ("urgency", URGENCY_LOOKUP)):
        if values.get(field) is not None and not _in_lookup(store, lookup_id, values[field]):
            raise bad_request(f"{values[field]} is not a valid {LABELS[field]}.")
    for asset_id in values.get("assets") or []:
        if store.get("assets", asset_id) is None:
            raise bad_request(_unknown("Asset", asset_id))


def _validate_priority(store: HaloStore, values: Record) -> None:
    """A priority only means something inside its SLA (reference 3.4)."""
    priority = values.get("priority_id")
    if priority is None:
        return
    sla = store.get("slas", values.get("sla_id"))
    if sla is None:
        raise bad_request(f"Priority {priority} needs an SLA.")
    if priority not in {p["priorityid"] for p in sla["priorities"]}:
        raise bad_request(f"Priority {priority} is not valid for SLA {sla['name']}.")


def _team_name(store: HaloStore, name: str) -> str:
    """Return the canonical team name; tickets carry the name (reference 3.1)."""
    team = store.by_name("teams", name)
    if team is None:
        raise bad_request(f"Team {name} does not exist.")
    if team["inactive"]:
        raise bad_request(f"Team {team['name']} is inactive.")
    return str(team["name"])


def _category(store: HaloStore, value: str, ticket_type: Record) -> str:
    """Return the canonical level-1 category text allowed for the ticket type (ref 3.4)."""
    for category in store.rows("categories"):
        allowed = not category["__tickettypes"] or ticket_type["id"] in category["__tickettypes"]
        if category["type_id"] == 1 and category["value"].lower() == value.lower() and allowed:
            return str(category["value"])
    raise bad_request(f"Category {value} is not valid for tickets of type {ticket_type['name']}.")


def _in_lookup(store: HaloStore, lookup_id: int, value: int) -> bool:
    return any(r["lookupid"] == lookup_id and r["__value"] == value for r in store.rows("lookups"))
