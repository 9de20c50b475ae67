"""HaloTicketDesk over MockTransport: validation, options, ticket type, tickets, notes, close."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.errors import ConfigError, TransientError
from psabridge.connectors.halopsa.adapter import HaloTicketDesk, ticket_payload
from psabridge.connectors.http import CallRecord
from psabridge.connectors.ports import Asset, NewTicket, TicketDesk, TicketTypeInfo
from psabridge.connectors.registry import ConnectorOptions, create_connector

from .halo_fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    INSTANCE,
    FakeHalo,
    Route,
    assert_no_secrets,
    body,
    halo_desk,
    paged,
    raising,
    reply,
)

STATUSES = [
    {"id": 1, "name": "New"},
    {"id": 2, "name": "In Progress"},
    {"id": 8, "name": "Resolved"},
    {"id": 9, "name": "Closed"},
    {"id": 21, "name": "Rejected"},
]
CLOSED = {9, 21}
ALERT_TYPE = {
    "id": 31,
    "name": "Security Alert",
    "initial_status": 1,
    "default_sla": "2",
    "default_priority": 3.0,
    "default_team": "Security",
    "default_category_1": "Malware",
    "default_impact": 2,
    "fields": [
        {"fieldid": 1, "fieldname": "category_1", "technew": 1},
        {"fieldid": 2, "fieldname": "impact", "technew": "1"},
        {"fieldid": 3, "fieldname": "urgency", "technew": 1},
        {"fieldid": 4, "fieldname": "team", "technew": 0},
        {"fieldid": 5, "fieldname": "sla_id", "technew": 2},
    ],
}
OUTCOMES = [
    {"id": 3, "outcome": "Close", "newstatus": 9},
    {"id": 1, "outcome": "Public Note", "buttonname": "Add Note"},
    {"id": 7, "outcome": "Private Note", "buttonname": "Private"},
    {"id": 99, "outcome": "System", "hidden": True},
]


class World:
    """Routes for a small consistent Halo instance with an in-memory ticket list."""

    def __init__(self) -> None:
        self.statuses = list(STATUSES)
        self.outcomes = list(OUTCOMES)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.actions: list[dict[str, Any]] = []
        self.honour_ticketids = True

    def routes(self) -> dict[str, Route]:
        return {
            "GET Agent/me": lambda r: {"id": 1, "name": "API", "isapiagent": True},
            "GET TicketType": lambda r: {"tickettypes": [{"id": 31, "name": "Security Alert"}]},
            "GET TicketType/*": self.ticket_type,
            "GET Status": self.status,
            "GET SLA": lambda r: {
                "slas": [
                    {
                        "id": 1,
                        "name": "Standard",
                        "priorities": [{"id": "u1", "priorityid": 1, "name": "Critical"}],
                    },
                    {"id": 2, "name": "Security"},
                ]
            },
            "GET Priority": lambda r: [
                {"id": "u2", "slaid": 2, "priorityid": 3, "name": "High"},
                {"id": "u3", "slaid": 2, "priorityid": 4, "name": "Low"},
            ],
            "GET Category": self.category,
            "GET Team": lambda r: {"teams": [{"id": 4, "name": "Security", "inactive": False}]},
            "GET Lookup": self.lookup,
            "GET Outcome": lambda r: self.outcomes,
            "GET Client": paged([{"id": 12, "name": "Acme", "main_site_id": 40.0}], "clients"),
            "GET Site": paged([{"id": 40, "name": "HQ", "client_id": 12.0}], "sites"),
            "GET Asset": paged(
                [
                    {
                        "id": 500,
                        "inventory_number": "PC-1",
                        "key_field": "10.0.0.1",
                        "key_field2": "aa:bb",
                        "key_field3": "pc-1.acme.test",
                        "client_id": 12,
                        "site_id": 40,
                    }
                ],
                "assets",
            ),
            "GET Item": paged([{"id": 1, "name": "Endpoint"}], "items"),
            "GET RecurringInvoice": paged([{"id": -94, "client_id": 12}], "invoices"),
            "POST Tickets": self.post_ticket,
            "GET Tickets/*": self.get_ticket,
            "GET Tickets": self.search,
            "POST Actions": self.post_action,
        }

    def ticket_type(self, request: httpx.Request) -> Any:
        return ALERT_TYPE if request.url.path.endswith("/31") else reply(404, {"message": "x"})

    def status(self, request: httpx.Request) -> Any:
        rows = self.statuses
        if request.url.params.get("excludeclosed") == "true":
            rows = [s for s in rows if s["id"] not in CLOSED]
        return {"record_count": len(rows), "statuses": rows}

    def category(self, request: httpx.Request) -> Any:
        rows = [{"id": 5, "value": "Malware", "type_id": 1}]
        if request.url.params.get("tickettype_id") is None:
            rows.append({"id": 6, "value": "Hardware", "type_id": 1})
        return {"categories": rows}

    def lookup(self, request: httpx.Request) -> Any:
        names = {"12": ["Company Wide", "Single User"], "27": ["High", "Medium", "Low"]}
        lookup_id = request.url.params["lookupid"]
        return {"lookups": [{"id": i + 1, "name": n} for i, n in enumerate(names[lookup_id])]}

    def post_ticket(self, request: httpx.Request) -> Any:
        (ticket,) = body(request)
        if "id" in ticket:
            stored = self.tickets[ticket["id"]]
            stored.update(ticket)
            stored["hasbeenclosed"] = stored.get("status_id") in CLOSED
            return reply(200, stored)
        ticket = {"id": 1000 + len(self.tickets), "status_id": 1, **ticket}
        self.tickets[ticket["id"]] = ticket
        return reply(201, ticket)

    def get_ticket(self, request: httpx.Request) -> Any:
        ticket_id = int(request.url.path.rsplit("/", 1)[1])
        return self.tickets.get(ticket_id) or reply(404, {"message": "Not found"})

    def search(self, request: httpx.Request) -> Any:
        wanted = request.url.params.get("search_supplier_reference", "")
        rows = [t for t in self.tickets.values() if wanted in t.get("supplier_reference", "")]
        if self.honour_ticketids and "ticketids" in request.url.params:
            ids = {int(i) for i in request.url.params["ticketids"].split(",")}
            rows = [t for t in self.tickets.values() if t["id"] in ids]
        return {"record_count": len(rows), "tickets": rows}

    def post_action(self, request: httpx.Request) -> Any:
        (action,) = body(request)
        if "outcome_id" not in action:
            return reply(400, {"message": "An Outcome must be entered for this Action"})
        self.actions.append(action)
        return reply(201, {"id": len(self.actions), **action})


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def desk(world: World, http_options: dict[str, Any]) -> HaloTicketDesk:
    return halo_desk(FakeHalo(world.routes()), http_options)


def new_ticket(reference: str = "psabridge:g1", **fields: Any) -> NewTicket:
    return NewTicket(reference, "12", "Ransomware on PC-1", "Blocked.", fields)


# --- validate ---------------------------------------------------------------------------------


def test_validate_ok(desk: HaloTicketDesk) -> None:
    result = desk.validate()
    assert (result.outcome, result.message) == ("ok", "Connected to HaloPSA.")


def test_validate_bad_secret_is_invalid_key(world: World, http_options: dict[str, Any]) -> None:
    desk = HaloTicketDesk.connect(
        INSTANCE,
        CLIENT_ID,
        SecretStr("wrong-secret-value"),
        transport=httpx.MockTransport(FakeHalo(world.routes())),
        **http_options,
    )
    result = desk.validate()
    assert result.outcome == "invalid_key"
    assert_no_secrets(result, extra=("wrong-secret-value",))


def test_validate_cannot_connect(world: World, http_options: dict[str, Any]) -> None:
    routes = {**world.routes(), "GET Agent/me": raising(httpx.ConnectError)}
    result = halo_desk(FakeHalo(routes), http_options).validate()
    assert result.outcome == "cannot_connect" and "cannot connect" in result.message


def test_validate_wrong_tenant_hints_at_the_tenant(
    world: World, http_options: dict[str, Any]
) -> None:
    fake = FakeHalo(world.routes(), token_route=lambda r: reply(500, {"message": "tenant"}))
    result = halo_desk(fake, http_options).validate()
    assert result.outcome == "cannot_connect" and "tenant" in result.message


def test_validate_names_the_missing_permissions(world: World, http_options: dict[str, Any]) -> None:
    denied = lambda r: reply(403, {"message": "denied"})  # noqa: E731
    routes = {**world.routes(), "GET Asset": denied, "GET RecurringInvoice": denied}
    result = halo_desk(FakeHalo(routes), http_options).validate()
    assert result.outcome == "missing_permission"
    assert result.missing_services == ("Assets", "Recurring invoices")
    assert "Assets, Recurring invoices" in result.message


def test_validate_never_raises_on_garbage(http_options: dict[str, Any]) -> None:
    fake = FakeHalo(token_route=lambda r: httpx.Response(200, text="<html>"))
    assert halo_desk(fake, http_options).validate().outcome == "cannot_connect"


# --- options and ticket types -----------------------------------------------------------------


def test_ticket_options_shapes(desk: HaloTicketDesk) -> None:
    options = desk.ticket_options()
    assert set(options) == {
        "ticket_types",
        "statuses",
        "slas",
        "priorities",
        "categories",
        "teams",
        "urgencies",
        "impacts",
        "outcomes",
    }
    closed = {o.id for o in options["statuses"] if o.extra["closed"]}
    assert closed == {"9", "21"}
    assert [(o.id, o.name, o.extra["sla_id"]) for o in options["priorities"]] == [
        ("1", "Critical", "1"),
        ("3", "High", "2"),
        ("4", "Low", "2"),
    ]
    assert [o.name for o in options["urgencies"]] == ["High", "Medium", "Low"]
    assert [o.name for o in options["impacts"]] == ["Company Wide", "Single User"]
    assert [o.name for o in options["categories"]] == ["Malware", "Hardware"]
    assert options["teams"][0].name == "Security"
    assert options["outcomes"][0].extra == {"hidden": False, "new_status_id": "9"}
    assert options["ticket_types"][0].id == "31"


def test_categories_per_ticket_type(desk: HaloTicketDesk) -> None:
    assert [c.name for c in desk.categories("31")] == ["Malware"]


def test_ticket_type_defaults_and_mandatory_fields(desk: HaloTicketDesk) -> None:
    assert desk.ticket_type("31") == TicketTypeInfo(
        id="31",
        name="Security Alert",
        initial_status_id="1",
        default_sla_id="2",
        default_priority_id="3",
        default_team="Security",
        default_category="Malware",
        default_impact="2",
        default_urgency=None,
        mandatory_fields=("category_1", "impact", "urgency"),
    )


def test_closed_status_ids(desk: HaloTicketDesk) -> None:
    assert desk.closed_status_ids() == {"9", "21"}


def test_clients_and_assets(desk: HaloTicketDesk) -> None:
    (client,) = desk.clients()
    assert (client.id, client.name, client.extra) == (
        "12",
        "Acme",
        {"inactive": False, "main_site_id": "40"},
    )
    assert desk.assets("12") == [
        Asset("500", "12", "PC-1", "10.0.0.1", "aa:bb", "pc-1.acme.test", "40", None, False)
    ]
    assert [s.name for s in desk.sites("12")] == ["HQ"]


# --- tickets ----------------------------------------------------------------------------------


def test_create_ticket_writes_our_reference_and_fields(world: World, desk: HaloTicketDesk) -> None:
    fields = {
        "tickettype_id": "31",
        "status_id": 1,
        "sla_id": "2",
        "priority_id": 3.0,
        "category_1": "Malware",
        "impact": "2",
        "urgency": 1,
        "team": "Security",
        "site_id": "40",
        "assets": ["500"],
    }
    ref = desk.create_ticket(new_ticket(**fields))
    assert (ref.id, ref.reference) == ("1000", "psabridge:g1")
    sent = world.tickets[1000]
    assert sent == {
        "id": 1000,
        "summary": "Ransomware on PC-1",
        "details": "Blocked.",
        "client_id": 12,
        "third_party_id_string": "psabridge:g1",
        "supplier_reference": "psabridge:g1",
        "tickettype_id": 31,
        "status_id": 1,
        "sla_id": 2,
        "priority_id": 3,
        "category_1": "Malware",
        "impact": 2,
        "urgency": 1,
        "team": "Security",
        "site_id": 40,
        "assets": [{"id": 500}],
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"colour": "red"}, "Unknown HaloPSA ticket fields: colour"),
        ({"priority_id": "high"}, "priority_id must be a number"),
        ({"sla_id": 2.5}, "whole number"),
    ],
)
def test_bad_ticket_fields_are_config_errors(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ticket_payload(new_ticket(**fields))


def test_empty_fields_are_left_to_the_type_defaults() -> None:
    payload = ticket_payload(new_ticket(sla_id=None, team="", tickettype_id=31))
    assert "sla_id" not in payload and "team" not in payload and payload["tickettype_id"] == 31


def test_ticket_state_open_and_closed(world: World, desk: HaloTicketDesk) -> None:
    ref = desk.create_ticket(new_ticket())
    state = desk.get_ticket_state(ref.id)
    assert (state.closed, state.status_id, state.reference) == (False, "1", "psabridge:g1")
    desk.close_ticket(ref.id)
    world.tickets[int(ref.id)]["dateclosed"] = "2025-10-01T08:00:00"
    state = desk.get_ticket_state(ref.id)
    assert (state.closed, state.status_id) == (True, "9")
    assert state.closed_at is not None and state.closed_at.isoformat().endswith("+00:00")


def test_closed_status_without_hasbeenclosed_counts_as_closed(
    world: World, desk: HaloTicketDesk
) -> None:
    world.tickets[5] = {"id": 5, "status_id": 21, "status_name": "Rejected"}
    state = desk.get_ticket_state("5")
    assert (state.closed, state.status) == (True, "Rejected")


@pytest.mark.parametrize("honour", [True, False], ids=["ticketids filter", "filter ignored"])
def test_ticket_states_in_one_call_or_one_by_one(
    world: World, http_options: dict[str, Any], honour: bool
) -> None:
    world.honour_ticketids = honour
    fake = FakeHalo(world.routes())
    desk = halo_desk(fake, http_options)
    first, second, *_ = [desk.create_ticket(new_ticket(f"psabridge:g{i}")) for i in range(4)]
    desk.close_ticket(second.id)
    before = len(fake.api("GET"))
    states = desk.ticket_states([first.id, second.id, "4242", "1000.0"])
    assert {k: v.closed for k, v in states.items()} == {"1000": False, "1001": True}
    lookups = [r.url.path for r in fake.api("GET")[before:] if "Tickets" in r.url.path]
    one_by_one = ["/api/Tickets/1000", "/api/Tickets/1001", "/api/Tickets/4242"]
    assert lookups == ["/api/Tickets", *([] if honour else one_by_one)]
    assert fake.api("GET")[before].url.params["ticketids"] == "1000,1001,4242"


def test_close_uses_the_closed_status_and_notes_first(world: World, desk: HaloTicketDesk) -> None:
    ref = desk.create_ticket(new_ticket())
    desk.close_ticket(ref.id, note="Threat blocked; closing.")
    assert world.tickets[int(ref.id)]["status_id"] == 9
    assert world.actions == [
        {
            "ticket_id": 1000,
            "outcome_id": 7,
            "note": "Threat blocked; closing.",
            "hiddenfromuser": True,
        }
    ]


def test_close_with_a_chosen_closed_status(world: World, desk: HaloTicketDesk) -> None:
    ref = desk.create_ticket(new_ticket())
    desk.close_ticket(ref.id, "21")
    assert world.tickets[int(ref.id)]["status_id"] == 21
    with pytest.raises(ConfigError, match="not a closed status"):
        desk.close_ticket(ref.id, status_id="2")


def test_close_without_a_closed_status_is_a_config_error(
    world: World, desk: HaloTicketDesk
) -> None:
    world.statuses = [s for s in STATUSES if s["name"] != "Closed"]  # Rejected is no substitute
    ref = desk.create_ticket(new_ticket())
    with pytest.raises(ConfigError, match="no Closed status"):
        desk.close_ticket(ref.id)
    assert world.tickets[int(ref.id)]["status_id"] == 1


def test_notes_use_the_configured_outcomes(world: World, desk: HaloTicketDesk) -> None:
    ref = desk.create_ticket(new_ticket())
    desk.add_note(ref.id, "private", private=True)
    desk.add_note(ref.id, "public", private=False)
    assert [(a["outcome_id"], a["hiddenfromuser"]) for a in world.actions] == [
        (7, True),
        (1, False),
    ]


def test_unknown_outcome_falls_back_to_a_visible_one_that_moves_no_status(
    world: World, http_options: dict[str, Any]
) -> None:
    desk = halo_desk(FakeHalo(world.routes()), http_options, note_outcome="Internal Note")
    desk.add_note("1", "n", private=True)
    assert world.actions[0]["outcome_id"] == 1  # not 3 "Close", not hidden 99


def test_no_outcome_at_all_is_a_config_error(world: World, desk: HaloTicketDesk) -> None:
    world.outcomes = [{"id": 99, "outcome": "System", "hidden": True}]
    with pytest.raises(ConfigError, match="no outcome"):
        desk.add_note("1", "n", private=False)


def test_find_ticket_by_reference_matches_exactly(world: World, desk: HaloTicketDesk) -> None:
    assert desk.find_ticket_by_reference("psabridge:g1") is None
    desk.create_ticket(new_ticket("psabridge:g10"))
    first = desk.create_ticket(new_ticket("psabridge:g1"))
    desk.create_ticket(new_ticket("psabridge:g1"))
    found = desk.find_ticket_by_reference("psabridge:g1")
    assert found is not None and (found.id, found.reference) == (first.id, "psabridge:g1")


def test_commit_then_reset_create_is_ambiguous_and_found_by_reference(
    world: World, http_options: dict[str, Any]
) -> None:
    def commit_then_reset(request: httpx.Request) -> Any:
        world.post_ticket(request)
        raise httpx.RemoteProtocolError("reset", request=request)

    desk = halo_desk(FakeHalo({**world.routes(), "POST Tickets": commit_then_reset}), http_options)
    with pytest.raises(TransientError) as raised:
        desk.create_ticket(new_ticket("psabridge:g7"))
    assert raised.value.ambiguous and len(world.tickets) == 1
    found = desk.find_ticket_by_reference("psabridge:g7")
    assert found is not None and found.id == "1000"


def test_paged_lists_are_bounded(world: World, http_options: dict[str, Any]) -> None:
    clients = [{"id": i, "name": f"C{i}"} for i in range(1, 2502)]
    routes = {**world.routes(), "GET Client": paged(clients, "clients")}
    desk = halo_desk(FakeHalo(routes), http_options)
    assert len(desk.clients()) == 2501
    bounded = HaloTicketDesk(desk.client, max_pages=2)
    with pytest.raises(TransientError, match="more than 2 pages"):
        bounded.clients()


def test_bare_array_pages_are_read_until_a_short_page(
    world: World, http_options: dict[str, Any]
) -> None:
    rows = [{"id": i} for i in range(1, 1001)]

    def bare(request: httpx.Request) -> Any:
        number = int(request.url.params["page_no"])
        return rows if number == 1 else [{"id": 1001}]

    desk = halo_desk(FakeHalo({**world.routes(), "GET Asset": bare}), http_options)
    assert len(desk.assets("12")) == 1001


# --- wiring -----------------------------------------------------------------------------------


def test_registry_builds_a_ticket_desk(world: World, records: list[CallRecord]) -> None:
    options = ConnectorOptions(
        audit=records.append, transport=httpx.MockTransport(FakeHalo(world.routes()))
    )
    settings = {
        "base_url": f"{INSTANCE}/api",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "auth_url": "",
        "tenant": None,
    }
    desk = create_connector("halopsa", settings, options)
    assert isinstance(desk, HaloTicketDesk)
    assert desk.validate().ok
    assert_no_secrets(*records, repr(desk))


def test_registry_accepts_secret_values_for_any_setting(world: World) -> None:
    options = ConnectorOptions(transport=httpx.MockTransport(FakeHalo(world.routes())))
    settings = {
        "base_url": INSTANCE,
        "client_id": SecretStr(CLIENT_ID),
        "client_secret": SecretStr(CLIENT_SECRET),
        "tenant": SecretStr(""),
    }
    desk = create_connector("halopsa", settings, options)
    assert isinstance(desk, HaloTicketDesk) and desk.client.client_id == CLIENT_ID
    assert desk.validate().ok


def test_registry_requires_the_secret() -> None:
    with pytest.raises(ConfigError, match="client_secret"):
        create_connector("halopsa", {"base_url": INSTANCE, "client_id": CLIENT_ID})


def test_halo_ticket_desk_implements_the_port(desk: HaloTicketDesk) -> None:
    port: TicketDesk = desk
    assert port is desk
