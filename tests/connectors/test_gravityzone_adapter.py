"""GravityZonePlatform over MockTransport: validation, tree walk, bounded paging, mapping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from psabridge.connectors.errors import ConfigError, TransientError
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.connectors.ports import Company, SecurityPlatform
from psabridge.connectors.registry import ConnectorOptions, create_connector

from .conftest import API_KEY, assert_no_secret
from .gz_fake import FakeGravityZone, endpoints_pages, raising, rpc_error

Build = Callable[..., GravityZonePlatform]


def healthy() -> dict[str, Any]:
    return {
        "general.getApiKeyDetails": lambda p: {"enabledApis": ["network"]},
        "network.getCompaniesList": lambda p: [],
        "companies.getCompanyDetails": lambda p: {"id": "root", "name": "MSP", "type": 0},
        "licensing.getLicenseInfo": lambda p: {"subscriptionType": 3},
        "push.getPushEventSettings": lambda p: {"status": 0},
    }


def status_answer(code: int) -> Any:
    """Return a method handler answering with HTTP `code` (429 with a long Retry-After)."""

    def build(request: httpx.Request) -> httpx.Response:
        if code == 429:
            return httpx.Response(429, headers={"Retry-After": "120"})
        return rpc_error(request, -1, "no", status=code)

    return lambda params: build


# --- validate ---------------------------------------------------------------------------------


def test_validate_ok(make_platform: Build) -> None:
    result = make_platform(FakeGravityZone(healthy())).validate()
    assert (result.outcome, result.missing_services) == ("ok", ())


def test_validate_invalid_key(make_platform: Build) -> None:
    methods = {**healthy(), "general.getApiKeyDetails": status_answer(401)}
    result = make_platform(FakeGravityZone(methods)).validate()
    assert result.outcome == "invalid_key"
    assert_no_secret(result)


def test_validate_missing_services_are_named(make_platform: Build) -> None:
    methods = {
        **healthy(),
        "push.getPushEventSettings": status_answer(401),
        "network.getCompaniesList": status_answer(403),
    }
    result = make_platform(FakeGravityZone(methods)).validate()
    assert result.outcome == "missing_permission"
    assert result.missing_services == ("network", "push")
    assert "Event Push Service" in result.message and "Network" in result.message


def test_validate_push_429_means_enabled(make_platform: Build) -> None:
    methods = {**healthy(), "push.getPushEventSettings": status_answer(429)}
    assert make_platform(FakeGravityZone(methods)).validate().outcome == "ok"


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param(raising(httpx.ConnectError), id="refused"),
        pytest.param(raising(httpx.ReadTimeout), id="timeout"),
        pytest.param(lambda r: httpx.Response(200, text="<html>portal</html>"), id="non-json"),
        pytest.param(lambda r: httpx.Response(404, text="nothing here"), id="404"),
        pytest.param(lambda r: httpx.Response(502), id="502"),
    ],
)
def test_validate_cannot_connect(make_platform: Build, handler: Any) -> None:
    result = make_platform(handler).validate()
    assert result.outcome == "cannot_connect"
    assert result.message.startswith("Cannot connect to GravityZone")


# --- companies ----------------------------------------------------------------------------------

TREE = {
    None: [("p1", "Reseller", 0), ("c1", "Acme", 1)],
    "p1": [("c2", "Beta", 1), ("p2", "Sub Reseller", 0)],
    "p2": [("c3", "Gamma", 1)],
}


def companies_list(params: dict[str, Any]) -> Any:
    parent = params.get("parentId")
    if parent not in TREE:
        return lambda r: rpc_error(r, -32602, "Invalid params", "Invalid value for 'parentId'")
    wanted = params.get("filters", {}).get("companyType")
    return [{"id": i, "name": n} for i, n, t in TREE[parent] if wanted in (None, t)]


def test_company_tree_walk_recurses_into_partners_only(make_platform: Build) -> None:
    fake = FakeGravityZone({"network.getCompaniesList": companies_list})
    companies = make_platform(fake).companies()
    assert companies == [
        Company("p1", "Reseller", "partner", None, ("Reseller",)),
        Company("c1", "Acme", "customer", None, ("Acme",)),
        Company("c2", "Beta", "customer", "p1", ("Reseller", "Beta")),
        Company("p2", "Sub Reseller", "partner", "p1", ("Reseller", "Sub Reseller")),
        Company("c3", "Gamma", "customer", "p2", ("Reseller", "Sub Reseller", "Gamma")),
    ]
    parents = {c.params.get("parentId") for c in fake.calls}
    assert parents == {None, "p1", "p2"}  # never a customer as parentId (-32602)


def test_company_tree_depth_bound_raises(make_platform: Build) -> None:
    fake = FakeGravityZone({"network.getCompaniesList": companies_list})
    with pytest.raises(TransientError):
        make_platform(fake, max_company_depth=1).companies()


# --- endpoints ----------------------------------------------------------------------------------


def test_endpoints_are_paged_with_per_page_1000(make_platform: Build) -> None:
    fake = FakeGravityZone({"network.getEndpointsList": endpoints_pages(2500)})
    endpoints = make_platform(fake).endpoints("c1")
    assert len(endpoints) == 2500 and len({e.id for e in endpoints}) == 2500
    assert [(c.params["page"], c.params["perPage"]) for c in fake.calls] == [
        (1, 1000),
        (2, 1000),
        (3, 1000),
    ]
    first = endpoints[1]
    assert (first.company_id, first.machine_type, first.macs) == (
        "c1",
        "computer",
        ("aa:bb:cc:dd:ee:ff",),
    )


def test_endpoints_empty_company(make_platform: Build) -> None:
    fake = FakeGravityZone({"network.getEndpointsList": endpoints_pages(0)})
    assert make_platform(fake).endpoints("c1") == []


def test_endpoints_page_bound_raises_instead_of_truncating(make_platform: Build) -> None:
    fake = FakeGravityZone({"network.getEndpointsList": endpoints_pages(2500)})
    with pytest.raises(TransientError):
        make_platform(fake, max_endpoint_pages=2).endpoints("c1")
    assert len(fake.calls) == 1


def tampered(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], Any]:
    honest = endpoints_pages(2500)

    def handler(params: dict[str, Any]) -> Any:
        result = honest(params)
        if params["page"] == 3:
            change(result)
        return result

    return handler


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda r: r.update(items=r["items"][:-1]), id="last page short of total"),
        pytest.param(lambda r: r.update(total=2600), id="total changed"),
        pytest.param(lambda r: r.update(page=2), id="wrong page"),
        pytest.param(lambda r: r["items"].__setitem__(0, {"id": "ep00000"}), id="duplicate"),
    ],
)
def test_endpoints_inconsistent_pages_raise(
    make_platform: Build, change: Callable[[dict[str, Any]], None]
) -> None:
    fake = FakeGravityZone({"network.getEndpointsList": tampered(change)})
    with pytest.raises(TransientError):
        make_platform(fake).endpoints("c1")


def test_endpoint_details_mapping(make_platform: Build) -> None:
    details = {
        "id": "e1",
        "name": "PC-1",
        "companyId": "c1",
        "state": 1,
        "machineType": 2,
        "lastSeen": "2025-12-16T21:46:16",
        "agent": {"licensed": 2},
        "modules": {"edrSensor": True, "hyperDetect": False, "weird": "x"},
        "ip": "10.0.0.5",
    }
    fake = FakeGravityZone({"network.getManagedEndpointDetails": lambda p: details})
    result = make_platform(fake).endpoint_details("e1")
    assert result.last_seen == datetime(2025, 12, 16, 21, 46, 16, tzinfo=UTC)
    assert (result.state, result.licensed, result.machine_type) == (
        "online",
        "expired",
        "virtual_machine",
    )
    assert result.modules == {"edrSensor": True, "hyperDetect": False}


# --- licensing ----------------------------------------------------------------------------------


def test_license_info_mapping(make_platform: Build) -> None:
    info = {
        "subscriptionType": 3,
        "usedSlots": 42,
        "totalSlots": None,
        "expiryDate": "2026-01-01T00:00:00",
        "assignedProtectionModel": "mspSecurePlus",
        "manageHyperDetect": True,
        "manageExchange": False,
        "licenseKey": "LIC-KEY",
    }
    fake = FakeGravityZone({"licensing.getLicenseInfo": lambda p: info})
    result = make_platform(fake).license_info("c1")
    assert (result.subscription, result.used_slots, result.total_slots) == (
        "monthly_subscription",
        42,
        None,
    )
    assert result.addons == {"manageHyperDetect": True, "manageExchange": False}
    assert result.expiry_date == datetime(2026, 1, 1, tzinfo=UTC)


def test_monthly_usage_with_product_types(make_platform: Build) -> None:
    fake = FakeGravityZone(
        {
            "licensing.getMonthlyUsage": lambda p: {"endpointMonthlyUsage": 10},
            "licensing.getMonthlyUsagePerProductType": lambda p: {
                "usages": [
                    {"productType": 0, "endpointMonthlyUsage": 10, "edrMonthlyUsage": 0},
                    {"productType": 3, "endpointMonthlyUsage": 2},
                ]
            },
        }
    )
    usage = make_platform(fake).monthly_usage("c1", "2025-09", per_product_type=True)
    assert usage.month == "2025-09" and usage.counters == {"endpointMonthlyUsage": 10}
    assert usage.per_product_type == {
        0: {"endpointMonthlyUsage": 10, "edrMonthlyUsage": 0},
        3: {"endpointMonthlyUsage": 2},
    }
    assert {c.params["targetMonth"] for c in fake.calls} == {"09/2025"}


@pytest.mark.parametrize("month", ["2025-13", "09/2025", "2025-9", ""])
def test_monthly_usage_rejects_bad_months(make_platform: Build, month: str) -> None:
    with pytest.raises(ConfigError):
        make_platform(FakeGravityZone({})).monthly_usage("c1", month)


# --- push ---------------------------------------------------------------------------------------


def stored_push() -> FakeGravityZone:
    """A fake that stores push settings and masks the secret on read (reference §3.2)."""
    state: dict[str, Any] = {"status": 0}

    def set_settings(params: dict[str, Any]) -> bool:
        state.clear()
        state.update(params)
        return True

    def get_settings(params: dict[str, Any]) -> dict[str, Any]:
        masked = {**state.get("serviceSettings", {}), "authorization": "********"}
        return {**state, "serviceSettings": masked}

    return FakeGravityZone(
        {"push.setPushEventSettings": set_settings, "push.getPushEventSettings": get_settings}
    )


def test_enable_push_round_trip(make_platform: Build) -> None:
    platform = make_platform(stored_push())
    platform.enable_push("https://psabridge.test/push", "Bearer abc", ["av", "aph"], ["c1"])
    settings = platform.push_settings()
    assert settings.enabled and settings.authorization_set
    assert (settings.url, settings.service_type) == ("https://psabridge.test/push", "jsonRPC")
    assert settings.event_types == {"av": True, "aph": True}
    assert settings.companies == ["c1"]


def test_push_stats_mapping(make_platform: Build) -> None:
    stats = {
        "count": {"events": 9, "testEvents": 0, "sentMessages": 7, "errorMessages": 1},
        "error": {"connectionError": 1, "timeout": 0},
        "lastUpdateTime": "2023-01-13T16:26:34",
    }
    fake = FakeGravityZone({"push.getPushEventStats": lambda p: stats})
    result = make_platform(fake).push_stats()
    assert (result.events, result.sent_messages, result.error_messages) == (9, 7, 1)
    assert result.errors == {"connectionError": 1, "timeout": 0}
    assert result.last_update_time == datetime(2023, 1, 13, 16, 26, 34, tzinfo=UTC)


def test_send_test_event(make_platform: Build) -> None:
    fake = FakeGravityZone({"push.sendTestPushEvent": lambda p: {"_testEvent_": True, **p}})
    result = make_platform(fake).send_test_event("av", {"malware_name": "Test"})
    assert result.details["_testEvent_"] is True
    assert fake.calls[0].params == {"eventType": "av", "data": {"malware_name": "Test"}}


# --- registry and protocol ----------------------------------------------------------------------


def test_registry_builds_a_security_platform(http_options: dict[str, Any]) -> None:
    transport = httpx.MockTransport(FakeGravityZone(healthy()))
    options = ConnectorOptions(transport=transport, http=http_options)
    platform = create_connector(
        "gravityzone", {"access_url": "https://gz.test/api", "api_key": API_KEY}, options
    )
    checked: SecurityPlatform = platform
    assert checked.validate().ok
    assert_no_secret(repr(platform), repr(platform.client))


def test_registry_refuses_unknown_kinds_and_missing_settings() -> None:
    with pytest.raises(ConfigError):
        create_connector("nope", {})
    with pytest.raises(ConfigError):
        create_connector("gravityzone", {"access_url": "https://gz.test/api"})
