"""AutotaskClient end to end against the Autotask simulator, plus the query builder's checks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.autotask import query as q
from psabridge.connectors.autotask.client import AutotaskClient
from psabridge.connectors.autotask.validation import validate
from psabridge.connectors.errors import AuthError, ConfigError, TransientError
from psabridge.connectors.http import CallRecord
from psabridge.sandbox.autotask import AutotaskSimulator, sources_from_gravityzone
from psabridge.sandbox.gravityzone import GravityZoneSimulator
from psabridge.sandbox.serving import BackgroundServer

from .conftest import FakeClock


class Sim:
    """The served simulator: its connection info and the /_sandbox/ inspection API."""

    def __init__(self, sim: AutotaskSimulator, root: str) -> None:
        self.sim, self.root = sim, root
        self.info = sim.info(root)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.info['sandbox_url']}/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def fault(self, **spec: Any) -> None:
        self.control("POST", "faults", spec)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the API directly (test setup the client does not offer, e.g. contracts)."""
        creds = self.sim.credentials
        headers = {
            "ApiIntegrationCode": creds.integration_code,
            "UserName": creds.username,
            "Secret": creds.secret,
        }
        url = f"{self.info['api_url']}V1.0/{path}"
        response = httpx.request(method, url, json=body, headers=headers)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def served() -> Iterator[Sim]:
    sources = sources_from_gravityzone(GravityZoneSimulator(seed=7).world)
    sim = AutotaskSimulator(sources=sources, threshold=None)  # thread limit 3 stays on
    server = BackgroundServer(sim)
    sim.start_background()
    server.start()
    yield Sim(sim, server.root_url)
    sim.stop_background()
    server.stop()


@pytest.fixture
def at(served: Sim) -> Sim:
    served.control("POST", "reset")
    return served


@pytest.fixture
def connect(at: Sim, http_options: dict[str, Any]) -> Iterator[Callable[..., AutotaskClient]]:
    built: list[AutotaskClient] = []

    def build(**overrides: Any) -> AutotaskClient:
        info = {**at.info, **overrides}
        client = AutotaskClient.connect(
            info["username"],
            SecretStr(info["secret"]),
            SecretStr(info["integration_code"]),
            zone_lookup_url=info["zone_lookup_url"],
            **http_options,
        )
        built.append(client)
        return client

    yield build
    for client in built:
        client.close()


@pytest.fixture
def client(connect: Callable[..., AutotaskClient]) -> AutotaskClient:
    return connect()


def ops(records: list[CallRecord], operation: str) -> list[CallRecord]:
    return [r for r in records if r.operation == operation]


def assert_no_secrets(at: Sim, *texts: object) -> None:
    for text in texts:
        assert at.sim.credentials.secret not in str(text)
        assert at.sim.credentials.integration_code not in str(text)


# --- zone discovery and auth (reference §1) -----------------------------------------------------


def test_zone_is_discovered_once_and_names_the_api_root(
    client: AutotaskClient, at: Sim, records: list[CallRecord]
) -> None:
    client.companies(q.eq("id", 0))
    client.services()
    assert client.api_base() == f"{at.root}/ATServicesRest/V1.0"
    assert len(ops(records, "zoneInformation")) == 1
    zone_calls = [n for k, n in at.state()["calls"].items() if "zoneinformation" in k.lower()]
    assert zone_calls == [1]


def test_wrong_secret_is_an_auth_error_without_leaking_it(
    connect: Callable[..., AutotaskClient], at: Sim, records: list[CallRecord]
) -> None:
    client = connect(secret="not-the-secret-at-all")
    with pytest.raises(AuthError) as raised:
        client.companies()
    assert len(ops(records, "zoneInformation")) == 2  # one re-read after the 401, same zone
    assert_no_secrets(at, raised.value, *records, repr(client))


def test_unknown_user_fails_at_zone_discovery(connect: Callable[..., AutotaskClient]) -> None:
    with pytest.raises(AuthError, match="does not know"):
        connect(username="someone-else@example.com").companies()


# --- queries and paging (reference §2.2, §2.3) --------------------------------------------------


def test_nested_query_returns_what_the_filter_says(client: AutotaskClient) -> None:
    everyone = client.companies()
    named = [c for c in everyone if c.company_name and c.id > 0][:2]
    active_b = [c for c in everyone if c.company_name.lower().startswith("b") and c.is_active]
    found = client.companies(
        q.any_of(
            q.eq("companyName", named[0].company_name),
            q.eq("id", named[1].id),
            q.all_of(q.cond("companyName", "beginsWith", "B"), q.eq("isActive", True)),
        ),
        fields=["companyName", "isActive"],
    )
    expected = {named[0].id, named[1].id} | {c.id for c in active_b}
    assert {c.id for c in found} == expected
    assert len(everyone) > 3


def _long_contract(at: Sim) -> int:
    """Add a 50-year monthly recurring contract with one service: 600 unit rows."""
    contract = {
        "companyID": 0,
        "contractName": "Long",
        "contractType": 7,
        "status": 1,
        "startDate": "2000-01-01",
        "endDate": "2049-12-31",
        "timeReportingRequiresStartAndStopTimes": 0,
    }
    contract_id = int(at.api("POST", "Contracts", contract)["itemId"])
    at.api("POST", f"Contracts/{contract_id}/Services", {"serviceID": 1})
    return contract_id


def test_paging_over_500_records_reposts_the_body(
    client: AutotaskClient, at: Sim, records: list[CallRecord]
) -> None:
    contract_id = _long_contract(at)
    units = client.contract_service_units(contract_id)
    assert len(units) == 600
    assert len({u.id for u in units}) == 600
    assert units[0].start_date == date(2000, 1, 1) and units[-1].end_date == date(2049, 12, 31)
    assert len(ops(records, "ContractServiceUnits.query")) == 2
    assert at.state()["calls"].get("GET /ContractServiceUnits/query/next", 0) == 0


def test_a_short_page_from_the_server_is_refused(client: AutotaskClient, at: Sim) -> None:
    contract_id = _long_contract(at)
    at.fault(path="/ContractServiceUnits/query", method="POST", mode="short_page", times=1)
    with pytest.raises(TransientError, match="Incomplete contract units"):
        client.contract_service_units(contract_id)


def test_query_builder_refuses_bad_queries() -> None:
    with pytest.raises(ConfigError):
        q.query().body()  # no condition: 500 or, with [], no rows at all
    with pytest.raises(ConfigError):
        q.query(q.every(), max_records=501).body()
    with pytest.raises(ConfigError):
        q.cond("id", "ne", 1)
    with pytest.raises(ConfigError):
        q.cond("id or 1", "eq", 1)
    with pytest.raises(ConfigError):
        q.cond("id", "in", [])
    with pytest.raises(ConfigError):
        q.cond("id", "exist", 1)
    with pytest.raises(ConfigError):
        q.query(q.any_of(*[q.eq("id", i) for i in range(501)])).body()
    with pytest.raises(ConfigError):
        q.query(q.udf("A", "eq", "x"), q.all_of(q.udf("B", "eq", "y"))).body()


def test_query_body_shape() -> None:
    body = q.query(
        q.eq("companyID", 5),
        q.any_of(
            q.cond("lastActivityDate", "gte", datetime(2026, 1, 2, 3, 4, 5)),
            q.cond("x", "notExist"),
        ),
        fields=["title"],
        max_records=50,
    ).body()
    assert body == {
        "MaxRecords": 50,
        "filter": [
            {"op": "eq", "field": "companyID", "value": 5},
            {
                "op": "or",
                "items": [
                    {"op": "gte", "field": "lastActivityDate", "value": "2026-01-02T03:04:05Z"},
                    {"op": "notExist", "field": "x"},
                ],
            },
        ],
        "IncludeFields": ["id", "title"],
    }
    chunks = list(q.in_chunks("id", range(1000)))
    assert [len(c["value"]) for c in chunks] == [400, 400, 200]


# --- billing (reference §3.2-§3.6) --------------------------------------------------------------


def test_adjustment_then_units_read_back(client: AutotaskClient, at: Sim) -> None:
    case = at.state()["scenario"]["cases"]
    company_id = next(c["psa_company_id"] for name, c in case.items() if name == "removed_service")
    (contract,) = client.contracts(company_id=company_id, contract_type=7, status=1)
    (service,) = client.services(q.eq("name", "Bitdefender GravityZone EDR"))
    today = datetime.fromisoformat(at.state()["now"].replace("Z", "+00:00")).date()
    first = today.replace(day=1)
    assert client.contract_service_units(contract.id, service_id=service.id, on=first) == []

    item_id = client.create_service_adjustment(
        contract.id,
        {"serviceID": service.id, "unitChange": 7, "effectiveDate": f"{first}T00:00:00Z"},
    )
    assert item_id > 0
    (row,) = client.contract_service_units(contract.id, service_id=service.id, on=first)
    assert row.units == 7 and row.start_date == first
    services = client.contract_services(contract_id=contract.id, service_id=service.id)
    assert [s.service_id for s in services] == [service.id]  # auto-created (reference §3.5)


def test_refused_adjustment_carries_the_server_text(client: AutotaskClient, at: Sim) -> None:
    contract_id = _long_contract(at)
    with pytest.raises(ConfigError) as raised:
        client.create_service_adjustment(
            contract_id, {"serviceID": 1, "unitChange": -5, "effectiveDate": "2030-01-01"}
        )
    assert "Autotask PSA refused contract service adjustments" in str(raised.value)
    assert len(str(raised.value)) < 300


# --- tickets, notes, picklists, CIs, thresholds (reference §2.6, §2.7, §3.8-§3.11) ---------------


def test_ticket_and_note_create_query_and_status(client: AutotaskClient, at: Sim) -> None:
    ticket_id = client.create_ticket(
        {
            "companyID": 0,
            "title": "Malware found",
            "status": 1,
            "priority": 2,
            "externalID": "psab-123",
        }
    )
    (found,) = client.tickets_by_reference("psab-123")
    assert found.id == ticket_id and found.title == "Malware found"
    assert [t.id for t in client.tickets_by_ids([ticket_id, 999999])] == [ticket_id]

    note_id = client.create_note(
        ticket_id,
        {"title": "Seen again", "description": "psab-123 #2", "noteType": 1, "publish": 2},
    )
    (note,) = client.notes(ticket_id)
    assert note.id == note_id and note.description == "psab-123 #2" and note.publish == 2

    assert client.set_ticket_status(ticket_id, 5) == ticket_id
    ticket = client.ticket(ticket_id)
    assert ticket.status == 5 and ticket.completed_date is not None
    (stored,) = [t for t in at.state()["tickets"] if t["id"] == ticket_id]
    assert [n["id"] for n in stored["notes"]] == [note_id]


def test_ticket_validation_error_names_the_field(client: AutotaskClient) -> None:
    with pytest.raises(ConfigError, match="title"):
        client.create_ticket({"companyID": 0, "status": 1, "priority": 2})


def test_picklists(client: AutotaskClient) -> None:
    statuses = {v.value: v.label for v in client.picklist("Tickets", "status")}
    assert statuses[5] == "Complete"
    assert {v.value for v in client.picklist("Tickets", "subIssueType", parent_value=1)} == {
        10,
        11,
        12,
    }
    assert any(v.is_default_value for v in client.picklist("Tickets", "queueID"))
    assert client.picklist("Tickets", "priority") and client.picklist("Tickets", "source")
    assert client.picklist("Tickets", "issueType")
    assert {v.value for v in client.picklist("TicketNotes", "publish")} >= {1, 2}
    assert client.picklist("TicketNotes", "noteType")


def test_configuration_items_of_a_company(client: AutotaskClient) -> None:
    company = next(c for c in client.companies() if c.id > 0 and client.configuration_items(c.id))
    items = client.configuration_items(company.id)
    assert items and all(i.company_id == company.id and i.is_active for i in items)
    assert all(i.reference_title for i in items)


def test_threshold_information(client: AutotaskClient) -> None:
    info = client.threshold_information()
    assert info.request_threshold_timeframe == 60


# --- the thread limit (reference §2.7) -----------------------------------------------------------


def test_concurrent_callers_stay_under_the_thread_limit(client: AutotaskClient, at: Sim) -> None:
    client.zone()
    at.fault(path="/Companies/query", method="POST", mode="latency", latency_ms=300, times=6)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.companies(q.eq("id", 0))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert at.state()["threads"]["refused"] == 0


# --- validation ---------------------------------------------------------------------------------


def test_validate_ok(client: AutotaskClient) -> None:
    result = validate(client)
    assert result.outcome == "ok", result.message


@pytest.mark.parametrize(
    ("override", "value"),
    [("secret", "wrong"), ("integration_code", "WRONGCODE"), ("username", "x@example.com")],
)
def test_validate_invalid_credentials(
    override: str, value: str, connect: Callable[..., AutotaskClient], at: Sim
) -> None:
    result = validate(connect(**{override: value}))
    assert result.outcome == "invalid_key"
    assert_no_secrets(at, result.message)


def test_validate_unreachable_zone(connect: Callable[..., AutotaskClient]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lookup = f"http://127.0.0.1:{port}/atservicesrest/v1.0/zoneInformation"
    result = validate(connect(zone_lookup_url=lookup))
    assert result.outcome == "cannot_connect"
    assert "Cannot connect" in result.message


def test_validate_names_missing_permissions(
    connect: Callable[..., AutotaskClient], at: Sim, clock: FakeClock
) -> None:
    at.fault(path="/Contracts/entityInformation", method="GET", mode="status", status=403, times=1)
    result = validate(connect())
    assert result.outcome == "missing_permission"
    assert result.missing_services == ("Contracts: query",)
