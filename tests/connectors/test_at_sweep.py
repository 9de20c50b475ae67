"""The failure sweep for the Autotask PSA client over httpx.MockTransport."""

from __future__ import annotations

import logging
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
from psabridge.connectors.http import CallRecord

from .at_fake import (
    SECRET,
    ZONE,
    FakeAt,
    Route,
    assert_no_secrets,
    at_client,
    page,
    raising,
    reply,
)
from .conftest import FakeClock

THREAD_TEXT = (
    "Thread Threshold Exceeded - The Autotask API thread threshold of 3 threads has been "
    "exceeded. (Itgenatr005)"
)


def status(code: int, *texts: str, headers: dict[str, str] | None = None) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        # The vendor's envelope, echoing the secret header to test redaction.
        echo = f"failed for {request.headers['secret']}"
        return reply(code, {"errors": [*(texts or (f"HTTP {code}",)), echo]}, headers)

    return route


def generic_500(request: httpx.Request) -> httpx.Response:
    return reply(500, {"errors": ["An unexpected error has occurred."]})


def non_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"<html>Login {SECRET}</html>")


def rows(start: int, n: int) -> list[dict[str, Any]]:
    return [{"id": i, "companyName": f"C{i}"} for i in range(start, start + n)]


def count_mismatch(request: httpx.Request) -> Any:
    # The page lost its last item but still claims 500 (the simulator's short_page fault).
    return page(rows(1, 499), None, count=500)


def short_with_next(request: httpx.Request) -> Any:
    return page(rows(1, 499), f"{ZONE}V1.0/Companies/query/next?paging=x")


def repeating_next(request: httpx.Request) -> Any:
    return page(rows(1, 500), f"{ZONE}V1.0/Companies/query/next?paging=same")


def foreign_next(request: httpx.Request) -> Any:
    return page(rows(1, 500), "https://evil.example/ATServicesRest/V1.0/Companies/query/next")


@dataclass(frozen=True)
class Case:
    name: str
    route: Route
    error: type[ConnectorError]
    statuses: tuple[int | None, ...]  # one per attempt at Companies/query
    sleeps: str  # "none", "backoff", or a fixed wait in seconds


NO_ANSWER = (None,) * 4

CASES = [
    Case("timeout", raising(httpx.ReadTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connect timeout", raising(httpx.ConnectTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connection error", raising(httpx.ConnectError), TransientError, NO_ANSWER, "backoff"),
    Case("connection reset", raising(httpx.ReadError), TransientError, NO_ANSWER, "backoff"),
    Case("400", status(400), ConfigError, (400,), "none"),
    Case("403", status(403), PermissionDeniedError, (403,), "none"),
    Case("404", status(404), NotFoundError, (404,), "none"),
    Case("405", status(405), ConfigError, (405,), "none"),
    Case("429 no Retry-After", status(429), RateLimitedError, (429,) * 4, "backoff"),
    Case(
        "429 Retry-After 3",
        status(429, headers={"Retry-After": "3"}),
        RateLimitedError,
        (429,) * 4,
        "3",
    ),
    Case(
        "429 Retry-After 120",
        status(429, headers={"Retry-After": "120"}),
        RateLimitedError,
        (429,),
        "none",
    ),
    Case("429 thread limit", status(429, THREAD_TEXT), RateLimitedError, (429,) * 4, "1"),
    Case("500 thread limit", status(500, THREAD_TEXT), RateLimitedError, (500,) * 4, "1"),
    Case(
        "500 validation",
        status(500, "Missing required field: title . "),
        ConfigError,
        (500,),
        "none",
    ),
    Case(
        "500 permission",
        status(500, "The logged in Resource does not have the adequate permissions"),
        PermissionDeniedError,
        (500,),
        "none",
    ),
    Case(
        "500 generic",
        generic_500,
        TransientError,
        (500,) * 4,
        "backoff",
    ),
    Case("500 no body", lambda r: reply(500), TransientError, (500,) * 4, "backoff"),
    Case("503", status(503), TransientError, (503,) * 4, "backoff"),
    Case("non-JSON body", non_json, TransientError, (200,) * 4, "backoff"),
    Case("count mismatch", count_mismatch, TransientError, (200,), "none"),
    Case("short page with next", short_with_next, TransientError, (200,), "none"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_sweep(
    case: Case,
    http_options: dict[str, Any],
    clock: FakeClock,
    records: list[CallRecord],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = at_client(FakeAt({"POST Companies/query": case.route}), http_options)

    with pytest.raises(case.error) as raised:
        client.companies()

    assert type(raised.value) is case.error
    calls = [r for r in records if r.operation == "Companies.query"]
    assert [r.status for r in calls] == list(case.statuses)
    if case.sleeps == "none":
        assert clock.sleeps == []
    elif case.sleeps == "backoff":
        assert len(clock.sleeps) == len(case.statuses) - 1
    else:
        assert clock.sleeps == [float(case.sleeps)] * (len(case.statuses) - 1)
    assert_no_secrets(raised.value, *records, caplog.text)


def test_500_validation_carries_the_vendor_texts(http_options: dict[str, Any]) -> None:
    texts = ("Missing required field: title . ", "Value 99 is not a valid picklist value .")
    client = at_client(FakeAt({"POST Tickets": status(500, *texts)}), http_options)
    with pytest.raises(ConfigError) as raised:
        client.create_ticket({"companyID": 1})
    assert "Missing required field: title" in str(raised.value)
    assert "Value 99 is not a valid picklist value" in str(raised.value)
    assert_no_secrets(raised.value)


def test_401_is_an_auth_error_after_one_zone_recheck(
    http_options: dict[str, Any], records: list[CallRecord]
) -> None:
    fake = FakeAt()
    client = at_client(fake, http_options, secret="wrong-secret")
    with pytest.raises(AuthError) as raised:
        client.companies()
    assert type(raised.value) is AuthError
    assert len(fake.zone_calls()) == 2  # reference §1.1 (DJ re-reads the zone once)
    assert len(fake.api()) == 1


def test_401_after_a_zone_move_retries_on_the_new_zone(http_options: dict[str, Any]) -> None:
    moved = "https://webservices15.autotask.test/ATServicesRest/"
    fake = FakeAt({"POST Companies/query": lambda r: page(rows(1, 2))}, zones=[ZONE, moved])
    client = at_client(fake, http_options)
    assert client.api_base() == f"{ZONE}V1.0"
    assert [c.id for c in client.companies()] == [1, 2]
    assert client.api_base() == f"{moved}V1.0"
    assert [str(r.url).startswith(moved) for r in fake.api()] == [False, True]
    assert len(fake.zone_calls()) == 2


def test_unknown_user_at_zone_discovery_is_an_auth_error(http_options: dict[str, Any]) -> None:
    client = at_client(FakeAt(), http_options, username="nobody@msp.example")
    with pytest.raises(AuthError, match="does not know this API user"):
        client.companies()


def test_zone_discovery_answering_html_is_a_config_error(http_options: dict[str, Any]) -> None:
    def transport(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>hello</html>")

    client = at_client(FakeAt(), {**http_options}, transport=httpx.MockTransport(transport))
    with pytest.raises(ConfigError, match="zone lookup"):
        client.zone()


@pytest.mark.parametrize(
    ("route", "reason"),
    [(repeating_next, "earlier page"), (foreign_next, "another host")],
)
def test_next_page_guards(route: Route, reason: str, http_options: dict[str, Any]) -> None:
    fake = FakeAt({"POST Companies/query": route, "POST Companies/query/next": route})
    with pytest.raises(TransientError, match=reason):
        at_client(fake, http_options).companies()
    assert all(r.url.host != "evil.example" for r in fake.calls)


def test_page_bound_is_an_error_not_a_truncation(http_options: dict[str, Any]) -> None:
    def endless(request: httpx.Request) -> Any:
        n = int(request.url.params.get("paging", "0"))
        return page(rows(n * 500, 500), f"{ZONE}V1.0/Companies/query/next?paging={n + 1}")

    fake = FakeAt({"POST Companies/query": endless, "POST Companies/query/next": endless})
    with pytest.raises(TransientError, match="more than 3 pages"):
        client = at_client(fake, http_options)
        client.max_pages = 3
        client.companies()


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout, httpx.RemoteProtocolError], ids=["timeout", "reset"]
)
@pytest.mark.parametrize(
    ("key", "call"),
    [
        ("POST Tickets", lambda c: c.create_ticket({"companyID": 1, "title": "x"})),
        ("POST Tickets/*/Notes", lambda c: c.create_note(7, {"description": "x"})),
        (
            "POST Contracts/*/ServiceAdjustments",
            lambda c: c.create_service_adjustment(9, {"serviceID": 1, "unitChange": 2}),
        ),
    ],
    ids=["ticket", "note", "adjustment"],
)
def test_creates_are_never_resent_after_an_ambiguous_failure(
    exc: type[httpx.TransportError], key: str, call: Any, http_options: dict[str, Any]
) -> None:
    fake = FakeAt({key: raising(exc)})
    with pytest.raises(TransientError) as raised:
        call(at_client(fake, http_options))
    assert raised.value.ambiguous
    assert len(fake.api("POST")) == 1


def test_create_answer_without_item_id_is_ambiguous(http_options: dict[str, Any]) -> None:
    fake = FakeAt({"POST Tickets": lambda r: {"id": 5}})
    with pytest.raises(TransientError) as raised:
        at_client(fake, http_options).create_ticket({"companyID": 1})
    assert raised.value.ambiguous


def test_missing_record_item_null_is_not_found(http_options: dict[str, Any]) -> None:
    fake = FakeAt({"GET Tickets/*": lambda r: {"item": None}})
    with pytest.raises(NotFoundError, match="ticket 42 does not exist"):
        at_client(fake, http_options).ticket(42)


def test_the_403_names_what_was_refused(http_options: dict[str, Any]) -> None:
    fake = FakeAt({"POST Contracts/query": status(403)})
    with pytest.raises(PermissionDeniedError) as raised:
        at_client(fake, http_options).contracts(company_id=1)
    assert raised.value.service == "contracts"
