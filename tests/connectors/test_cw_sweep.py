"""The failure sweep for the ConnectWise PSA connector over httpx.MockTransport."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
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
from psabridge.connectors.ports import NewTicket
from psabridge.connectors.ports_agreements import NewAddition

from .conftest import FakeClock
from .cw_fake import (
    PRIVATE_KEY,
    FakeCw,
    Route,
    assert_no_secrets,
    cw_billing,
    cw_desk,
    raising,
    reply,
)


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        # The PSA's envelope, echoing the Authorization header and the key to test redaction.
        echo = f"failed for {request.headers['authorization']} {PRIVATE_KEY}"
        if code == 429:  # Reference: connectwise.md §2.5 (`error`, not `code`)
            return reply(code, {"error": "ConnectWiseAPI", "message": echo}, headers)
        return reply(code, {"code": "Error", "message": echo, "errors": None}, headers)

    return route


def non_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"<html>Login {PRIVATE_KEY}</html>")


def short_page(request: httpx.Request) -> httpx.Response:
    records = [{"id": i, "name": f"B{i}"} for i in range(1, 991)]
    link = f'<{request.url}&page=2>; rel="next"'
    return reply(200, records, {"Link": link})


def looping_page(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params["page"])
    records = [{"id": page * 1000 + i, "name": "B"} for i in range(1000)]
    return reply(
        200, records, {"Link": f'<https://cw.test/x?pageSize=1000&page={page}>; rel="next"'}
    )


@dataclass(frozen=True)
class Case:
    name: str
    route: Route
    error: type[ConnectorError]
    statuses: tuple[int | None, ...]  # one per attempt
    sleeps: str  # "none", "backoff", or a fixed wait in seconds


NO_ANSWER = (None,) * 4

CASES = [
    Case("timeout", raising(httpx.ReadTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connect timeout", raising(httpx.ConnectTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connection error", raising(httpx.ConnectError), TransientError, NO_ANSWER, "backoff"),
    Case("connection reset", raising(httpx.ReadError), TransientError, NO_ANSWER, "backoff"),
    Case("400", status(400), ConfigError, (400,), "none"),
    Case("401", status(401), AuthError, (401,), "none"),
    Case("403", status(403), PermissionDeniedError, (403,), "none"),
    Case("404", status(404), NotFoundError, (404,), "none"),
    Case("409", status(409), ConfigError, (409,), "none"),
    Case("429 no Retry-After", status(429), RateLimitedError, (429,) * 4, "backoff"),
    Case("429 Retry-After 3", status(429, {"Retry-After": "3"}), RateLimitedError, (429,) * 4, "3"),
    Case(
        "429 Retry-After 120", status(429, {"Retry-After": "120"}), RateLimitedError, (429,), "none"
    ),
    Case("500", status(500), TransientError, (500,) * 4, "backoff"),
    Case("503", status(503), TransientError, (503,) * 4, "backoff"),
    Case("non-JSON body", non_json, TransientError, (200,) * 4, "backoff"),
    Case("short page", short_page, TransientError, (200,), "none"),
    Case("repeating next link", looping_page, TransientError, (200,), "none"),
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
    desk = cw_desk(FakeCw({"GET service/boards": case.route}), http_options)

    with pytest.raises(case.error) as raised:
        desk.client.boards()

    assert type(raised.value) is case.error
    api = [r for r in records if r.operation == "service/boards.list"]
    assert [r.attempt for r in api] == list(range(1, len(case.statuses) + 1))
    assert tuple(r.status for r in api) == case.statuses
    assert all(
        r.system == "connectwise" and r.path.endswith("/apis/3.0/service/boards") for r in api
    )
    if case.name not in ("short page", "repeating next link"):
        assert all(r.error_kind == case.error.kind for r in api)
    _assert_sleeps(case.sleeps, clock.sleeps, len(case.statuses))
    assert_no_secrets(raised.value, raised.value.message, *records, caplog.text)


def _assert_sleeps(expected: str, sleeps: list[float], attempts: int) -> None:
    if expected == "none":
        assert sleeps == []
    elif expected == "backoff":
        assert len(sleeps) == attempts - 1
        for n, slept in enumerate(sleeps):
            assert 0.5 * 2**n <= slept <= 0.5 * 2**n + 0.5
    else:
        assert sleeps == [float(expected)] * (attempts - 1)


def test_429_then_success_waits_for_retry_after(
    http_options: dict[str, Any], clock: FakeClock, records: list[CallRecord]
) -> None:
    body = {
        "error": "ConnectWiseAPI",
        "message": "Too many requests. Please try again in 2 seconds.",
    }
    answers = iter([reply(429, body, {"Retry-After": "2"})])
    fake = FakeCw({"GET service/boards": lambda r: next(answers, [{"id": 1, "name": "B"}])})
    assert [b.id for b in cw_desk(fake, http_options).client.boards()] == [1]
    assert clock.sleeps == [2.0]
    api = [
        (r.attempt, r.status, r.error_kind) for r in records if r.operation == "service/boards.list"
    ]
    assert api == [(1, 429, "rate_limited"), (2, 200, None)]


# --- creates: never re-sent after an ambiguous failure ------------------------------------------


@dataclass(frozen=True)
class CreateCase:
    name: str
    route: Route
    error: type[ConnectorError]
    sent: int  # how many times the create reached the server
    ambiguous: bool


CREATE_CASES = [
    CreateCase("timeout", raising(httpx.ReadTimeout), TransientError, 1, True),
    CreateCase("connection reset", raising(httpx.ReadError), TransientError, 1, True),
    CreateCase("500", status(500), TransientError, 1, True),
    CreateCase("non-JSON 201", lambda r: httpx.Response(201, text="ok"), TransientError, 1, True),
    CreateCase("connection refused", raising(httpx.ConnectError), TransientError, 4, False),
    CreateCase("429", status(429, {"Retry-After": "1"}), RateLimitedError, 4, False),
    CreateCase("400", status(400), ConfigError, 1, False),
    CreateCase("401", status(401), AuthError, 1, False),
    CreateCase("403", status(403), PermissionDeniedError, 1, False),
]
CREATES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "ticket": (
        "POST service/tickets",
        lambda d: d.create_ticket(NewTicket("psabridge:g1", "2", "Alert", "d", {"board_id": "1"})),
    ),
    "note": ("POST service/tickets/*/notes", lambda d: d.add_note("5", "n", private=True)),
}


@pytest.mark.parametrize("what", sorted(CREATES))
@pytest.mark.parametrize("case", CREATE_CASES, ids=[c.name for c in CREATE_CASES])
def test_create_failure_sweep(case: CreateCase, what: str, http_options: dict[str, Any]) -> None:
    route_key, call = CREATES[what]
    fake = FakeCw({route_key: case.route})
    desk: ConnectWiseDesk = cw_desk(fake, http_options)
    with pytest.raises(case.error) as raised:
        call(desk)
    assert type(raised.value) is case.error
    assert len(fake.api("POST")) == case.sent
    assert getattr(raised.value, "ambiguous", False) is case.ambiguous
    assert_no_secrets(raised.value)


@pytest.mark.parametrize("case", CREATE_CASES, ids=[c.name for c in CREATE_CASES])
def test_addition_create_failure_sweep(case: CreateCase, http_options: dict[str, Any]) -> None:
    fake = FakeCw({"POST finance/agreements/*/additions": case.route})
    new = NewAddition("40", "7", 3, date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(case.error) as raised:
        cw_billing(fake, http_options).create_addition(new)
    assert len(fake.api("POST")) == case.sent
    assert getattr(raised.value, "ambiguous", False) is case.ambiguous
    assert_no_secrets(raised.value)


def test_failures_are_classified_for_every_kind_of_call(http_options: dict[str, Any]) -> None:
    calls: list[Callable[[ConnectWiseDesk], Any]] = [
        lambda d: d.get_ticket_state("1"),
        lambda d: d.ticket_states(["1", "2"]),
        lambda d: d.close_ticket("1"),
        lambda d: d.ticket_type("1"),
        lambda d: d.categories("1"),
        lambda d: d.clients(),
        lambda d: d.assets("2"),
        lambda d: d.find_ticket_by_reference("psabridge:g1"),
        lambda d: d.find_note("1", "psabridge-note:1-x"),
        lambda d: d.ticket_options(),
    ]
    for call in calls:
        fake = FakeCw({f"GET {'/'.join(['*'] * n)}": status(403) for n in range(1, 6)})
        with pytest.raises(PermissionDeniedError):
            call(cw_desk(fake, http_options))
