"""Per-key rate limits: burst queues, 429 with Retry-After, push 5/min (reference 1.6)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from psabridge.sandbox.gravityzone.errors import RpcError
from psabridge.sandbox.gravityzone.ratelimit import RateLimiter, limit_class
from psabridge.sandbox.runner import Sandbox

from .gzhelpers import Rpc


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limit_classes() -> None:
    assert limit_class("network", "getEndpointsList") == "default"
    assert limit_class("licensing", "getMonthlyUsage") == "licensing"
    assert limit_class("push", "getPushEventStats") == "push"
    assert limit_class("companies", "getCompanyDetails") == "default"
    assert limit_class("companies", "getCompanyDetails", mirror_limits=True) == "licensing"


def test_default_limit_queues_burst_then_refuses() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(monotonic=clock)
    waits = [limiter.reserve("k", "network", "getEndpointsList") for _ in range(20)]
    assert waits[:10] == [0.0] * 10
    assert all(w == pytest.approx(1.0) for w in waits[10:])  # queued, run in order
    with pytest.raises(RpcError) as refused:
        limiter.reserve("k", "network", "getEndpointsList")
    assert refused.value.http_status == 429 and refused.value.headers["Retry-After"] == "1"
    # Another key has its own budget.
    assert limiter.reserve("other", "network", "getEndpointsList") == 0.0
    clock.now += 2.0
    assert limiter.reserve("k", "network", "getEndpointsList") == 0.0


def test_push_limit_has_no_burst() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(monotonic=clock)
    for _ in range(5):
        assert limiter.reserve("k", "push", "getPushEventStats") == 0.0
    clock.now += 20
    with pytest.raises(RpcError) as refused:
        limiter.reserve("k", "push", "setPushEventSettings")
    assert refused.value.headers["Retry-After"] == "40"
    limiter.reset()
    assert limiter.reserve("k", "push", "getPushEventStats") == 0.0


def test_time_scale_shrinks_periods() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(monotonic=clock, time_scale=60)
    for _ in range(5):
        limiter.reserve("k", "push", "getPushEventStats")
    clock.now += 1.01
    assert limiter.reserve("k", "push", "getPushEventStats") == 0.0


def test_disabled_limiter_admits_everything() -> None:
    limiter = RateLimiter(enabled=False)
    assert all(limiter.reserve("k", "push", "x") == 0.0 for _ in range(50))


def test_push_methods_answer_429_over_http(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    rpc = Rpc(make_sandbox(rate_limits=True), http)
    for _ in range(5):
        assert rpc.post("push", "getPushEventStats", {}).status_code == 200
    refused = rpc.post("push", "getPushEventStats", {})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert body["error"]["code"] == -32000 and body["id"] is not None
    assert rpc.sandbox("GET", "state")["rate_limited"] == 1
    rpc.sandbox("POST", "reset-limits")
    assert rpc.post("push", "getPushEventStats", {}).status_code == 200


def test_burst_is_queued_in_order_over_http(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    rpc = Rpc(make_sandbox(rate_limits=True), http)
    rpc.post("general", "getApiKeyDetails", {})  # warm up the connection pool
    rpc.sandbox("POST", "reset-limits")

    def call(_: int) -> tuple[int, float]:
        start = time.monotonic()
        status = rpc.post("general", "getApiKeyDetails", {}).status_code
        return status, time.monotonic() - start

    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(call, range(25)))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == 20 and statuses.count(429) == 5
    slow = [d for s, d in results if s == 200 and d > 0.5]
    assert len(slow) == 10  # the burst waited about a second in the queue
