"""Fault injection of the JSON-RPC API for the connector failure tests."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox

from .gzhelpers import Rpc


def arm(rpc: Rpc, **fault: object) -> None:
    rpc.sandbox("POST", "faults", fault)


def company_with_endpoints(sandbox: Sandbox) -> str:
    world = sandbox.gravityzone.world
    return max(world.companies, key=lambda cid: len(world.endpoints_of(cid)))


def test_status_fault_counts_down(rpc: Rpc) -> None:
    arm(rpc, method="getApiKeyDetails", mode="status", status=503, times=2)
    for _ in range(2):
        response = rpc.post("general", "getApiKeyDetails", {})
        assert response.status_code == 503
        body = response.json()
        assert body["error"]["code"] == -32000 and body["id"] is not None
    assert rpc.post("general", "getApiKeyDetails", {}).status_code == 200


@pytest.mark.parametrize(("retry_after", "header"), [(7, "7"), (None, None)])
def test_429_fault_retry_after(rpc: Rpc, retry_after: int | None, header: str | None) -> None:
    arm(rpc, method="*", mode="status", status=429, retry_after=retry_after)
    response = rpc.post("network", "getCompaniesList", {})
    assert response.status_code == 429
    assert response.headers.get("Retry-After") == header


def test_fault_matches_method_only(rpc: Rpc) -> None:
    arm(rpc, method="network.getEndpointsList", mode="status", status=500, times=None)
    assert rpc.post("network", "getCompaniesList", {}).status_code == 200
    assert rpc.post("network", "getEndpointsList", {}, version="v1.1").status_code == 500
    assert rpc.post("network", "getEndpointsList", {}, version="v1.1").status_code == 500
    assert rpc.sandbox("GET", "faults")["faults"][0]["times"] is None
    rpc.sandbox("DELETE", "faults")
    assert rpc.post("network", "getEndpointsList", {}, version="v1.1").status_code == 200


def test_timeout_fault(rpc: Rpc) -> None:
    arm(rpc, mode="timeout", latency_ms=600)
    with pytest.raises(httpx.ReadTimeout):
        rpc.http.post(
            f"{rpc.base_url}/v1.0/jsonrpc/general",
            json={"jsonrpc": "2.0", "method": "getApiKeyDetails", "id": 1},
            auth=(rpc.api_key, ""),
            timeout=0.2,
        )
    assert rpc.post("general", "getApiKeyDetails", {}).status_code == 200


def test_latency_fault(rpc: Rpc) -> None:
    arm(rpc, mode="latency", latency_ms=250)
    start = time.monotonic()
    assert rpc.post("general", "getApiKeyDetails", {}).status_code == 200
    assert time.monotonic() - start >= 0.25


def test_non_json_fault(rpc: Rpc) -> None:
    arm(rpc, mode="non_json")
    response = rpc.post("general", "getApiKeyDetails", {})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")


def test_short_page_fault(rpc: Rpc, sandbox: Sandbox) -> None:
    arm(rpc, method="getEndpointsList", mode="short_page")
    params = {"parentId": company_with_endpoints(sandbox), "perPage": 1000}
    page = rpc.result("network", "getEndpointsList", params, version="v1.1")
    assert page["total"] > len(page["items"]) and page["pagesCount"] > 1


def test_reset_fault(rpc: Rpc) -> None:
    arm(rpc, mode="reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        rpc.post("general", "getApiKeyDetails", {})
    assert rpc.post("general", "getApiKeyDetails", {}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"mode": "explode"}, {"mode": "status", "status": 42}, {"mode": "status", "times": 0}],
)
def test_bad_fault_spec(rpc: Rpc, body: dict) -> None:
    assert rpc.http.post(f"{rpc.sandbox_url}/faults", json=body).status_code == 400


def test_stop_wakes_a_request_held_by_a_timeout_fault(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    sandbox = make_sandbox()
    rpc = Rpc(sandbox, http)
    arm(rpc, mode="timeout")  # 35 s by default
    with pytest.raises(httpx.ReadTimeout):
        rpc.http.post(
            f"{rpc.base_url}/v1.0/jsonrpc/general",
            json={"jsonrpc": "2.0", "method": "getApiKeyDetails", "id": 1},
            auth=(rpc.api_key, ""),
            timeout=0.2,
        )
    start = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - start < 3
