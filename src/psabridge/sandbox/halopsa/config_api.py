"""GET handlers of the configuration endpoints: types, statuses, SLAs, teams... (reference 3)."""

from __future__ import annotations

from .catalog import API_AGENT_ID
from .handling import Call, Reply, existing
from .params import OTHER_MAX_PAGE_SIZE, envelope
from .store import Record, public


def _list(call: Call, table: str, key: str, rows: list[Record] | None = None) -> Reply:
    records = call.store.rows(table) if rows is None else rows
    return Reply(envelope(key, [public(r) for r in records], call.query, OTHER_MAX_PAGE_SIZE))


def _one(call: Call, table: str) -> Reply:
    return Reply(public(existing(call.store, table, call.record_id)))


def list_ticket_types(call: Call) -> Reply:
    """GET /TicketType -> `tickettypes` (contract: envelope, same fields as by id)."""
    return _list(call, "tickettypes", "tickettypes")


def get_ticket_type(call: Call) -> Reply:
    """GET /TicketType/{id} with defaults and `fields` (reference 3.2)."""
    return _one(call, "tickettypes")


def list_statuses(call: Call) -> Reply:
    """GET /Status; `excludeclosed=true` leaves out the closed ones (reference 3.3)."""
    rows = call.store.rows("statuses")
    if call.query.get_bool("excludeclosed"):
        rows = [r for r in rows if not r["__closed"]]
    return _list(call, "statuses", "statuses", rows)


def list_slas(call: Call) -> Reply:
    """GET /SLA -> `slas`, each with its `priorities` (Policy rows, reference 3.4)."""
    return _list(call, "slas", "slas")


def get_sla(call: Call) -> Reply:
    """GET /SLA/{id}."""
    return _one(call, "slas")


def list_priorities(call: Call) -> Reply:
    """GET /Priority?slaid=N -> a bare array of Policy rows (reference 2.2, 3.4)."""
    sla_id = call.query.get_int("slaid")
    rows = [
        dict(policy)
        for sla in call.store.rows("slas")
        if sla_id is None or sla["id"] == sla_id
        for policy in sla["priorities"]
    ]
    return Reply(rows)


def list_categories(call: Call) -> Reply:
    """GET /Category: `tickettype_id` keeps the type's allowed ones, `type_id` the level."""
    type_id = call.query.get_int("type_id")
    ticket_type = call.query.get_int("tickettype_id")
    rows = [
        r
        for r in call.store.rows("categories")
        if (type_id is None or r["type_id"] == type_id)
        and (ticket_type is None or not r["__tickettypes"] or ticket_type in r["__tickettypes"])
    ]
    return _list(call, "categories", "categories", rows)


def list_teams(call: Call) -> Reply:
    """GET /Team: inactive teams only with `includedisabled=true` (our choice)."""
    rows = [
        r
        for r in call.store.rows("teams")
        if call.query.get_bool("includedisabled") or not r["inactive"]
    ]
    return _list(call, "teams", "teams", rows)


def list_lookups(call: Call) -> Reply:
    """GET /Lookup?lookupid=12 (impact) or 27 (urgency); `id` is the value in its list."""
    lookup_id = call.query.get_int("lookupid")
    rows = [
        {**public(r), "id": r["__value"]}
        for r in call.store.rows("lookups")
        if lookup_id is None or r["lookupid"] == lookup_id
    ]
    return Reply(envelope("lookups", rows, call.query, OTHER_MAX_PAGE_SIZE))


def list_outcomes(call: Call) -> Reply:
    """GET /Outcome -> a bare array (reference 2.2); hidden ones need `showhidden=true`."""
    rows = sorted(call.store.rows("outcomes"), key=lambda r: r["sequence"])
    show_hidden = call.query.get_bool("showhidden")
    return Reply([public(r) for r in rows if show_hidden or not r["hidden"]])


def list_agents(call: Call) -> Reply:
    """GET /Agent: API agents only with `includeapiagents=true` (reference 3 params)."""
    rows = [
        r
        for r in call.store.rows("agents")
        if call.query.get_bool("includeapiagents") or not r["isapiagent"]
    ]
    return _list(call, "agents", "agents", rows)


def get_agent(call: Call) -> Reply:
    """GET /Agent/{id}."""
    return _one(call, "agents")


def agent_me(call: Call) -> Reply:
    """GET /Agent/me: the agent the application logs in as (the API agent)."""
    return Reply(public(existing(call.store, "agents", call.agent_id or API_AGENT_ID)))


def list_clients(call: Call) -> Reply:
    """GET /Client: `search` (name substring), `includeinactive`, paging -> `clients`."""
    search = (call.query.get_str("search") or "").lower()
    with_inactive = call.query.get_bool("includeinactive")
    with_active = call.query.get_bool("includeactive", True)
    rows = [
        r
        for r in call.store.rows("clients")
        if search in r["name"].lower() and (with_inactive if r["inactive"] else with_active)
    ]
    return _list(call, "clients", "clients", rows)


def get_client(call: Call) -> Reply:
    """GET /Client/{id}."""
    return _one(call, "clients")


def list_sites(call: Call) -> Reply:
    """GET /Site?client_id=N -> `sites` (`client_id` is a double, reference 3.1)."""
    client_id = call.query.get_int("client_id")
    search = (call.query.get_str("search") or "").lower()
    rows = [
        r
        for r in call.store.rows("sites")
        if (client_id is None or r["client_id"] == client_id) and search in r["name"].lower()
    ]
    return _list(call, "sites", "sites", rows)


def get_site(call: Call) -> Reply:
    """GET /Site/{id}."""
    return _one(call, "sites")


def list_assets(call: Call) -> Reply:
    """GET /Asset: `client_id`, `site_id`, `search`, `includeinactive`, paging -> `assets`."""
    query = call.query
    client_id, site_id = query.get_int("client_id"), query.get_int("site_id")
    search = (query.get_str("search") or "").lower()
    rows = [
        r
        for r in call.store.rows("assets")
        if (client_id is None or r["client_id"] == client_id)
        and (site_id is None or r["site_id"] == site_id)
        and (query.get_bool("includeinactive") or not r["inactive"])
        and (not search or any(search in str(r[k] or "").lower() for k in ASSET_SEARCH))
    ]
    return _list(call, "assets", "assets", rows)


ASSET_SEARCH = ("inventory_number", "key_field", "key_field2", "key_field3")


def get_asset(call: Call) -> Reply:
    """GET /Asset/{id}."""
    return _one(call, "assets")
