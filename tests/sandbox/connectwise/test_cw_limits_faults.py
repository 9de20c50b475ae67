"""429 past the budget, fault injection and call counters of the PSA simulator."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from psabridge.sandbox.connectwise.errors import CwError
from psabridge.sandbox.connectwise.ratelimit import SlidingWindowLimiter
from psabridge.sandbox.runner import Sandbox

from .helpers import CwApi


def test_429_with_retry_after_past_the_budget(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    cw = CwApi(make_sandbox(rate_limits=True, cw_rate_limit=(3, 60.0)), http)
    assert [cw.get("/system/info").status_code for _ in range(3)] == [200, 200, 200]
    refused = cw.get("/system/info")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert body["error"] == "ConnectWiseAPI" and "code" not in body
    assert body["message"].startswith("Too many requests. Please try again in")
    assert cw.sandbox("GET", "calls")["rate_limited"] == 1
    cw.sandbox("POST", "reset-limits")
    assert cw.get("/system/info").status_code == 200


def test_rate_limit_off_with_none(make_sandbox: Callable[..., Sandbox], http: httpx.Client) -> None:
    cw = CwApi(make_sandbox(rate_limits=True, cw_rate_limit=None), http)
    assert all(cw.get("/system/info").status_code == 200 for _ in range(5))


def test_window_slides_and_respects_time_scale() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter((2, 60.0), time_scale=60.0, monotonic=lambda: now[0])
    limiter.admit("k")
    limiter.admit("k")
    with pytest.raises(CwError) as caught:
        limiter.admit("k")
    assert caught.value.headers == {"Retry-After": "1"}
    limiter.admit("other")  # per API key
    now[0] = 1.01  # 60 s scaled down by 60
    limiter.admit("k")


def test_status_fault_then_recovery(cw: CwApi) -> None:
    cw.sandbox("POST", "faults", {"path": "/service/tickets", "mode": "status", "status": 503})
    answer = cw.get("/service/tickets")
    assert answer.status_code == 503 and answer.json()["message"] == "Injected HTTP 503"
    assert cw.get("/service/tickets").status_code == 200


def test_injected_429_uses_the_rate_limit_body(cw: CwApi) -> None:
    fault = {"path": "*", "mode": "status", "status": 429, "retry_after": 7}
    cw.sandbox("POST", "faults", fault)
    answer = cw.get("/company/companies")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert answer.json()["error"] == "ConnectWiseAPI"


def test_non_json_short_page_and_prefix_paths(cw: CwApi) -> None:
    cw.sandbox("POST", "faults", {"path": "/company/*", "mode": "non_json", "method": "GET"})
    answer = cw.get("/company/companies")
    assert answer.headers["content-type"].startswith("text/html")
    cw.sandbox("POST", "faults", {"path": "/company/companies", "mode": "short_page"})
    assert len(cw.ok(cw.get("/company/companies"))) == 24


def test_commit_then_500_writes(cw: CwApi) -> None:
    cw.sandbox(
        "POST", "faults", {"path": "/service/tickets", "method": "POST", "mode": "commit_then_500"}
    )
    body = {"summary": "x", "company": {"id": cw.case("active_only")}, "board": {"id": 1}}
    assert cw.post("/service/tickets", body).status_code == 500
    assert cw.ok(cw.get("/service/tickets/count")) == {"count": 1}


@pytest.mark.parametrize(("mode", "written"), [("hang", 0), ("commit_then_hang", 1)])
def test_a_hung_write_is_dropped_before_or_after_it_is_done(
    cw: CwApi, mode: str, written: int
) -> None:
    fault = {"path": "/service/tickets", "method": "POST", "mode": mode, "latency_ms": 200}
    cw.sandbox("POST", "faults", fault)
    body = {"summary": "x", "company": {"id": cw.case("active_only")}, "board": {"id": 1}}
    with pytest.raises(httpx.TransportError):
        cw.post("/service/tickets", body)
    assert cw.ok(cw.get("/service/tickets/count")) == {"count": written}


def test_reset_and_timeout_faults(cw: CwApi) -> None:
    cw.sandbox("POST", "faults", {"path": "/system/info", "mode": "reset"})
    with pytest.raises(httpx.TransportError):
        cw.get("/system/info")
    cw.sandbox("POST", "faults", {"path": "/system/info", "mode": "timeout", "latency_ms": 300})
    with pytest.raises(httpx.ReadTimeout):
        cw.http.get(f"{cw.base_url}/system/info", headers=cw.headers(), timeout=0.1)


def test_latency_fault_and_faults_listing(cw: CwApi) -> None:
    fault = {"path": "/system/info", "mode": "latency", "latency_ms": 50, "times": None}
    listed = cw.sandbox("POST", "faults", fault)["faults"]
    assert listed[0]["mode"] == "latency" and listed[0]["times"] is None
    assert cw.get("/system/info").status_code == 200
    assert cw.sandbox("DELETE", "faults") == {"faults": []}
    assert "mode must be" in cw.sandbox("POST", "faults", {"mode": "explode"})["error"]
    assert "method" in cw.sandbox("POST", "faults", {"mode": "status", "method": "TRACE"})["error"]


def test_call_counters_per_template(cw: CwApi) -> None:
    cw.get("/company/companies")
    cw.get("/company/companies/250")
    cw.get("/company/companies/251")
    cw.get("/finance/agreements/1/additions")
    calls = cw.sandbox("GET", "calls")
    assert calls["calls"]["GET /company/companies"] == 1
    assert calls["calls"]["GET /company/companies/{id}"] == 2
    assert calls["calls"]["GET /finance/agreements/{parentId}/additions"] == 1
    assert cw.sandbox("POST", "reset-calls") == {"ok": True}
    assert cw.sandbox("GET", "calls") == {"calls": {}, "rate_limited": 0}
    assert cw.sim.calls() == {"calls": {}, "rate_limited": 0}
