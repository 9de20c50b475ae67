"""ConnectWiseDesk over httpx.MockTransport: options, tickets, notes, states, closing, validate."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
from psabridge.connectors.errors import ConfigError, NotFoundError, TransientError
from psabridge.connectors.ports import NewTicket

from .cw_fake import FakeCw, assert_no_secrets, body, cw_desk, paged, reply

BOARDS = [
    {"id": 1, "name": "Security Alerts", "inactiveFlag": False},
    {"id": 2, "name": "Help Desk"},
    {"id": 3, "name": "Old board", "inactiveFlag": True},
]
STATUSES = {
    "1": [
        {"id": 11, "name": "New", "defaultFlag": True, "closedStatus": False},
        {"id": 12, "name": "Closed", "closedStatus": True},
        {"id": 13, "name": "Cancelled", "closedStatus": True},
    ],
    "2": [
        {"id": 21, "name": "New", "defaultFlag": True},
        {"id": 22, "name": "Done", "closedStatus": True},
    ],
}
PRIORITIES = [
    {"id": 1, "name": "Priority 1", "sortOrder": 1},
    {"id": 3, "name": "Priority 3", "sortOrder": 3, "defaultFlag": True},
]


def statuses(request: httpx.Request) -> Any:
    return STATUSES.get(request.url.path.split("/")[-2], [])


def desk_routes(**extra: Any) -> dict[str, Any]:
    return {
        "GET service/boards": lambda r: BOARDS,
        "GET service/boards/*": lambda r: next(
            b for b in BOARDS if str(b["id"]) == r.url.path.split("/")[-1]
        ),
        "GET service/boards/*/statuses": statuses,
        "GET service/boards/*/types": lambda r: [{"id": 5, "name": "Malware"}],
        "GET service/priorities": lambda r: PRIORITIES,
        **extra,
    }


def desk(fake: FakeCw, http_options: dict[str, Any]) -> ConnectWiseDesk:
    return cw_desk(fake, http_options)


def test_ticket_options(http_options: dict[str, Any]) -> None:
    options = desk(FakeCw(desk_routes()), http_options).ticket_options()
    assert [(o.id, o.name) for o in options["ticket_types"]] == [
        ("1", "Security Alerts"),
        ("2", "Help Desk"),
    ]
    assert [(o.id, o.extra["default"], o.extra["sort"]) for o in options["priorities"]] == [
        ("1", False, 1),
        ("3", True, 3),
    ]
    closed = {
        o.id: (o.extra["closed"], o.extra["default"], o.extra["board_id"])
        for o in options["statuses"]
    }
    assert closed == {
        "11": (False, True, "1"),
        "12": (True, False, "1"),
        "13": (True, False, "1"),
        "21": (False, True, "2"),
        "22": (True, False, "2"),
    }
    assert [o.id for o in options["severities"]] == ["Low", "Medium", "High"]
    assert [o.name for o in options["impacts"]] == ["Low", "Medium", "High"]


def test_categories_ticket_type_and_closed_ids(http_options: dict[str, Any]) -> None:
    d = desk(FakeCw(desk_routes()), http_options)
    assert [(c.id, c.name) for c in d.categories("1")] == [("5", "Malware")]
    info = d.ticket_type("1")
    assert (info.id, info.name, info.initial_status_id, info.default_priority_id) == (
        "1",
        "Security Alerts",
        "11",
        "3",
    )
    assert d.closed_status_ids() == {"12", "13", "22"}


def test_ticket_type_without_default_priority(http_options: dict[str, Any]) -> None:
    routes = desk_routes(**{"GET service/priorities": lambda r: [{"id": 1, "name": "P"}]})
    assert desk(FakeCw(routes), http_options).ticket_type("2").default_priority_id is None


def test_clients_with_status_flags(http_options: dict[str, Any]) -> None:
    companies = [
        {"id": 2, "identifier": "Acme", "name": "Acme", "status": {"id": 1, "name": "Active"}},
        {
            "id": 3,
            "identifier": "Beta",
            "name": "Beta",
            "status": {"id": 3, "name": "Not Approved"},
        },
        {"id": 4, "identifier": "Gone", "name": "Gone", "deletedFlag": True},
    ]
    company_statuses = [
        {"id": 1, "name": "Active", "defaultFlag": True},
        {"id": 2, "name": "Inactive", "inactiveFlag": True},
        {"id": 3, "name": "Not Approved", "disallowSavingFlag": True},
    ]
    fake = FakeCw(
        {
            "GET company/companies": paged(companies),
            "GET company/companies/statuses": lambda r: company_statuses,
        }
    )
    clients = desk(fake, http_options).clients()
    assert [(c.id, c.extra["disallow_saving"], c.extra["status"]) for c in clients] == [
        ("2", False, "Active"),
        ("3", True, "Not Approved"),
    ]
    assert clients[0].extra == {
        "identifier": "Acme",
        "inactive": False,
        "disallow_saving": False,
        "status": "Active",
        "status_id": "1",
    }
    (read,) = fake.api("GET", "company/companies")
    assert read.url.params["fields"] == "id,identifier,name,status,deletedFlag"
    assert read.url.params["pageSize"] == "1000"


CONFIGURATIONS = [
    {
        "id": 70,
        "name": "PC-1",
        "company": {"id": 2, "identifier": "Acme", "name": "Acme"},
        "ipAddress": "10.0.0.1",
        "macAddress": "00:11:22:33:44:55",
        "serialNumber": "SN1",
        "type": {"id": 1, "name": "Workstation"},
        "activeFlag": False,
    }
]


def test_assets(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"GET company/configurations": paged(CONFIGURATIONS)})
    d = desk(fake, http_options)
    (asset,) = d.assets("2")
    assert (asset.id, asset.company_id, asset.inventory_number) == ("70", "2", "PC-1")
    assert (asset.key_field, asset.key_field2, asset.key_field3) == (
        "10.0.0.1",
        "00:11:22:33:44:55",
        "SN1",
    )
    assert asset.asset_type == "Workstation" and asset.inactive
    d.assets(None)
    first, second = fake.api("GET", "company/configurations")
    assert first.url.params["conditions"] == "company/id=2"
    assert "conditions" not in second.url.params


def test_create_ticket_posts_once_and_attaches_configurations(http_options: dict[str, Any]) -> None:
    fake = FakeCw(
        {
            "POST service/tickets": lambda r: reply(201, {"id": 500, **body(r)}),
            "POST service/tickets/*/configurations": lambda r: reply(201, {"id": 70}),
        }
    )
    fields = {
        "board_id": "1",
        "type_id": "5",
        "priority_id": "3",
        "status_id": "",
        "severity": "high",
        "impact": "Low",
        "configuration_ids": ["70", "71"],
    }
    ticket = NewTicket("psabridge:g1", "2", "x" * 150, "details", fields)
    ref = desk(fake, http_options).create_ticket(ticket)
    assert (ref.id, ref.reference) == ("500", "psabridge:g1")
    (post,) = fake.api("POST", "service/tickets")
    assert body(post) == {
        "summary": "x" * 100,
        "company": {"id": 2},
        "board": {"id": 1},
        "type": {"id": 5},
        "priority": {"id": 3},
        "severity": "High",
        "impact": "Low",
        "initialDescription": "details",
        "externalXRef": "psabridge:g1",
    }
    links = fake.api("POST", "service/tickets/500/configurations")
    assert [body(r) for r in links] == [{"id": 70}, {"id": 71}]


def test_a_failed_configuration_link_does_not_fail_the_create(http_options: dict[str, Any]) -> None:
    fake = FakeCw(
        {
            "POST service/tickets": lambda r: reply(201, {"id": 500}),
            "POST service/tickets/*/configurations": lambda r: reply(
                400, {"code": "InvalidObject"}
            ),
        }
    )
    ticket = NewTicket("psabridge:g1", "2", "s", "d", {"board_id": "1", "configuration_ids": ["9"]})
    assert desk(fake, http_options).create_ticket(ticket).id == "500"


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"board_id": "x"},
        {"board_id": "1", "color": "red"},
        {"board_id": "1", "severity": "Huge"},
    ],
)
def test_bad_ticket_fields_are_refused_before_sending(
    fields: dict[str, Any], http_options: dict[str, Any]
) -> None:
    fake = FakeCw()
    with pytest.raises(ConfigError):
        desk(fake, http_options).create_ticket(NewTicket("psabridge:g1", "2", "s", "d", fields))
    assert fake.api() == []


def test_create_without_id_is_ambiguous(http_options: dict[str, Any]) -> None:
    fake = FakeCw({"POST service/tickets": lambda r: reply(201, {"summary": "s"})})
    ticket = NewTicket("psabridge:g1", "2", "s", "d", {"board_id": "1"})
    with pytest.raises(TransientError) as raised:
        desk(fake, http_options).create_ticket(ticket)
    assert raised.value.ambiguous
    assert len(fake.api("POST")) == 1


@pytest.mark.parametrize(
    ("private", "flag"), [(True, "internalAnalysisFlag"), (False, "detailDescriptionFlag")]
)
def test_add_note(private: bool, flag: str, http_options: dict[str, Any]) -> None:
    fake = FakeCw({"POST service/tickets/*/notes": lambda r: reply(201, {"id": 1})})
    desk(fake, http_options).add_note("500", "again", private=private)
    (post,) = fake.api("POST", "service/tickets/500/notes")
    assert body(post) == {"text": "again", flag: True}


def ticket(
    ticket_id: int, status_id: int, *, closed: bool = False, board: int = 1
) -> dict[str, Any]:
    status = next(s for s in STATUSES[str(board)] if s["id"] == status_id)
    return {
        "id": ticket_id,
        "board": {"id": board, "name": "Security Alerts"},
        "status": {"id": status_id, "name": status["name"]},
        "closedFlag": closed,
        "closedDate": "2026-01-02T03:04:05Z" if closed else None,
        "externalXRef": f"psabridge:{ticket_id}",
    }


def test_ticket_state_closed_from_flag_or_status(http_options: dict[str, Any]) -> None:
    tickets = {500: ticket(500, 11), 501: ticket(501, 12), 502: ticket(502, 11, closed=True)}
    routes = desk_routes(
        **{"GET service/tickets/*": lambda r: tickets[int(r.url.path.split("/")[-1])]}
    )
    d = desk(FakeCw(routes), http_options)
    assert not d.get_ticket_state("500").closed
    state = d.get_ticket_state("501")
    assert (state.closed, state.status, state.status_id, state.reference) == (
        True,
        "Closed",
        "12",
        "psabridge:501",
    )
    assert d.get_ticket_state("502").closed_at is not None


def test_ticket_states_in_chunks_leave_deleted_out(http_options: dict[str, Any]) -> None:
    tickets = {n: ticket(n, 11) for n in range(1000, 1400) if n != 1007}

    def listing(request: httpx.Request) -> Any:
        where = request.url.params["conditions"]
        wanted = [int(v) for v in where.removeprefix("id in (").rstrip(")").split(", ")]
        return [tickets[n] for n in wanted if n in tickets]

    fake = FakeCw(desk_routes(**{"GET service/tickets": listing}))
    states = desk(fake, http_options).ticket_states(str(n) for n in range(1000, 1400))
    assert len(states) == 399 and "1007" not in states
    reads = fake.api("GET", "service/tickets")
    assert len(reads) >= 2
    assert all(len(str(r.url)) < 2000 for r in reads)
    assert {r.url.params["pageSize"] for r in reads} == {"1000"}


def test_close_ticket_uses_the_board_closed_status(http_options: dict[str, Any]) -> None:
    routes = desk_routes(
        **{
            "GET service/tickets/*": lambda r: ticket(500, 11),
            "PATCH service/tickets/*": lambda r: ticket(500, 12),
            "POST service/tickets/*/notes": lambda r: reply(201, {"id": 1}),
        }
    )
    fake = FakeCw(routes)
    desk(fake, http_options).close_ticket("500", note="resolved")
    (patch,) = fake.api("PATCH")
    assert body(patch) == [{"op": "replace", "path": "status", "value": {"id": 12}}]
    (note,) = fake.api("POST")
    assert body(note) == {"text": "resolved", "internalAnalysisFlag": True}


def test_close_ticket_with_a_given_status(http_options: dict[str, Any]) -> None:
    routes = desk_routes(
        **{
            "GET service/tickets/*": lambda r: ticket(500, 11),
            "PATCH service/tickets/*": lambda r: ticket(500, 13),
        }
    )
    fake = FakeCw(routes)
    d = desk(fake, http_options)
    d.close_ticket("500", "13")
    assert body(fake.api("PATCH")[0])[0]["value"] == {"id": 13}
    with pytest.raises(ConfigError, match="not a closed status"):
        d.close_ticket("500", "11")


def test_close_ticket_on_a_board_without_closed_status(http_options: dict[str, Any]) -> None:
    routes = desk_routes(**{"GET service/tickets/*": lambda r: ticket(500, 21, board=2)})
    routes["GET service/tickets/*"] = lambda r: {
        **ticket(500, 21, board=2),
        "board": {"id": 2, "name": "Help Desk"},
    }
    fake = FakeCw(routes)
    with pytest.raises(ConfigError, match="board Help Desk has no Closed status"):
        desk(fake, http_options).close_ticket("500")
    assert fake.api("PATCH") == []


def test_find_ticket_by_reference(http_options: dict[str, Any]) -> None:
    found = [
        {"id": 9, "externalXRef": "psabridge:g1"},
        {"id": 7, "externalXRef": "psabridge:g1"},
        {"id": 5, "externalXRef": "psabridge:g10"},
    ]
    fake = FakeCw({"GET service/tickets": lambda r: found})
    d = desk(fake, http_options)
    ref = d.find_ticket_by_reference("psabridge:g1")
    assert ref is not None and ref.id == "7"
    assert fake.api()[0].url.params["conditions"] == 'externalXRef="psabridge:g1"'
    fake.routes["GET service/tickets"] = lambda r: []
    assert d.find_ticket_by_reference('odd"ref') is None
    assert fake.api()[-1].url.params["conditions"] == r'externalXRef="odd\"ref"'


def test_missing_ticket_is_not_found(http_options: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError):
        desk(FakeCw(desk_routes()), http_options).get_ticket_state("404")


def test_board_statuses_are_cached_for_a_minute(http_options: dict[str, Any], clock: Any) -> None:
    tickets = {500: ticket(500, 11)}
    routes = desk_routes(**{"GET service/tickets/*": lambda r: tickets[500]})
    fake = FakeCw(routes)
    d = ConnectWiseDesk(desk(fake, http_options).client, clock=clock.monotonic)
    for _ in range(3):
        d.get_ticket_state("500")
    assert len(fake.api("GET", "service/boards/1/statuses")) == 1
    clock.advance(61)
    d.get_ticket_state("500")
    assert len(fake.api("GET", "service/boards/1/statuses")) == 2


def test_reprs_hold_no_secret(http_options: dict[str, Any]) -> None:
    d = desk(FakeCw(), http_options)
    assert_no_secrets(repr(d), repr(d.client), repr(d.client.credentials))
