"""GravityZonePlatform against the real GravityZone simulator, including the failure sweep."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from uuid import uuid4

import httpx
import pytest
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
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.http import CallRecord, RateBudget
from psabridge.sandbox.runner import Sandbox

from .conftest import assert_no_secret

# Two pages for the largest company (1215 endpoints with this seed), a reseller in the tree.
WORLD = {"seed": 7, "companies": 4, "endpoints": 2600}


@dataclass
class Simulator:
    base_url: str
    api_key: str
    sandbox_url: str
    partner_id: str

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.sandbox_url}/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def inject(self, **fault: Any) -> None:
        self.control("POST", "faults", fault)

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def customers(self) -> list[dict[str, Any]]:
        return [c for c in self.state()["companies"] if c["type"] == 1]


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    with Sandbox(rate_limits=True, **WORLD) as sandbox:
        info = sandbox.info()["gravityzone"]
        yield Simulator(
            info["base_url"], info["api_key"], info["sandbox_url"], info["partner_company_id"]
        )


@pytest.fixture(autouse=True)
def fresh_limits_and_faults(simulator: Simulator) -> None:
    simulator.control("DELETE", "faults")
    simulator.control("POST", "reset-limits")


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(
    simulator: Simulator, sleeps: list[float], records: list[CallRecord]
) -> Iterator[Callable[..., GravityZonePlatform]]:
    """Return a builder of platforms on the simulator; nothing sleeps for real."""
    built: list[GravityZonePlatform] = []

    def build(api_key: str | None = None, **options: Any) -> GravityZonePlatform:
        options = {"sleeper": sleeps.append, "audit": records.append, **options}
        url = options.pop("access_url", simulator.base_url)
        platform = GravityZonePlatform.connect(
            url, SecretStr(api_key or simulator.api_key), **options
        )
        built.append(platform)
        return platform

    yield build
    for platform in built:
        platform.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


# --- validate ---------------------------------------------------------------------------------


def test_validate_ok(connect: Callable[..., GravityZonePlatform]) -> None:
    assert connect().validate().outcome == "ok"


def test_validate_invalid_key(connect: Callable[..., GravityZonePlatform]) -> None:
    assert connect("0123456789abcdef0123456789abcdef").validate().outcome == "invalid_key"


def test_validate_missing_push_permission(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    key = simulator.control("POST", "keys", {"services": ["network", "companies", "licensing"]})
    result = connect(key["api_key"]).validate()
    assert (result.outcome, result.missing_services) == ("missing_permission", ("push",))
    assert "Event Push Service" in result.message


def test_validate_cannot_connect(connect: Callable[..., GravityZonePlatform]) -> None:
    result = connect(access_url=closed_port_url()).validate()
    assert result.outcome == "cannot_connect"


def test_validate_wrong_path_cannot_connect(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    url = simulator.base_url.removesuffix("/api")
    assert connect(access_url=url).validate().outcome == "cannot_connect"


# --- data ---------------------------------------------------------------------------------------


def test_company_tree_walk(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    companies = connect().companies()
    expected = {
        c["id"]: c for c in simulator.state()["companies"] if c["id"] != simulator.partner_id
    }
    assert {c.id for c in companies} == set(expected)
    for company in companies:
        truth = expected[company.id]
        assert company.type == ("partner" if truth["type"] == 0 else "customer")
        top_level = truth["parent_id"] == simulator.partner_id
        assert company.parent_id == (None if top_level else truth["parent_id"])
        assert company.path[-1] == company.name
    nested = [c for c in companies if c.parent_id is not None]
    assert nested and all(len(c.path) == 2 for c in nested)


def test_endpoints_paging(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    biggest = max(simulator.customers(), key=lambda c: c["endpoints"])
    assert biggest["endpoints"] > 1000  # the world must need two pages
    before = simulator.state()["calls"].get("network.getEndpointsList", 0)
    endpoints = connect().endpoints(biggest["id"])
    assert len(endpoints) == biggest["endpoints"] == len({e.id for e in endpoints})
    assert sum(e.is_managed for e in endpoints) == biggest["managed"]
    assert simulator.state()["calls"]["network.getEndpointsList"] - before == 2


def test_endpoint_details_last_seen_is_utc(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    platform = connect()
    company = simulator.customers()[0]
    managed = next(e for e in platform.endpoints(company["id"]) if e.is_managed)
    details = platform.endpoint_details(managed.id)
    assert details.id == managed.id and details.company_id == company["id"]
    assert details.last_seen is not None and details.last_seen.tzinfo == UTC
    assert details.licensed in {"pending", "active", "expired", "none"}


def test_license_and_monthly_usage(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    platform = connect()
    company = max(simulator.customers(), key=lambda c: c["managed"])
    month = simulator.state()["now"][:7]
    usage = platform.monthly_usage(company["id"], month, per_product_type=True)
    assert usage.month == month and "endpointMonthlyUsage" in usage.counters
    assert usage.per_product_type is not None and 0 in usage.per_product_type
    licence = platform.license_info(company["id"])
    assert licence.subscription_type is not None


def test_push_settings_round_trip(connect: Callable[..., GravityZonePlatform]) -> None:
    platform = connect()
    receiver = closed_port_url().replace("/api", "/push")
    platform.enable_push(receiver, "Bearer round-trip", {"av": True, "aph": True})
    settings = platform.push_settings()
    assert settings.enabled and settings.authorization_set
    assert (settings.url, settings.service_type) == (receiver, "jsonRPC")
    assert settings.event_types.get("av") is True and settings.companies is None
    stats = platform.push_stats()
    assert stats.error_messages >= 0 and stats.last_update_time is not None


def test_push_rate_limit_from_the_simulator_and_our_budget(
    simulator: Simulator, connect: Callable[..., GravityZonePlatform]
) -> None:
    # Reference §1.6: push methods are 5/minute with no burst.
    unbudgeted = connect()
    for _ in range(5):
        unbudgeted.push_settings()
    with pytest.raises(RateLimitedError) as raised:
        unbudgeted.push_settings()  # the simulator's 429; Retry-After beyond backoff_max
    assert not raised.value.local and (raised.value.retry_after or 0) > 30

    simulator.control("POST", "reset-limits")
    budgeted = connect(budget=RateBudget("memory://", f"sandbox-{uuid4()}"))
    for _ in range(5):
        budgeted.push_settings()
    before = simulator.state()["calls"]["push.getPushEventSettings"]
    with pytest.raises(RateLimitedError) as raised:
        budgeted.push_settings()
    assert raised.value.local  # refused before sending anything
    assert simulator.state()["calls"]["push.getPushEventSettings"] == before


# --- the failure sweep through fault injection -------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    fault: dict[str, Any] | None  # None: the connection itself fails
    error: type[ConnectorError] | None  # None: recovered
    attempts: int
    sleeps: str  # "none", "backoff" or a fixed number of seconds
    method: str = "companies.getCompanyDetails"


def status(code: int, times: int = 1, **extra: Any) -> dict[str, Any]:
    return {"mode": "status", "status": code, "times": times, **extra}


TIMEOUT = {"mode": "timeout", "latency_ms": 1500, "times": 4}
ENDPOINTS = "network.getEndpointsList"

CASES = [
    Case("timeout", TIMEOUT, TransientError, 4, "backoff"),
    Case("connection error", None, TransientError, 4, "backoff"),
    Case("connection reset", {"mode": "reset", "times": 4}, TransientError, 4, "backoff"),
    Case("401", status(401), AuthError, 1, "none"),
    Case("403", status(403), PermissionDeniedError, 1, "none"),
    Case("404", status(404), NotFoundError, 1, "none"),
    Case("429 no Retry-After", status(429, 4), RateLimitedError, 4, "backoff"),
    Case("429 Retry-After 2", status(429, retry_after=2), None, 2, "2"),
    Case("429 Retry-After 120", status(429, retry_after=120), RateLimitedError, 1, "none"),
    Case("500", status(500, 4), TransientError, 4, "backoff"),
    Case("500 then recovered", status(500, 2), None, 3, "backoff"),
    Case("non-JSON body", {"mode": "non_json"}, ConfigError, 1, "none"),
    Case("short page", {"mode": "short_page"}, TransientError, 1, "none", ENDPOINTS),
]


def run_case(case: Case, simulator: Simulator, connect: Callable[..., GravityZonePlatform]) -> Any:
    company = simulator.customers()[0]["id"]
    options: dict[str, Any] = {"timeout": httpx.Timeout(0.5, connect=0.5)}
    if case.fault is None:
        options["access_url"] = closed_port_url()
    else:
        simulator.inject(method=case.method, **case.fault)
    platform = connect(**options)
    if case.method == ENDPOINTS:
        return platform.endpoints(company)
    return platform.company_details(company)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_sweep_through_the_simulator(
    case: Case,
    simulator: Simulator,
    connect: Callable[..., GravityZonePlatform],
    sleeps: list[float],
    records: list[CallRecord],
) -> None:
    if case.error is None:
        run_case(case, simulator, connect)
        raised: Any = None
    else:
        with pytest.raises(case.error) as info:
            run_case(case, simulator, connect)
        raised = info.value
        assert type(raised) is case.error
    assert [r.attempt for r in records] == list(range(1, case.attempts + 1))
    if case.sleeps == "none":
        assert sleeps == []
    elif case.sleeps == "backoff":
        assert len(sleeps) == case.attempts - 1 and all(0.5 <= s <= 30 for s in sleeps)
    else:
        assert sleeps == [float(case.sleeps)] * (case.attempts - 1)
    assert_no_secret(raised, *records, secret=simulator.api_key)


def test_create_company_and_refusal_of_a_duplicate(
    connect: Callable[..., GravityZonePlatform],
) -> None:
    platform = connect()
    new_id = platform.create_company("Imported From Halo Ltd")
    assert new_id in {c.id for c in platform.companies()}
    with pytest.raises(ConfigError):
        platform.create_company("Imported From Halo Ltd")
