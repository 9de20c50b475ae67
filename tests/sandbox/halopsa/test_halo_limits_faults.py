"""Rolling-window rate limit (reference 2.4) and fault injection, incl. commit_then_* modes."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from psabridge.sandbox.halopsa.errors import HaloError
from psabridge.sandbox.halopsa.ratelimit import RollingWindowLimiter
from psabridge.sandbox.runner import Sandbox

from .helpers import HaloApi


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rolling_window() -> None:
    clock = FakeMonotonic()
    limiter = RollingWindowLimiter((3, 300.0), monotonic=clock)
    for at in (100.0, 110.0, 130.0):
        clock.now = at
        limiter.admit("app")
    with pytest.raises(HaloError) as refused:
        limiter.admit("app")
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "270"
    assert refused.value.message == "Rate Limit Reached - 3 Requests per rolling 5 minute window"
    limiter.admit("other-app")  # each client_id has its own window
    clock.now = 401.0
    limiter.admit("app")  # the request at 100 left the window
    with pytest.raises(HaloError) as again:
        limiter.admit("app")
    assert again.value.headers["Retry-After"] == "9"


def test_429_over_http_with_retry_after(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    halo = HaloApi(make_sandbox(rate_limits=True, halo_rate_limit=(4, 60.0)), http)
    halo.token()  # the token request counts too
    for _ in range(3):
        assert halo.get("/api/Status").status_code == 200
    refused = halo.get("/api/Status")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json() == {
        "message": "Rate Limit Reached - 4 Requests per rolling 1 minute window"
    }
    assert halo.token_response().status_code == 429
    assert halo.sandbox("GET", "state")["rate_limited"] == 2
    halo.sandbox("POST", "reset-limits")
    assert halo.get("/api/Status").status_code == 200


def test_default_limit_is_300_per_5_minutes(halo: HaloApi) -> None:
    assert Sandbox().halopsa.limiter.limit == (300, 300.0)
    assert halo.sim.limiter.limit is None  # rate_limits=False turns it off


def arm(halo: HaloApi, **fault: object) -> None:
    halo.sandbox("POST", "faults", fault)


@pytest.mark.parametrize(("retry_after", "header"), [(7, "7"), (None, None)])
def test_status_fault(halo: HaloApi, retry_after: int | None, header: str | None) -> None:
    arm(
        halo,
        path="/api/Tickets",
        method="GET",
        mode="status",
        status=429,
        retry_after=retry_after,
        times=2,
    )
    for _ in range(2):
        response = halo.get("/api/tickets")
        assert response.status_code == 429 and response.headers.get("Retry-After") == header
        assert response.json()["message"].startswith("Rate Limit Reached")
    assert halo.get("/api/Tickets").status_code == 200


def test_fault_matching(halo: HaloApi) -> None:
    arm(halo, path="/api/Tickets*", mode="status", status=503, times=None)
    assert halo.get("/api/Status").status_code == 200
    assert halo.get("/api/Tickets/1001").status_code == 503
    assert halo.post("/api/Tickets", [{}]).status_code == 503
    assert halo.sandbox("GET", "faults")["faults"][0]["times"] is None
    halo.sandbox("DELETE", "faults")
    arm(halo, path="/auth/token", mode="status", status=500)
    assert halo.token_response().status_code == 500
    assert halo.token_response().status_code == 200


def test_non_json_and_latency(halo: HaloApi) -> None:
    halo.token()
    arm(halo, mode="non_json")
    response = halo.get("/api/Status")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    arm(halo, mode="latency", latency_ms=250)
    start = time.monotonic()
    assert halo.get("/api/Status").status_code == 200
    assert time.monotonic() - start >= 0.25


def test_timeout_fault(halo: HaloApi) -> None:
    token = halo.token()
    arm(halo, mode="timeout", latency_ms=600)
    with pytest.raises(httpx.ReadTimeout):
        halo.request("GET", "/api/Status", token=token, timeout=0.2)
    assert halo.get("/api/Status").status_code == 200


def test_short_page(halo: HaloApi) -> None:
    arm(halo, path="/api/Client", mode="short_page")
    page = halo.ok(halo.get("/api/Client", pageinate="true", page_size=5))
    assert page["record_count"] > 5 and len(page["clients"]) == 4
    arm(halo, path="/api/Outcome", mode="short_page")
    assert len(halo.ok(halo.get("/api/Outcome"))) == 4


def test_reset_fault(halo: HaloApi) -> None:
    halo.token()
    arm(halo, mode="reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        halo.get("/api/Status")
    assert halo.get("/api/Status").status_code == 200


def test_commit_then_reset_writes_once(halo: HaloApi) -> None:
    halo.token()
    arm(halo, path="/api/Tickets", method="POST", mode="commit_then_reset")
    body = [{"summary": "s", "client_id": halo.client_id(), "supplier_reference": "psabridge:x"}]
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        halo.post("/api/Tickets", body)
    found = halo.ok(halo.get("/api/Tickets", search_supplier_reference="psabridge:x"))
    assert found["record_count"] == 1  # the write happened: look it up before retrying


@pytest.mark.parametrize(("mode", "written"), [("hang", 0), ("commit_then_hang", 1)])
def test_a_hung_write_is_dropped_before_or_after_it_is_done(
    halo: HaloApi, mode: str, written: int
) -> None:
    # What a client killed during a write leaves behind: nothing, or a write it never heard of.
    halo.token()
    arm(halo, path="/api/Tickets", method="POST", mode=mode, latency_ms=200)
    body = [{"summary": "s", "client_id": halo.client_id(), "supplier_reference": "psabridge:h"}]
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        halo.post("/api/Tickets", body)
    found = halo.ok(halo.get("/api/Tickets", search_supplier_reference="psabridge:h"))
    assert found["record_count"] == written


def test_commit_then_500(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    arm(halo, path="/api/Actions", method="POST", mode="commit_then_500")
    response = halo.note(ticket["id"], outcome_id=7)
    assert response.status_code == 500 and response.json()["message"]
    assert halo.ok(halo.get("/api/Actions", ticket_id=ticket["id"]))["record_count"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "explode"},
        {"mode": "status", "status": 42},
        {"mode": "status", "times": 0},
        {"mode": "status", "method": "PATCH"},
        {"mode": "status", "path": 5},
    ],
)
def test_bad_fault_spec(halo: HaloApi, body: dict[str, object]) -> None:
    assert halo.http.post(f"{halo.info['sandbox_url']}/faults", json=body).status_code == 400


def test_stop_wakes_a_request_held_by_a_timeout_fault(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    sandbox = make_sandbox()
    halo = HaloApi(sandbox, http)
    token = halo.token()
    arm(halo, mode="timeout")  # 35 s by default
    with pytest.raises(httpx.ReadTimeout):
        halo.request("GET", "/api/Status", token=token, timeout=0.2)
    start = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - start < 3
