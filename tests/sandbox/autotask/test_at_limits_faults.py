"""Hourly threshold with latency and 429, the thread limit, faults and the inspection API."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from psabridge.sandbox.autotask.errors import AtError
from psabridge.sandbox.autotask.limits import HourlyThreshold, ThreadGate

from .helpers import ALL, AtApi


def test_hourly_threshold_429_with_retry_after(make_at: Callable[..., AtApi]) -> None:
    at = make_at(threshold=4, time_scale=1000.0)
    assert [at.get("/Companies/0").status_code for _ in range(4)] == [200] * 4
    refused = at.get("/Companies/0")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "threshold of 4 requests per hour" in refused.json()["errors"][0]
    info = at.ok(at.get("/ThresholdInformation"))  # still answered, not counted
    assert info == {
        "externalRequestThreshold": 4,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 4,
    }
    calls = at.sandbox("GET", "calls")
    assert calls["rate_limited"] == 1 and calls["calls"]["latency penalty"] == 2
    at.sandbox("POST", "reset-limits")
    assert at.get("/Companies/0").status_code == 200


def test_latency_penalty_from_half_and_three_quarters() -> None:
    now = [0.0]
    threshold = HourlyThreshold(8, monotonic=lambda: now[0])
    delays = [threshold.admit() for _ in range(8)]
    assert delays == [0.0] * 4 + [0.5, 0.5, 1.0, 1.0]
    with pytest.raises(AtError) as caught:
        threshold.admit()
    assert caught.value.status == 429 and caught.value.headers == {"Retry-After": "3600"}
    now[0] = 3600.0  # the rolling hour clears
    assert threshold.admit() == 0.0


def test_thread_gate_per_code_and_endpoint() -> None:
    gate = ThreadGate(3)
    with gate.hold("A", "Tickets"), gate.hold("A", "tickets"), gate.hold("A", "Tickets"):
        with pytest.raises(AtError) as caught, gate.hold("A", "Tickets"):
            pass
        with gate.hold("A", "Companies"), gate.hold("B", "Tickets"):
            assert gate.busy() == {"A tickets": 3, "A companies": 1, "B tickets": 1}
    assert caught.value.status == 429
    assert "thread threshold of 3 threads" in caught.value.errors[0]
    assert "Itgenatr005" in caught.value.errors[0]
    assert gate.busy() == {} and gate.refused == 1


def test_fourth_concurrent_call_is_refused(
    at_server: object, make_at: Callable[..., AtApi]
) -> None:
    at = make_at()
    fault = {"path": "/Companies/*", "mode": "latency", "latency_ms": 1500, "times": 3}
    at.sandbox("POST", "faults", fault)
    held = [threading.Thread(target=at.get, args=("/Companies/0",)) for _ in range(3)]
    for thread in held:
        thread.start()
    for _ in range(300):  # the three calls are held by the latency fault, slots taken
        if sum(at.sim.limits.gate.busy().values()) == 3:
            break
        threading.Event().wait(0.01)
    assert at.sim.limits.gate.busy() == {f"{at.info['integration_code']} companies": 3}
    refused = at.get("/Companies/0")
    assert at.get("/Services/1").status_code == 200  # another endpoint has its own threads
    for thread in held:
        thread.join()
    assert refused.status_code == 429 and "Itgenatr005" in refused.json()["errors"][0]
    assert at.get("/Companies/0").status_code == 200


def test_status_fault_then_recovery(at: AtApi) -> None:
    at.sandbox("POST", "faults", {"path": "/Tickets/query", "mode": "status", "status": 503})
    answer = at.post("/Tickets/query", {"filter": [ALL]})
    assert at.errors(answer, 503) == ["Injected HTTP 503"]
    assert at.post("/Tickets/query", {"filter": [ALL]}).status_code == 200


def test_injected_429_carries_retry_after(at: AtApi) -> None:
    at.sandbox("POST", "faults", {"mode": "status", "status": 429, "retry_after": 7})
    answer = at.get("/Companies/0")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"


def test_commit_then_500_writes(at: AtApi) -> None:
    fault = {"path": "/Tickets", "method": "POST", "mode": "commit_then_500"}
    at.sandbox("POST", "faults", fault)
    assert at.errors(at.post("/Tickets", at.ticket(externalID="gz-9"))) == [
        "An unexpected error has occurred."
    ]
    assert at.ok(at.post("/Tickets/query/count", {"filter": [ALL]})) == {"queryCount": 1}


@pytest.mark.parametrize(("mode", "written"), [("commit_then_reset", 1), ("reset", 0)])
def test_reset_before_or_after_the_write(at: AtApi, mode: str, written: int) -> None:
    at.sandbox("POST", "faults", {"path": "/Tickets", "method": "POST", "mode": mode})
    with pytest.raises(httpx.TransportError):
        at.post("/Tickets", at.ticket())
    assert at.ok(at.post("/Tickets/query/count", {"filter": [ALL]})) == {"queryCount": written}


def test_timeout_and_short_page_and_non_json(at: AtApi) -> None:
    at.sandbox("POST", "faults", {"path": "/Services/1", "mode": "timeout", "latency_ms": 300})
    with pytest.raises(httpx.ReadTimeout):
        at.http.get(f"{at.base_url}/Services/1", headers=at.headers(), timeout=0.1)
    at.sandbox("POST", "faults", {"path": "/Services/*", "mode": "short_page"})
    assert len(at.query("Services", ALL)) == 3
    at.sandbox("POST", "faults", {"path": "/Services/1", "mode": "non_json"})
    assert at.get("/Services/1").headers["content-type"].startswith("text/html")


def test_fault_validation_and_listing(at: AtApi) -> None:
    listed = at.sandbox("POST", "faults", {"mode": "latency", "latency_ms": 1, "times": None})
    assert listed["faults"][0]["times"] is None
    assert at.sandbox("DELETE", "faults") == {"faults": []}
    assert "mode must be" in at.sandbox("POST", "faults", {"mode": "explode"})["error"]


def test_call_counters_per_template(at: AtApi) -> None:
    at.get("/Companies/0")
    at.get("/companies/174")
    at.post("/Tickets/query", {"filter": [ALL]})
    calls = at.sandbox("GET", "calls")["calls"]
    assert calls["GET /Companies/{id}"] == 2 and calls["POST /Tickets/query"] == 1
    assert at.sandbox("POST", "reset-calls") == {"ok": True}
    assert at.sandbox("GET", "calls") == {"calls": {}, "rate_limited": 0}


def test_state_reset_and_clock(make_at: Callable[..., AtApi]) -> None:
    at = make_at()
    at.create("/Tickets", _plain(at))
    state = at.sandbox("GET", "state")
    assert len(state["tickets"]) == 1 and state["counts"]["Tickets"] == 1
    before = state["now"]
    assert at.sandbox("POST", "clock", {"advance_seconds": 86400})["now"] > before
    ticket = at.item("Tickets", at.create("/Tickets", _plain(at)))
    assert ticket["createDate"][:10] > before[:10]
    assert at.sandbox("POST", "reset") == {"ok": True}
    assert at.sandbox("GET", "state")["counts"]["Tickets"] == 0
    bad = at.sandbox("POST", "units/approve", {"contract_id": 1})
    assert "through" in bad["error"]


def _plain(at: AtApi) -> dict[str, object]:
    return {"companyID": 0, "title": "x", "status": 1, "priority": 2}
