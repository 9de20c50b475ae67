"""HttpClient policy: retries, idempotency, Retry-After, rate budget, audit, redaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from limits import RateLimitItemPerMinute

from psabridge.connectors.errors import (
    ConfigError,
    ConnectorError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.http import CallRecord, HttpClient, RateBudget, parse_retry_after, redact

from .conftest import FakeClock, assert_no_secret

SECRET = "s3cret-token-value-XYZ"
Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*steps: httpx.Response | type[httpx.HTTPError]) -> tuple[Handler, list[httpx.Request]]:
    """Return a handler playing `steps` in order (the last one repeats) and the requests seen."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, httpx.Response):
            return step
        raise step("failed", request=request)

    return handler, seen


@pytest.fixture
def make_http(http_options: dict[str, Any]) -> Callable[..., HttpClient]:
    def build(handler: Handler, **overrides: Any) -> HttpClient:
        options = {**http_options, "transport": httpx.MockTransport(handler), **overrides}
        return HttpClient("testsys", base_url="https://api.test/v1", secrets=[SECRET], **options)

    return build


def test_success_is_recorded_once(make_http: Callable[..., HttpClient], records: list[CallRecord]):
    handler, seen = scripted(httpx.Response(200, json={"ok": True}))
    response = make_http(handler).request(
        "get", "/things", operation="things.list", params={"token": SECRET}
    )
    assert response.json() == {"ok": True}
    assert str(seen[0].url).startswith("https://api.test/v1/things?")
    (record,) = records
    assert (record.system, record.operation, record.method) == ("testsys", "things.list", "GET")
    assert (record.path, record.status, record.error_kind, record.attempt) == (
        "/v1/things",
        200,
        None,
        1,
    )
    assert record.at.tzinfo is not None
    assert_no_secret(record, secret=SECRET)


def test_absolute_url_is_used_as_is(make_http: Callable[..., HttpClient]):
    handler, seen = scripted(httpx.Response(204))
    make_http(handler).request("POST", "https://other.test/x", operation="x")
    assert str(seen[0].url) == "https://other.test/x"


@pytest.mark.parametrize(
    ("failure", "retried"),
    [
        (httpx.ReadTimeout, False),  # the request was sent: it may have been applied
        (httpx.WriteTimeout, False),
        (httpx.ReadError, False),  # connection reset after sending
        (httpx.RemoteProtocolError, False),
        (httpx.ConnectError, True),  # nothing was sent: safe to retry even a create
        (httpx.ConnectTimeout, True),
    ],
)
def test_non_idempotent_requests_are_not_retried_after_ambiguous_failures(
    make_http: Callable[..., HttpClient],
    records: list[CallRecord],
    failure: type[httpx.HTTPError],
    retried: bool,
):
    handler, seen = scripted(failure, httpx.Response(201, json={"id": 7}))
    client = make_http(handler)
    if retried:
        assert (
            client.request("POST", "/tickets", operation="create", idempotent=False).status_code
            == 201
        )
        assert len(seen) == 2
    else:
        with pytest.raises(TransientError) as raised:
            client.request("POST", "/tickets", operation="create", idempotent=False)
        assert raised.value.ambiguous
        assert len(seen) == len(records) == 1


def test_non_idempotent_request_is_not_retried_after_5xx(make_http: Callable[..., HttpClient]):
    handler, seen = scripted(httpx.Response(502), httpx.Response(201))
    with pytest.raises(TransientError) as raised:
        make_http(handler).request("POST", "/tickets", operation="create", idempotent=False)
    assert raised.value.ambiguous and len(seen) == 1


def test_non_idempotent_request_is_retried_after_429(
    make_http: Callable[..., HttpClient], clock: FakeClock
):
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201))
    response = make_http(handler).request("POST", "/t", operation="create", idempotent=False)
    assert response.status_code == 201 and len(seen) == 2 and clock.sleeps == [1.0]


def test_retry_after_http_date_is_honoured(make_http: Callable[..., HttpClient], clock: FakeClock):
    when = format_datetime(clock.now() + timedelta(seconds=7), usegmt=True)
    handler, _ = scripted(httpx.Response(429, headers={"Retry-After": when}), httpx.Response(200))
    make_http(handler).request("GET", "/x", operation="x")
    assert clock.sleeps == [7.0]


def test_retry_after_beyond_backoff_max_raises_without_sleeping(
    make_http: Callable[..., HttpClient], clock: FakeClock
):
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "11"}))
    with pytest.raises(RateLimitedError) as raised:
        make_http(handler, backoff_max=10.0).request("GET", "/x", operation="x")
    assert raised.value.retry_after == 11.0 and clock.sleeps == [] and len(seen) == 1


NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Thu, 02 Jan 2025 03:04:35 GMT", 30.0),
        ("Thu, 02 Jan 2025 03:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        ("inf", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None):
    assert parse_retry_after(header, NOW) == seconds


def test_budget_is_acquired_before_every_attempt(
    make_http: Callable[..., HttpClient], clock: FakeClock
):
    budget = RateBudget("memory://", f"test-{uuid4()}", sleeper=clock.sleep, clock=clock.time)
    handler, seen = scripted(httpx.Response(500), httpx.Response(500), httpx.Response(200))
    client = make_http(
        handler,
        budget=budget,
        rate_limits={"default": RateLimitItemPerMinute(2)},
        rate_max_wait=120.0,
        max_attempts=3,
    )
    client.request("GET", "/x", operation="x")
    # Attempts 1 and 2 fill the 2/minute window; attempt 3 waits for the first slot to free.
    assert len(seen) == 3
    backoffs, budget_wait = clock.sleeps[:2], clock.sleeps[2]
    assert 0.5 <= backoffs[0] <= 1.0 and 1.0 <= backoffs[1] <= 1.5
    assert budget_wait == pytest.approx(60.0 - sum(backoffs), abs=0.01)


def test_local_budget_refusal_is_recorded_and_not_retried(
    make_http: Callable[..., HttpClient], clock: FakeClock, records: list[CallRecord]
):
    budget = RateBudget("memory://", f"test-{uuid4()}", sleeper=clock.sleep, clock=clock.time)
    handler, seen = scripted(httpx.Response(200))
    client = make_http(
        handler, budget=budget, rate_limits={"push": RateLimitItemPerMinute(1)}, rate_max_wait=5
    )
    client.request("POST", "/p", operation="push", rate_key="push")
    with pytest.raises(RateLimitedError) as raised:
        client.request("POST", "/p", operation="push", rate_key="push")
    assert raised.value.local and raised.value.retry_after == pytest.approx(60.0, abs=0.01)
    assert len(seen) == 1 and clock.sleeps == []
    assert (records[-1].status, records[-1].error_kind) == (None, "rate_limited")


def test_check_hook_errors_are_classified_and_redacted(
    make_http: Callable[..., HttpClient], records: list[CallRecord]
):
    def check(response: httpx.Response) -> None:
        raise ConfigError(f"vendor says no to {SECRET}")

    handler, _ = scripted(httpx.Response(200))
    with pytest.raises(ConfigError) as raised:
        make_http(handler).request("GET", "/x", operation="x", check=check)
    assert raised.value.message == "vendor says no to ***"
    assert records[0].error == "vendor says no to ***" and records[0].status == 200


def test_audit_failure_does_not_fail_the_call(make_http: Callable[..., HttpClient]):
    def broken_audit(record: CallRecord) -> None:
        raise RuntimeError("audit store down")

    handler, _ = scripted(httpx.Response(200))
    assert make_http(handler, audit=broken_audit).request("GET", "/", operation="x").is_success


def test_duration_comes_from_the_injected_clock(
    make_http: Callable[..., HttpClient], clock: FakeClock, records: list[CallRecord]
):
    def slow(request: httpx.Request) -> httpx.Response:
        clock.advance(0.25)
        return httpx.Response(200)

    make_http(slow).request("GET", "/", operation="x")
    assert records[0].duration_ms == pytest.approx(250.0)


@pytest.mark.parametrize(
    ("code", "error", "retried"),
    [
        (301, ConfigError, False),
        (400, ConfigError, False),
        (408, TransientError, True),
        (422, ConfigError, False),
        (504, TransientError, True),
    ],
)
def test_default_status_classification(
    make_http: Callable[..., HttpClient],
    code: int,
    error: type[ConnectorError],
    retried: bool,
):
    handler, seen = scripted(httpx.Response(code))
    with pytest.raises(error):
        make_http(handler).request("GET", "/", operation="x")
    assert len(seen) == (4 if retried else 1)


def test_invalid_url_is_a_config_error(http_options: dict[str, Any]):
    client = HttpClient("testsys", base_url="ftp://nowhere", **http_options)
    with pytest.raises(ConfigError):
        client.request("GET", "/", operation="x")


def test_injected_client_is_used_and_not_closed(http_options: dict[str, Any]):
    handler, seen = scripted(httpx.Response(200))
    shared = httpx.Client(transport=httpx.MockTransport(handler))
    with HttpClient("testsys", base_url="https://a.test", client=shared, **http_options) as client:
        client.request("GET", "/", operation="x")
    assert len(seen) == 1 and not shared.is_closed
    shared.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {SECRET} here", "key *** here"),
        ("basic czNjcmV0LXRva2VuLXZhbHVlLVhZWjo=", "basic ***"),
        ("nothing secret", "nothing secret"),
    ],
)
def test_redact(text: str, expected: str):
    assert redact(text, [SECRET, ""]) == expected
