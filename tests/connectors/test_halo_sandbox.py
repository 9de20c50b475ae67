"""HaloTicketDesk against the real HaloPSA simulator, including the failure sweep."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from uuid import uuid4

import httpx
import pytest
from limits import RateLimitItemPerMinute
from pydantic import SecretStr

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.halopsa.adapter import HaloTicketDesk
from psabridge.connectors.http import CallRecord, RateBudget
from psabridge.connectors.ports import NewTicket
from psabridge.sandbox.runner import Sandbox

from .halo_fake import assert_no_secrets

SIM_LIMIT = 120  # requests per rolling 300 s: above any one test's use, small enough to exhaust
WORLD = {"seed": 7, "companies": 6, "endpoints": 120}
SECURITY_ALERT = {"tickettype_id": "2", "impact": "3", "urgency": "1"}


@dataclass
class Simulator:
    info: dict[str, str]

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.info['sandbox_url']}/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def inject(self, **fault: Any) -> None:
        self.control("POST", "faults", fault)

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def tickets(self, reference: str) -> list[dict[str, Any]]:
        return [t for t in self.state()["tickets"] if t.get("supplier_reference") == reference]

    @property
    def secret(self) -> str:
        return self.info["client_secret"]


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    with Sandbox(halo_rate_limit=(SIM_LIMIT, 300.0), **WORLD) as sandbox:
        yield Simulator(sandbox.info()["halopsa"])


@pytest.fixture(autouse=True)
def fresh_faults_and_limits(simulator: Simulator) -> Iterator[None]:
    simulator.control("DELETE", "faults")
    simulator.control("POST", "reset-limits")
    yield
    simulator.control("DELETE", "faults")
    simulator.control("POST", "statuses/restore")


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(
    simulator: Simulator, sleeps: list[float], records: list[CallRecord]
) -> Iterator[Callable[..., HaloTicketDesk]]:
    """Return a builder of desks on the simulator (auth server and tenant given); no real sleeps."""
    built: list[HaloTicketDesk] = []

    def build(**options: Any) -> HaloTicketDesk:
        info = simulator.info
        settings = {"auth_url": info["auth_url"], "tenant": info["tenant"]}
        options = {"sleeper": sleeps.append, "audit": records.append, **settings, **options}
        desk = HaloTicketDesk.connect(
            options.pop("base_url", info["base_url"]),
            options.pop("client_id", info["client_id"]),
            SecretStr(options.pop("client_secret", simulator.secret)),
            **options,
        )
        built.append(desk)
        return desk

    yield build
    for desk in built:
        desk.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def customer_id(desk: HaloTicketDesk) -> str:
    return next(c.id for c in desk.clients() if not c.extra["inactive"] and c.id != "1")


def new_ticket(desk: HaloTicketDesk, reference: str | None = None, **fields: Any) -> NewTicket:
    reference = reference or f"psabridge:{uuid4()}"
    return NewTicket(reference, customer_id(desk), "Ransomware on PC-1", "Blocked.", fields)


# --- validate ---------------------------------------------------------------------------------


def test_validate_ok(connect: Callable[..., HaloTicketDesk]) -> None:
    assert connect().validate().outcome == "ok"


def test_validate_discovers_auth_server_and_tenant(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk], records: list[CallRecord]
) -> None:
    base_url = simulator.info["base_url"] + "/api/"  # the API URL is accepted as well
    result = connect(auth_url=None, tenant=None, base_url=base_url).validate()
    assert result.outcome == "ok"
    assert [r.operation for r in records][:3] == ["authinfo", "token", "Agent.me"]


def test_validate_bad_secret(connect: Callable[..., HaloTicketDesk]) -> None:
    result = connect(client_secret="not-the-secret").validate()
    assert result.outcome == "invalid_key"


def test_validate_unknown_client_id(connect: Callable[..., HaloTicketDesk]) -> None:
    assert connect(client_id=str(uuid4())).validate().outcome == "invalid_key"


def test_validate_closed_port(connect: Callable[..., HaloTicketDesk]) -> None:
    url = closed_port_url()
    result = connect(base_url=url, auth_url=f"{url}/auth").validate()
    assert result.outcome == "cannot_connect"


def test_validate_wrong_tenant(connect: Callable[..., HaloTicketDesk]) -> None:
    result = connect(tenant="someone-else").validate()
    assert result.outcome == "cannot_connect" and "tenant" in result.message


def test_validate_missing_permission(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk]
) -> None:
    app = simulator.control("POST", "apps", {"scopes": "read:tickets edit:tickets read:assets"})
    result = connect(client_id=app["client_id"], client_secret=app["client_secret"]).validate()
    assert result.outcome == "missing_permission"
    assert result.missing_services == ("Customers", "Items", "Recurring invoices")


# --- configuration ----------------------------------------------------------------------------


def test_ticket_options_shapes(connect: Callable[..., HaloTicketDesk]) -> None:
    options = connect().ticket_options()
    closed = {o.name for o in options["statuses"] if o.extra["closed"]}
    assert closed == {"Closed", "Rejected"}
    assert {o.name for o in options["ticket_types"]} >= {"Incident", "Security Alert"}
    security = [(o.id, o.name) for o in options["priorities"] if o.extra["sla_id"] == "2"]
    assert security == [("1", "Critical"), ("2", "High"), ("3", "Medium")]
    assert [o.name for o in options["urgencies"]] == ["High", "Medium", "Low"]
    assert "Single User Affected" in {o.name for o in options["impacts"]}
    assert {"Private Note", "Public Note"} <= {o.name for o in options["outcomes"]}
    assert "Security Operations" in {o.name for o in options["teams"]}
    assert {o.name for o in options["categories"]} >= {"Malware", "Hardware"}
    assert all(isinstance(o.id, str) for values in options.values() for o in values)


def test_categories_per_ticket_type(connect: Callable[..., HaloTicketDesk]) -> None:
    names = {c.name for c in connect().categories("2")}
    assert "Malware" in names and "Hardware" not in names


def test_ticket_type_defaults_and_mandatory_fields(connect: Callable[..., HaloTicketDesk]) -> None:
    desk = connect()
    info = desk.ticket_type("2")
    assert (info.name, info.default_sla_id, info.default_team) == (
        "Security Alert",
        "2",
        "Security Operations",
    )
    assert info.initial_status_id == "1" and info.default_category == "Malware"
    assert info.mandatory_fields == ("category_1", "impact", "urgency")
    assert desk.ticket_type("1").default_urgency == "2"
    with pytest.raises(NotFoundError):
        desk.ticket_type("999")


def test_closed_status_ids(connect: Callable[..., HaloTicketDesk]) -> None:
    assert connect().closed_status_ids() == {"9", "21"}


def test_clients_and_assets(connect: Callable[..., HaloTicketDesk]) -> None:
    desk = connect()
    clients = desk.clients()
    assert any(c.extra["inactive"] for c in clients)
    assert all(c.extra["main_site_id"] for c in clients)
    assets = [a for c in clients for a in desk.assets(c.id)]
    assert assets and all(a.inventory_number and a.company_id for a in assets)
    everyone = desk.assets(None)
    assert sorted(a.id for a in everyone) == sorted(a.id for a in assets)


# --- tickets ----------------------------------------------------------------------------------


def test_create_read_note_close_and_find(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk]
) -> None:
    desk = connect()
    ticket = new_ticket(desk, **SECURITY_ALERT)
    ref = desk.create_ticket(ticket)
    (stored,) = simulator.tickets(ticket.reference)
    assert stored["third_party_id_string"] == ticket.reference
    assert (stored["team"], stored["category_1"], stored["sla_id"]) == (
        "Security Operations",
        "Malware",
        2,
    )
    state = desk.get_ticket_state(ref.id)
    assert (state.closed, state.status, state.reference) == (False, "New", ticket.reference)

    desk.add_note(ref.id, "seen again (psabridge note n-1)", private=True)
    desk.add_note(ref.id, "we are on it", private=False)
    assert desk.find_note(ref.id, "psabridge note n-1") and not desk.find_note(ref.id, "n-2")
    desk.close_ticket(ref.id, note="blocked; closing")

    state = desk.get_ticket_state(ref.id)
    assert (state.closed, state.status_id) == (True, "9")
    assert state.closed_at is not None and state.closed_at.tzinfo == UTC
    (stored,) = simulator.tickets(ticket.reference)
    notes = [(a["note"], a["hiddenfromuser"], a["outcome_id"]) for a in stored["actions"]]
    assert notes[-3:] == [
        ("seen again (psabridge note n-1)", True, 7),
        ("we are on it", False, 1),
        ("blocked; closing", True, 7),
    ]
    found = desk.find_ticket_by_reference(ticket.reference)
    assert found is not None and found.id == ref.id
    assert desk.find_ticket_by_reference(f"psabridge:{uuid4()}") is None
    other = desk.create_ticket(new_ticket(desk, **SECURITY_ALERT))
    states = desk.ticket_states([ref.id, other.id, "999999"])
    assert {k: v.closed for k, v in states.items()} == {ref.id: True, other.id: False}


def test_missing_mandatory_field_is_a_config_error_with_halos_message(
    connect: Callable[..., HaloTicketDesk],
) -> None:
    desk = connect()
    with pytest.raises(ConfigError, match="Impact is mandatory for tickets of type Security"):
        desk.create_ticket(new_ticket(desk, tickettype_id="2"))


def test_missing_ticket_is_not_found(connect: Callable[..., HaloTicketDesk]) -> None:
    with pytest.raises(NotFoundError):
        connect().get_ticket_state("999999")


def test_no_closed_status_is_a_config_error(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk]
) -> None:
    desk = connect()
    ref = desk.create_ticket(new_ticket(desk, **SECURITY_ALERT))
    simulator.control("POST", "statuses/remove", {"name": "Closed"})
    with pytest.raises(ConfigError, match="no Closed status"):
        desk.close_ticket(ref.id)
    assert desk.get_ticket_state(ref.id).closed is False


def test_expired_token_is_refreshed_once(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk], records: list[CallRecord]
) -> None:
    desk = connect()
    desk.closed_status_ids()
    issued = simulator.state()["tokens_issued"]
    simulator.control("POST", "tokens/expire")
    assert desk.closed_status_ids() == {"9", "21"}
    assert simulator.state()["tokens_issued"] == issued + 1
    statuses = [(r.operation, r.status) for r in records if r.operation != "token"][-3:]
    assert statuses == [("Status.list", 401), ("Status.list", 200), ("Status.list", 200)]


# --- rate limits ------------------------------------------------------------------------------


def test_simulator_429_is_raised_with_retry_after(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk]
) -> None:
    desk = connect()
    with pytest.raises(RateLimitedError) as raised:
        for _ in range(SIM_LIMIT + 1):
            desk.client.statuses()
    assert not raised.value.local and (raised.value.retry_after or 0) > 30
    assert simulator.state()["rate_limited"] >= 1


def test_our_budget_refuses_before_the_simulator_would(
    simulator: Simulator, connect: Callable[..., HaloTicketDesk]
) -> None:
    budget = RateBudget("memory://", f"halo-sandbox-{uuid4()}")
    item = RateLimitItemPerMinute(SIM_LIMIT, 5)  # the tenant's limit, as configured
    desk = connect(budget=budget, rate_limits={"default": item}, rate_max_wait=0.0)
    before = simulator.state()["rate_limited"]
    with pytest.raises(RateLimitedError) as raised:
        for _ in range(SIM_LIMIT + 1):
            desk.client.statuses()
    assert raised.value.local
    assert simulator.state()["rate_limited"] == before


# --- the failure sweep through fault injection -------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    fault: dict[str, Any] | None  # None: the connection itself fails
    error: type[ConnectorError] | None  # None: recovered
    statuses: tuple[int | None, ...]  # per /api/Client attempt
    sleeps: str  # "none", "backoff" or a fixed number of seconds


def status(code: int, times: int = 1, **extra: Any) -> dict[str, Any]:
    return {"mode": "status", "status": code, "times": times, **extra}


TIMEOUT = {"mode": "timeout", "latency_ms": 1500, "times": 4}
NO_ANSWER = (None,) * 4

CASES = [
    Case("timeout", TIMEOUT, TransientError, NO_ANSWER, "backoff"),
    Case("connection error", None, TransientError, NO_ANSWER, "backoff"),
    Case("connection reset", {"mode": "reset", "times": 4}, TransientError, NO_ANSWER, "backoff"),
    Case("401 twice", status(401, 2), AuthError, (401, 401), "none"),
    Case("401 once: refreshed", status(401), None, (401, 200), "none"),
    Case("403", status(403), PermissionDeniedError, (403,), "none"),
    Case("404", status(404), NotFoundError, (404,), "none"),
    Case("429 no Retry-After", status(429, 4), RateLimitedError, (429,) * 4, "backoff"),
    Case("429 Retry-After 2", status(429, retry_after=2), None, (429, 200), "2"),
    Case("429 Retry-After 120", status(429, retry_after=120), RateLimitedError, (429,), "none"),
    Case("500", status(500, 4), TransientError, (500,) * 4, "backoff"),
    Case("500 then recovered", status(500, 2), None, (500, 500, 200), "backoff"),
    Case("non-JSON body", {"mode": "non_json"}, ConfigError, (200,), "none"),
    Case("short page", {"mode": "short_page"}, TransientError, (200,), "none"),
]


def run_case(case: Case, simulator: Simulator, connect: Callable[..., HaloTicketDesk]) -> Any:
    options: dict[str, Any] = {"timeout": httpx.Timeout(0.5, connect=0.5)}
    if case.fault is None:  # nothing listens: the first call (the token) cannot connect
        url = closed_port_url()
        options.update(base_url=url, auth_url=f"{url}/auth")
    desk = connect(**options)
    if case.fault is not None:
        desk.client.authenticate()  # the token call is not under test here
        simulator.inject(path="/api/Client", method="GET", **case.fault)
    return desk.clients()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_sweep_through_the_simulator(
    case: Case,
    simulator: Simulator,
    connect: Callable[..., HaloTicketDesk],
    sleeps: list[float],
    records: list[CallRecord],
) -> None:
    raised: Any = None
    if case.error is None:
        assert run_case(case, simulator, connect)
    else:
        with pytest.raises(case.error) as info:
            run_case(case, simulator, connect)
        raised = info.value
        assert type(raised) is case.error
    operation = "token" if case.fault is None else "Client.list"
    api = [r for r in records if r.operation == operation]
    assert tuple(r.status for r in api) == case.statuses
    if case.sleeps == "none":
        assert sleeps == []
    elif case.sleeps == "backoff":
        assert len(sleeps) == sum(r.attempt > 1 for r in api) and all(
            0.5 <= s <= 30 for s in sleeps
        )
    else:
        assert sleeps == [float(case.sleeps)]
    assert_no_secrets(raised, *records, extra=(simulator.secret,))


# --- creates after ambiguous failures ----------------------------------------------------------


def landed(simulator: Simulator, reference: str, expected: int) -> list[dict[str, Any]]:
    """Return the tickets carrying `reference`, waiting (up to 5 s) for a delayed commit."""
    deadline = time.monotonic() + 5.0
    while True:
        tickets = simulator.tickets(reference)
        if len(tickets) >= expected or time.monotonic() > deadline:
            return tickets
        time.sleep(0.05)


CREATE_FAULTS = [
    ("commit_then_reset", {"mode": "commit_then_reset"}, 1),
    ("commit_then_500", {"mode": "commit_then_500"}, 1),
    ("timeout, committed later", {"mode": "latency", "latency_ms": 800}, 1),
    ("reset before commit", {"mode": "reset"}, 0),
    ("500 before commit", {"mode": "status", "status": 500}, 0),
]


@pytest.mark.parametrize(
    ("name", "fault", "committed"), CREATE_FAULTS, ids=[f[0] for f in CREATE_FAULTS]
)
def test_ambiguous_create_is_not_repeated_and_is_found_by_reference(
    name: str,
    fault: dict[str, Any],
    committed: int,
    simulator: Simulator,
    connect: Callable[..., HaloTicketDesk],
) -> None:
    desk = connect(timeout=httpx.Timeout(0.5, connect=0.5))
    ticket = new_ticket(desk, **SECURITY_ALERT)
    simulator.inject(path="/api/Tickets", method="POST", **fault)
    before = simulator.state()["calls"].get("POST /api/Tickets", 0)
    with pytest.raises(TransientError) as raised:
        desk.create_ticket(ticket)
    assert raised.value.ambiguous
    sent = simulator.state()["calls"]["POST /api/Tickets"] - before
    assert sent == 1  # sent once, never repeated
    assert len(landed(simulator, ticket.reference, committed)) == committed
    found = desk.find_ticket_by_reference(ticket.reference)
    assert (found is not None) is bool(committed)
    if found is None:  # nothing landed: creating now is safe and makes exactly one ticket
        desk.create_ticket(ticket)
    assert len(simulator.tickets(ticket.reference)) == 1
