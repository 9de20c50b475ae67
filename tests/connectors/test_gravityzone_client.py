"""GravityZoneClient over MockTransport: envelope, auth, URLs, parameters, rate budget items."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond

from psabridge.connectors.errors import ConfigError, RateLimitedError, TransientError
from psabridge.connectors.gravityzone.client import RATE_LIMITS, GravityZoneClient
from psabridge.connectors.http import RateBudget, secret_fingerprint

from .conftest import API_KEY, FakeClock
from .gz_fake import FakeGravityZone, rpc_error, rpc_result

Build = Callable[..., GravityZoneClient]


def test_request_envelope_url_and_basic_auth(make_client: Build) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return rpc_result(request, {"id": "c1", "name": "Acme", "type": 1})

    make_client(handler).get_company_details("c1")
    (request,) = seen
    body = json.loads(request.content)
    assert str(request.url) == "https://gz.test/api/v1.0/jsonrpc/companies"
    assert request.method == "POST" and request.headers["content-type"] == "application/json"
    assert body["jsonrpc"] == "2.0" and body["method"] == "getCompanyDetails"
    assert body["params"] == {"companyId": "c1"}
    assert uuid.UUID(body["id"])
    expected = base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


def test_endpoints_list_uses_v1_1_and_page_params(make_client: Build) -> None:
    fake = FakeGravityZone(
        {
            "network.getEndpointsList": lambda p: {
                "page": 2,
                "pagesCount": 2,
                "perPage": 1000,
                "total": 1001,
                "items": [{"id": "e1", "name": "PC"}],
            }
        }
    )
    page = make_client(fake).get_endpoints_list("c1", page=2)
    assert (fake.calls[0].version, fake.calls[0].params) == (
        "v1.1",
        {"parentId": "c1", "page": 2, "perPage": 1000},
    )
    assert page.items[0].id == "e1" and page.pages_count == 2


def test_per_page_above_1000_is_refused_locally(make_client: Build) -> None:
    fake = FakeGravityZone({})
    with pytest.raises(ConfigError):
        make_client(fake).get_endpoints_list("c1", per_page=1001)
    assert fake.calls == []


def test_companies_list_filters(make_client: Build) -> None:
    fake = FakeGravityZone({"network.getCompaniesList": lambda p: [{"id": "a", "name": "A"}]})
    client = make_client(fake)
    client.get_companies_list()
    client.get_companies_list("p1", company_type=0, license_type=3)
    assert [c.params for c in fake.calls] == [
        {},
        {"parentId": "p1", "filters": {"companyType": 0, "licenseType": 3}},
    ]


def test_monthly_usage_month_format_and_typo(make_client: Build) -> None:
    usage = {
        "endpointMonthlyUsage": 12,
        "aLaCarteMonhtlyUsage": 3,
        "minimumUsage": {"endpointMonthlyUsage": 5},
        "note": "ignored",
    }
    fake = FakeGravityZone({"licensing.getMonthlyUsage": lambda p: usage})
    result = make_client(fake).get_monthly_usage("c1", "09/2025")
    assert fake.calls[0].params == {"companyId": "c1", "targetMonth": "09/2025"}
    assert result.counters == {"endpointMonthlyUsage": 12, "aLaCarteMonthlyUsage": 3}
    assert result.minimum == {"endpointMonthlyUsage": 5}
    with pytest.raises(ConfigError):
        make_client(fake).get_monthly_usage("c1", "2025-09")


def test_naive_timestamps_are_utc(make_client: Build) -> None:
    fake = FakeGravityZone(
        {
            "network.getManagedEndpointDetails": lambda p: {
                "id": "e1",
                "lastSeen": "2025-12-16T21:46:16",
                "agent": {"licensed": 1, "lastUpdate": "2025-12-16T18:31:40"},
                "somethingNew": {"x": 1},
            }
        }
    )
    details = make_client(fake).get_managed_endpoint_details("e1")
    assert details.last_seen == datetime(2025, 12, 16, 21, 46, 16, tzinfo=UTC)
    assert fake.calls[0].params == {"endpointId": "e1"}


def test_push_settings_params(make_client: Build) -> None:
    fake = FakeGravityZone({"push.setPushEventSettings": lambda p: True})
    make_client(fake).set_push_event_settings(
        status=1, url="https://r.test/hook", authorization="Bearer x", event_types={"av": True}
    )
    assert fake.calls[0].params == {
        "status": 1,
        "serviceType": "jsonRPC",
        "serviceSettings": {
            "url": "https://r.test/hook",
            "authorization": "Bearer x",
            "requireValidSslCertificate": True,
        },
        "subscribeToEventTypes": {"av": True},
    }


def test_push_settings_not_confirmed_is_an_error(make_client: Build) -> None:
    fake = FakeGravityZone({"push.setPushEventSettings": lambda p: False})
    with pytest.raises(ConfigError):
        make_client(fake).set_push_event_settings(
            status=1, url="https://r", authorization="a", event_types={}
        )


def test_empty_push_company_list_is_refused(make_client: Build) -> None:
    with pytest.raises(ConfigError):
        make_client(FakeGravityZone({})).set_push_event_settings(
            status=1, url="https://r", authorization="a", event_types={}, companies=[]
        )


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        (-32602, "Invalid params", ConfigError),
        (-32601, "Method not found", ConfigError),
        (-32600, "Invalid Request", ConfigError),
        (-32603, "Internal error", TransientError),
        (-32099, "Something else", ConfigError),
    ],
)
def test_json_rpc_error_codes(
    make_client: Build, code: int, message: str, error: type[Exception]
) -> None:
    fake = FakeGravityZone(
        {"companies.getCompanyDetails": lambda p: lambda r: rpc_error(r, code, message)}
    )
    with pytest.raises(error):
        make_client(fake).get_company_details("c1")


def test_json_rpc_error_with_4xx_body(make_client: Build) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        details = "Invalid value for 'parentId'"
        return rpc_error(request, -32602, "Invalid params", details, status=400)

    with pytest.raises(ConfigError, match="Invalid value for 'parentId'"):
        make_client(handler).get_companies_list("customer-id")


def test_result_of_unexpected_shape_is_a_config_error(make_client: Build) -> None:
    fake = FakeGravityZone({"network.getCompaniesList": lambda p: {"not": "a list"}})
    with pytest.raises(ConfigError):
        make_client(fake).get_companies_list()


def test_mismatched_response_id_is_refused(make_client: Build) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "other", "jsonrpc": "2.0", "result": {}})

    with pytest.raises(ConfigError):
        make_client(handler).get_api_key_details()


def test_send_test_event_is_not_resent_after_timeout(make_client: Build) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TransientError):
        make_client(handler).send_test_push_event("av")
    assert len(calls) == 1


def test_rate_items_follow_reference_1_6() -> None:
    assert RATE_LIMITS["default"] == RateLimitItemPerSecond(10)
    assert RATE_LIMITS["licensing"] == RateLimitItemPerSecond(5)
    assert RATE_LIMITS["push"] == RateLimitItemPerMinute(5)


@pytest.mark.parametrize(
    ("call", "allowed"),
    [
        (lambda c: c.get_push_event_stats(), 5),
        (lambda c: c.get_license_info("c1"), 5),
        (lambda c: c.get_company_details("c1"), 10),
    ],
)
def test_methods_use_their_budget(
    make_client: Build, clock: FakeClock, call: Callable[[GravityZoneClient], Any], allowed: int
) -> None:
    budget = RateBudget("memory://", f"gz-{uuid4()}", sleeper=clock.sleep, clock=clock.time)
    fake = FakeGravityZone(
        {
            "push.getPushEventStats": lambda p: {},
            "licensing.getLicenseInfo": lambda p: {},
            "companies.getCompanyDetails": lambda p: {"id": "c1"},
        }
    )
    client = make_client(fake, budget=budget, rate_max_wait=0)
    for _ in range(allowed):
        call(client)
    with pytest.raises(RateLimitedError):
        call(client)
    assert len(fake.calls) == allowed


def test_rate_identity_is_a_hash_of_the_key(make_client: Build, clock: FakeClock) -> None:
    budget = RateBudget("memory://", f"gz-{uuid4()}", sleeper=clock.sleep, clock=clock.time)
    client = make_client(FakeGravityZone({"push.getPushEventStats": lambda p: {}}), budget=budget)
    client.get_push_event_stats()
    identity = f"{secret_fingerprint(API_KEY)}/push"
    assert budget.wait_time(RATE_LIMITS["push"], identity) == 0.0
    for _ in range(4):
        client.get_push_event_stats()
    assert budget.wait_time(RATE_LIMITS["push"], identity) > 59
