"""ConnectWiseDesk and ConnectWiseBilling against the real ConnectWise PSA simulator."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
from psabridge.connectors.connectwise.billing import ConnectWiseBilling
from psabridge.connectors.errors import (
    AuthError,
    CompanyBlockedError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.http import CallRecord
from psabridge.connectors.ports import NewTicket
from psabridge.connectors.ports_agreements import NewAddition, ServiceTicket
from psabridge.sandbox.runner import Sandbox

pytestmark = pytest.mark.slow
GZ_ENDPOINT = "1"  # the catalog's GZ-ENDPOINT
MANAGED_SECURITY = "1"
SECURITY_ALERTS = "1"


@dataclass
class Simulator:
    info: dict[str, str]

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.info['sandbox_url']}/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def case(self, name: str) -> str:
        return str(self.state()["scenario"]["cases"][name]["psa_company_id"])

    def today(self) -> date:
        return datetime.strptime(self.state()["now"], "%Y-%m-%dT%H:%M:%SZ").date()

    def secrets(self) -> tuple[str, ...]:
        return (self.info["private_key"], self.info["public_key"])


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    with Sandbox(rate_limits=False, companies=8, endpoints=80) as sandbox:
        yield Simulator(sandbox.info()["connectwise"])


@pytest.fixture(autouse=True)
def clean_knobs(simulator: Simulator) -> Iterator[None]:
    yield
    simulator.control("DELETE", "faults")
    simulator.control("POST", "modules/allow", {})
    simulator.control("POST", "priorities/limited", {"limited": False})


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(
    simulator: Simulator, sleeps: list[float], records: list[CallRecord]
) -> Iterator[Callable[..., ConnectWiseDesk]]:
    built: list[ConnectWiseDesk] = []

    def build(**overrides: Any) -> ConnectWiseDesk:
        info = {**simulator.info, **overrides}
        desk = ConnectWiseDesk.connect(
            info["site_url"],
            info["company_id"],
            SecretStr(info["public_key"]),
            SecretStr(info["private_key"]),
            info["client_id"],
            sleeper=sleeps.append,
            audit=records.append,
        )
        built.append(desk)
        return desk

    yield build
    for desk in built:
        desk.close()


@pytest.fixture
def desk(connect: Callable[..., ConnectWiseDesk]) -> ConnectWiseDesk:
    return connect()


@pytest.fixture
def billing(desk: ConnectWiseDesk) -> ConnectWiseBilling:
    return ConnectWiseBilling(desk.client)


def assert_no_secrets(simulator: Simulator, *texts: object) -> None:
    for text in texts:
        for secret in simulator.secrets():
            assert secret not in str(text)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- validate -----------------------------------------------------------------------------------


def test_validate_ok(desk: ConnectWiseDesk, billing: ConnectWiseBilling) -> None:
    assert desk.validate().outcome == "ok"
    assert billing.validate().outcome == "ok"


@pytest.mark.parametrize("override", ["private_key", "public_key", "client_id"])
def test_validate_invalid_key(
    override: str, connect: Callable[..., ConnectWiseDesk], simulator: Simulator
) -> None:
    result = connect(**{override: "not-the-right-one"}).validate()
    assert result.outcome == "invalid_key"
    assert_no_secrets(simulator, result.message)


def test_validate_unknown_company(connect: Callable[..., ConnectWiseDesk]) -> None:
    result = connect(company_id="nobody").validate()
    assert result.outcome == "invalid_key"
    assert "company id 'nobody'" in result.message


def test_validate_cannot_connect(connect: Callable[..., ConnectWiseDesk]) -> None:
    assert connect(site_url=closed_port_url()).validate().outcome == "cannot_connect"


def test_validate_missing_permission(simulator: Simulator, desk: ConnectWiseDesk) -> None:
    simulator.control("POST", "modules/deny", {"module": "finance"})
    simulator.control("POST", "modules/deny", {"module": "procurement"})
    result = desk.validate()
    assert result.outcome == "missing_permission"
    assert result.missing_services == ("Finance > Agreements", "Procurement > Product Catalog")


# --- configuration and companies ----------------------------------------------------------------


def test_ticket_options_and_board_defaults(desk: ConnectWiseDesk) -> None:
    options = desk.ticket_options()
    assert [o.name for o in options["ticket_types"]] == ["Security Alerts", "Help Desk"]
    defaults = [o for o in options["priorities"] if o.extra["default"]]
    assert len(defaults) == 1
    closed = {o.id for o in options["statuses"] if o.extra["closed"]}
    assert closed == desk.closed_status_ids()
    assert {o.extra["board_id"] for o in options["statuses"]} == {"1", "2"}
    info = desk.ticket_type(SECURITY_ALERTS)
    assert info.default_priority_id == defaults[0].id
    new = next(o for o in options["statuses"] if o.extra["board_id"] == "1" and o.extra["default"])
    assert info.initial_status_id == new.id
    assert {c.name for c in desk.categories(SECURITY_ALERTS)} == {"Malware", "Intrusion", "Other"}


def test_limited_priorities_have_no_default(simulator: Simulator, desk: ConnectWiseDesk) -> None:
    simulator.control("POST", "priorities/limited", {"limited": True})
    assert desk.ticket_type(SECURITY_ALERTS).default_priority_id is None
    assert not any(o.extra["default"] for o in desk.ticket_options()["priorities"])


def test_companies_with_statuses(simulator: Simulator, billing: ConnectWiseBilling) -> None:
    psa_only = simulator.state()["scenario"]["psa_only"]
    deleted = {str(c["id"]) for c in psa_only if c["deleted"]}
    target = simulator.case("active_only")
    simulator.control(
        "POST", "companies/status", {"company_id": int(target), "status": "Not Approved"}
    )
    try:
        companies = {c.id: c for c in billing.companies()}
    finally:
        simulator.control(
            "POST", "companies/status", {"company_id": int(target), "status": "Active"}
        )
    assert deleted and not deleted & set(companies)
    assert companies[target].disallow_saving and companies[target].status_name == "Not Approved"
    inactive = [c for c in companies.values() if c.inactive]
    assert inactive and all(c.status_name == "Inactive" for c in inactive)


def test_clients_and_assets(desk: ConnectWiseDesk) -> None:
    clients = desk.clients()
    assert clients and all("identifier" in c.extra for c in clients)
    every = desk.assets(None)
    owner = every[0].company_id
    assert owner is not None
    mine = desk.assets(owner)
    assert mine and {a.company_id for a in mine} == {owner}
    assert len(mine) < len(every) or len({a.company_id for a in every}) == 1
    assert all(a.inventory_number and a.key_field and a.key_field2 for a in mine)


def test_catalog_types_boards_priorities(billing: ConnectWiseBilling) -> None:
    products = {p.extra["identifier"]: p for p in billing.products()}
    assert products["GZ-ENDPOINT"].id == GZ_ENDPOINT
    assert products["AV-LEGACY"].extra["inactive"]
    assert products["SEC-BUNDLE"].extra["product_class"] == "Bundle"
    types = {t.name: t for t in billing.agreement_types()}
    assert types["Managed Security"].id == MANAGED_SECURITY
    assert types["Legacy Support"].extra["inactive"]
    assert [b.name for b in billing.boards()] == ["Security Alerts", "Help Desk"]
    assert sum(1 for p in billing.priorities() if p.extra["default"]) == 1


# --- agreements and additions -------------------------------------------------------------------


def test_agreements_of_every_status(simulator: Simulator, billing: ConnectWiseBilling) -> None:
    agreements = billing.agreements(MANAGED_SECURITY)
    assert {a.status for a in agreements} == {"Active", "Expired", "Inactive", "Cancelled"}
    assert all(a.type_name == "Managed Security" for a in agreements)
    other = simulator.case("other_type_only")
    assert other not in {a.company_id for a in agreements}
    cancelled = [a for a in agreements if a.status == "Cancelled"]
    assert all(a.cancelled for a in cancelled)


def month_bounds(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def active_agreement(simulator: Simulator, billing: ConnectWiseBilling, case: str) -> str:
    company = simulator.case(case)
    found = [a for a in billing.agreements(MANAGED_SECURITY) if a.company_id == company]
    return next(a.id for a in found if a.status == "Active")


def test_addition_create_find_patch(simulator: Simulator, billing: ConnectWiseBilling) -> None:
    agreement = active_agreement(simulator, billing, "active_only")
    first, last = month_bounds(simulator.today())
    description = f"GravityZone {uuid4()}"
    new = NewAddition(agreement, GZ_ENDPOINT, 12, first, last, description)
    created = billing.create_addition(new)
    assert (created.quantity, created.effective, created.cancelled) == (12.0, first, last)
    found = [a for a in billing.additions(agreement, GZ_ENDPOINT, first) if a.id == created.id]
    assert [a.description for a in found] == [description]
    assert billing.additions(agreement, GZ_ENDPOINT, last + timedelta(days=1)) == []
    patched = billing.set_addition_quantity(agreement, created.id, 15)
    assert patched.quantity == 15.0 and patched.id == created.id
    stored = [a for a in simulator.state()["additions"] if str(a["id"]) == created.id]
    assert stored[0]["quantity"] == 15


def test_disallow_saving_is_refused_as_config_error(
    simulator: Simulator, billing: ConnectWiseBilling, desk: ConnectWiseDesk
) -> None:
    agreement = active_agreement(simulator, billing, "active_expired")
    company = simulator.case("active_expired")
    first, last = month_bounds(simulator.today())
    simulator.control(
        "POST", "companies/status", {"company_id": int(company), "status": "Not Approved"}
    )
    try:
        with pytest.raises(ConfigError) as raised:
            billing.create_addition(NewAddition(agreement, GZ_ENDPOINT, 3, first, last))
        ticket = NewTicket(f"psabridge:{uuid4()}", company, "Alert", "d", {"board_id": "1"})
        with pytest.raises(ConfigError) as raised_ticket:
            desk.create_ticket(ticket)
    finally:
        simulator.control(
            "POST", "companies/status", {"company_id": int(company), "status": "Active"}
        )
    expected = "company: The company's status 'Not Approved' does not allow saving."
    assert raised.value.message == expected
    assert raised_ticket.value.message == expected
    assert isinstance(raised_ticket.value, CompanyBlockedError)


def test_bill_start_refusal_is_a_config_error(
    simulator: Simulator, billing: ConnectWiseBilling
) -> None:
    agreement = active_agreement(simulator, billing, "future_bill_start")
    info = next(a for a in billing.agreements(MANAGED_SECURITY) if a.id == agreement)
    assert info.bill_start is not None and info.bill_start > simulator.today()
    first, last = month_bounds(simulator.today())
    with pytest.raises(ConfigError, match="billing start date"):
        billing.create_addition(NewAddition(agreement, GZ_ENDPOINT, 3, first, last))


def test_inactive_product_is_refused(simulator: Simulator, billing: ConnectWiseBilling) -> None:
    agreement = active_agreement(simulator, billing, "active_only")
    first, last = month_bounds(simulator.today())
    legacy = next(p.id for p in billing.products() if p.extra["identifier"] == "AV-LEGACY")
    with pytest.raises(ConfigError):
        billing.create_addition(NewAddition(agreement, legacy, 1, first, last))


def test_missing_agreement_is_not_found(billing: ConnectWiseBilling) -> None:
    with pytest.raises(NotFoundError):
        billing.set_addition_quantity("999999", "1", 3)


# --- tickets ------------------------------------------------------------------------------------


def test_ticket_lifecycle(simulator: Simulator, desk: ConnectWiseDesk) -> None:
    company = simulator.case("active_only")
    assets = desk.assets(company)[:2]
    reference = f"psabridge:{uuid4()}"
    fields = {
        "board_id": SECURITY_ALERTS,
        "type_id": desk.categories(SECURITY_ALERTS)[0].id,
        "priority_id": "2",
        "severity": "High",
        "impact": "Medium",
        "configuration_ids": [a.id for a in assets],
    }
    ref = desk.create_ticket(
        NewTicket(reference, company, "Ransomware on PC-1", "Blocked.", fields)
    )
    assert desk.find_ticket_by_reference(reference) == ref
    assert desk.find_ticket_by_reference(f"{reference}-other") is None
    desk.add_note(ref.id, "private (psabridge note n-1)", private=True)
    desk.add_note(ref.id, "public", private=False)
    assert desk.find_note(ref.id, "psabridge note n-1") and not desk.find_note(ref.id, "n-2")
    state = desk.get_ticket_state(ref.id)
    assert (state.closed, state.status, state.reference) == (False, "New", reference)

    desk.close_ticket(ref.id, note="closing")
    closed = desk.get_ticket_state(ref.id)
    assert closed.closed and closed.status == "Closed"
    assert desk.ticket_states([ref.id, "99999999"]) == {ref.id: closed}

    stored = next(t for t in simulator.state()["tickets"] if str(t["id"]) == ref.id)
    assert stored["externalXRef"] == reference
    assert (stored["severity"], stored["impact"], stored["priority"]["id"]) == ("High", "Medium", 2)
    assert sorted(str(c) for c in stored["configurations"]) == sorted(a.id for a in assets)
    flags = [
        (n["text"], n["internalAnalysisFlag"], n["detailDescriptionFlag"]) for n in stored["notes"]
    ]
    assert ("Blocked.", False, True) in flags
    assert ("private (psabridge note n-1)", True, False) in flags and (
        "public",
        False,
        True,
    ) in flags
    assert ("closing", True, False) in flags


def test_close_with_a_given_status(simulator: Simulator, desk: ConnectWiseDesk) -> None:
    company = simulator.case("active_only")
    ref = desk.create_ticket(
        NewTicket(f"psabridge:{uuid4()}", company, "Alert", "d", {"board_id": "2"})
    )
    cancelled = next(
        o.id
        for o in desk.ticket_options()["statuses"]
        if o.extra["board_id"] == "2" and o.name == "Cancelled"
    )
    desk.close_ticket(ref.id, cancelled)
    assert desk.get_ticket_state(ref.id).status == "Cancelled"


def test_ticket_states_of_many(simulator: Simulator, desk: ConnectWiseDesk) -> None:
    company = simulator.case("active_only")
    refs = [
        desk.create_ticket(
            NewTicket(f"psabridge:{uuid4()}", company, f"A{n}", "d", {"board_id": "1"})
        )
        for n in range(3)
    ]
    states = desk.ticket_states(r.id for r in refs)
    assert set(states) == {r.id for r in refs}
    assert not any(s.closed for s in states.values())


def test_service_ticket(simulator: Simulator, billing: ConnectWiseBilling) -> None:
    reference = f"psabridge:billing:{uuid4()}"
    company = simulator.case("expired_only")
    ticket = ServiceTicket(reference, company, SECURITY_ALERTS, None, "No active agreement", "d")
    ticket_id = billing.create_service_ticket(ticket)
    assert billing.find_service_ticket(reference) == ticket_id


# --- failures through the simulator's fault injection -------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "attempts"),
    [
        ({"mode": "status", "status": 500, "times": 4}, TransientError, 4),
        ({"mode": "status", "status": 401}, AuthError, 1),
        ({"mode": "status", "status": 403}, PermissionDeniedError, 1),
        ({"mode": "status", "status": 429, "retry_after": 2, "times": 4}, RateLimitedError, 4),
        ({"mode": "non_json", "times": 4}, TransientError, 4),
        ({"mode": "reset", "times": 4}, TransientError, 4),
    ],
)
def test_failures_are_classified(
    fault: dict[str, Any],
    error: type[Exception],
    attempts: int,
    simulator: Simulator,
    desk: ConnectWiseDesk,
    records: list[CallRecord],
    sleeps: list[float],
) -> None:
    desk.client.codebase()
    simulator.control("POST", "faults", {"path": "/service/boards", "method": "GET", **fault})
    with pytest.raises(error) as raised:
        desk.client.boards()
    calls = [r for r in records if r.operation == "service/boards.list"]
    assert len(calls) == attempts
    if fault.get("status") == 429:
        assert sleeps == [2.0] * 3
    assert_no_secrets(simulator, raised.value, *records)


def test_transient_failure_then_success(simulator: Simulator, desk: ConnectWiseDesk) -> None:
    simulator.control(
        "POST", "faults", {"path": "/service/boards", "mode": "status", "status": 503}
    )
    assert [b.name for b in desk.client.boards()] == ["Security Alerts", "Help Desk"]


def test_ambiguous_create_is_not_resent_and_found_by_reference(
    simulator: Simulator, desk: ConnectWiseDesk
) -> None:
    company = simulator.case("active_only")
    reference = f"psabridge:{uuid4()}"
    simulator.control(
        "POST", "faults", {"path": "/service/tickets", "method": "POST", "mode": "commit_then_500"}
    )
    with pytest.raises(TransientError) as raised:
        desk.create_ticket(NewTicket(reference, company, "Alert", "d", {"board_id": "1"}))
    assert raised.value.ambiguous
    stored = [t for t in simulator.state()["tickets"] if t["externalXRef"] == reference]
    assert len(stored) == 1
    found = desk.find_ticket_by_reference(reference)
    assert found is not None and found.id == str(stored[0]["id"])


def test_ambiguous_addition_is_not_resent(
    simulator: Simulator, billing: ConnectWiseBilling
) -> None:
    agreement = active_agreement(simulator, billing, "active_only")
    first, last = month_bounds(simulator.today())
    description = f"GravityZone {uuid4()}"
    path = f"/finance/agreements/{agreement}/additions"
    simulator.control(
        "POST", "faults", {"path": path, "method": "POST", "mode": "commit_then_reset"}
    )
    with pytest.raises(TransientError):
        billing.create_addition(NewAddition(agreement, GZ_ENDPOINT, 4, first, last, description))
    found = [
        a for a in billing.additions(agreement, GZ_ENDPOINT, first) if a.description == description
    ]
    assert len(found) == 1
