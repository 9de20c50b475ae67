"""The failure sweep for the GravityZone connector over httpx.MockTransport, one row per failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

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
from psabridge.connectors.http import CallRecord

from .conftest import API_KEY, FakeClock, assert_no_secret
from .gz_fake import endpoint_items, rpc_error
from .gz_fake import raising as fake_raising

Handler = Callable[[httpx.Request], httpx.Response]


def raising(exc_type: type[httpx.HTTPError]) -> Handler:
    return fake_raising(exc_type, f"boom for {API_KEY}")


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if code == 429:
            return httpx.Response(429, headers=headers or {}, text="Too many requests")
        # A JSON-RPC error body even on 4xx/5xx (reference §1.4), echoing the key.
        return rpc_error(request, -32000, f"failure for key {API_KEY}", status=code)

    return handler


def non_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"<html>Login page {API_KEY}</html>")


def invalid_params(request: httpx.Request) -> httpx.Response:
    # The vendor echoing the key must not leak it into our messages.
    return rpc_error(request, -32602, "Invalid params", f"bad companyId for key {API_KEY}")


def short_page(request: httpx.Request) -> httpx.Response:
    result = {
        "page": 1,
        "pagesCount": 2,
        "perPage": 1000,
        "total": 1500,
        "items": endpoint_items(990),
    }
    return httpx.Response(200, json={"id": None, "jsonrpc": "2.0", "result": result})


def details(platform: GravityZonePlatform) -> Any:
    return platform.company_details("c1")


def endpoints(platform: GravityZonePlatform) -> Any:
    return platform.endpoints("c1")


@dataclass(frozen=True)
class Case:
    name: str
    handler: Handler
    error: type[ConnectorError]
    statuses: tuple[int | None, ...]  # one per attempt
    sleeps: str  # "none", "backoff", or a fixed wait in seconds
    call: Callable[[GravityZonePlatform], Any] = details

    @property
    def attempts(self) -> int:
        return len(self.statuses)


NO_ANSWER = (None,) * 4
RETRY_AFTER_3 = status(429, {"Retry-After": "3"})
RETRY_AFTER_120 = status(429, {"Retry-After": "120"})

CASES = [
    Case("timeout", raising(httpx.ReadTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connect timeout", raising(httpx.ConnectTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connection error", raising(httpx.ConnectError), TransientError, NO_ANSWER, "backoff"),
    Case("connection reset", raising(httpx.ReadError), TransientError, NO_ANSWER, "backoff"),
    Case("401", status(401), AuthError, (401,), "none"),
    Case("403", status(403), PermissionDeniedError, (403,), "none"),
    Case("404", status(404), NotFoundError, (404,), "none"),
    Case("429 no Retry-After", status(429), RateLimitedError, (429,) * 4, "backoff"),
    Case("429 Retry-After 3", RETRY_AFTER_3, RateLimitedError, (429,) * 4, "3"),
    Case("429 Retry-After 120", RETRY_AFTER_120, RateLimitedError, (429,), "none"),
    Case("500", status(500), TransientError, (500,) * 4, "backoff"),
    Case("503", status(503), TransientError, (503,) * 4, "backoff"),
    Case("non-JSON body", non_json, ConfigError, (200,), "none"),
    Case("invalid params", invalid_params, ConfigError, (200,), "none"),
    Case("short page", short_page, TransientError, (200,), "none", endpoints),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_sweep(
    case: Case,
    make_platform: Callable[..., GravityZonePlatform],
    clock: FakeClock,
    records: list[CallRecord],
) -> None:
    platform = make_platform(case.handler)

    with pytest.raises(case.error) as raised:
        case.call(platform)

    assert type(raised.value) is case.error
    assert [r.attempt for r in records] == list(range(1, case.attempts + 1))
    assert tuple(r.status for r in records) == case.statuses
    assert all(r.system == "gravityzone" and r.method == "POST" for r in records)
    assert {r.path for r in records} <= {"/api/v1.0/jsonrpc/companies", "/api/v1.1/jsonrpc/network"}
    if case.name != "short page":  # the page itself was a fine answer; the adapter refused it
        assert all(r.error_kind == case.error.kind for r in records)
    _assert_sleeps(case.sleeps, clock.sleeps, case.attempts)
    assert_no_secret(raised.value, raised.value.message, *records)


def _assert_sleeps(expected: str, sleeps: list[float], attempts: int) -> None:
    if expected == "none":
        assert sleeps == []
    elif expected == "backoff":
        # Exponential with jitter: 0.5 * 2**n + U(0, 0.5), never above backoff_max.
        assert len(sleeps) == attempts - 1
        for n, slept in enumerate(sleeps):
            assert 0.5 * 2**n <= slept <= 0.5 * 2**n + 0.5
    else:
        assert sleeps == [float(expected)] * (attempts - 1)


def test_429_then_success_is_retried_after_retry_after(
    make_platform: Callable[..., GravityZonePlatform],
    clock: FakeClock,
    records: list[CallRecord],
) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"})])

    def handler(request: httpx.Request) -> httpx.Response:
        fallback = httpx.Response(200, json={"id": None, "jsonrpc": "2.0", "result": {"id": "c1"}})
        return next(answers, fallback)

    assert make_platform(handler).company_details("c1").id == "c1"
    assert clock.sleeps == [2.0]
    assert [(r.attempt, r.status, r.error_kind) for r in records] == [
        (1, 429, "rate_limited"),
        (2, 200, None),
    ]


def test_rate_limited_error_carries_retry_after(
    make_platform: Callable[..., GravityZonePlatform],
) -> None:
    platform = make_platform(status(429, {"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as raised:
        platform.company_details("c1")
    assert raised.value.retry_after == 120.0


def test_403_names_the_service(make_platform: Callable[..., GravityZonePlatform]) -> None:
    with pytest.raises(PermissionDeniedError) as raised:
        make_platform(status(403)).company_details("c1")
    assert raised.value.service == "companies"
    assert "Companies" in raised.value.message


def test_401_message_is_invalid_api_key(make_platform: Callable[..., GravityZonePlatform]) -> None:
    with pytest.raises(AuthError, match=r"^Invalid API key$"):
        make_platform(status(401)).company_details("c1")


def test_invalid_params_shows_redacted_details(
    make_platform: Callable[..., GravityZonePlatform], records: list[CallRecord]
) -> None:
    with pytest.raises(ConfigError) as raised:
        make_platform(invalid_params).company_details("c1")
    assert "bad companyId for key ***" in raised.value.message
    assert records[0].error == raised.value.message
