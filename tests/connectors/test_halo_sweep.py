"""The failure sweep for the HaloPSA connector over httpx.MockTransport, one row per failure."""

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
from psabridge.connectors.halopsa.adapter import HaloTicketDesk
from psabridge.connectors.http import CallRecord
from psabridge.connectors.ports import NewTicket

from .conftest import FakeClock
from .halo_fake import CLIENT_SECRET, FakeHalo, Route, assert_no_secrets, halo_desk, raising, reply


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        # Halo's `{"message": ...}` body, echoing the token and the secret to test redaction.
        echo = f"failed for {request.headers['authorization']} {CLIENT_SECRET}"
        return reply(code, {"message": echo}, headers)

    return route


def non_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"<html>Login {CLIENT_SECRET}</html>")


def short_page(request: httpx.Request) -> Any:
    records = [{"id": i, "name": f"C{i}"} for i in range(1, 991)]
    return {"page_no": 1, "page_size": 1000, "record_count": 1500, "clients": records}


@dataclass(frozen=True)
class Case:
    name: str
    route: Route
    error: type[ConnectorError]
    statuses: tuple[int | None, ...]  # one per /api attempt
    sleeps: str  # "none", "backoff", or a fixed wait in seconds
    attempts: tuple[int, ...] | None = None  # default 1..len(statuses)

    @property
    def attempt_numbers(self) -> list[int]:
        return list(self.attempts or range(1, len(self.statuses) + 1))


NO_ANSWER = (None,) * 4
RETRY_AFTER_3 = status(429, {"Retry-After": "3"})
RETRY_AFTER_120 = status(429, {"Retry-After": "120"})

CASES = [
    Case("timeout", raising(httpx.ReadTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connect timeout", raising(httpx.ConnectTimeout), TransientError, NO_ANSWER, "backoff"),
    Case("connection error", raising(httpx.ConnectError), TransientError, NO_ANSWER, "backoff"),
    Case("connection reset", raising(httpx.ReadError), TransientError, NO_ANSWER, "backoff"),
    # A 401 from /api: one fresh token and one retry, each a new logical request.
    Case("401", status(401), AuthError, (401, 401), "none", (1, 1)),
    Case("403", status(403), PermissionDeniedError, (403,), "none"),
    Case("404", status(404), NotFoundError, (404,), "none"),
    Case("400", status(400), ConfigError, (400,), "none"),
    Case("429 no Retry-After", status(429), RateLimitedError, (429,) * 4, "backoff"),
    Case("429 Retry-After 3", RETRY_AFTER_3, RateLimitedError, (429,) * 4, "3"),
    Case("429 Retry-After 120", RETRY_AFTER_120, RateLimitedError, (429,), "none"),
    Case("500", status(500), TransientError, (500,) * 4, "backoff"),
    Case("503", status(503), TransientError, (503,) * 4, "backoff"),
    Case("non-JSON body", non_json, ConfigError, (200,), "none"),
    Case("short page", short_page, TransientError, (200,), "none"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_sweep(
    case: Case, http_options: dict[str, Any], clock: FakeClock, records: list[CallRecord]
) -> None:
    desk = halo_desk(FakeHalo({"GET Client": case.route}), http_options)

    with pytest.raises(case.error) as raised:
        desk.clients()

    assert type(raised.value) is case.error
    api = [r for r in records if r.operation == "Client.list"]
    assert [r.attempt for r in api] == case.attempt_numbers
    assert tuple(r.status for r in api) == case.statuses
    assert all(r.system == "halopsa" and r.path == "/api/Client" for r in api)
    if case.name != "short page":  # the page itself was a fine answer; the paging refused it
        assert all(r.error_kind == case.error.kind for r in api)
    _assert_sleeps(case.sleeps, clock.sleeps, len(case.statuses))
    assert_no_secrets(raised.value, raised.value.message, *records)


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
    answers = iter([reply(429, {"message": "Rate Limit Reached"}, {"Retry-After": "2"})])
    fallback = {"record_count": 1, "clients": [{"id": 1, "name": "Acme"}]}
    desk = halo_desk(FakeHalo({"GET Client": lambda r: next(answers, fallback)}), http_options)
    assert [c.name for c in desk.clients()] == ["Acme"]
    assert clock.sleeps == [2.0]
    api = [(r.attempt, r.status, r.error_kind) for r in records if r.operation == "Client.list"]
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
]


@pytest.mark.parametrize("case", CREATE_CASES, ids=[c.name for c in CREATE_CASES])
def test_create_failure_sweep(case: CreateCase, http_options: dict[str, Any]) -> None:
    fake = FakeHalo({"POST Tickets": case.route})
    desk: HaloTicketDesk = halo_desk(fake, http_options)
    with pytest.raises(case.error) as raised:
        desk.create_ticket(NewTicket("psabridge:g1", "12", "Alert", "details"))
    assert type(raised.value) is case.error
    assert len(fake.api("POST", "Tickets")) == case.sent
    assert getattr(raised.value, "ambiguous", False) is case.ambiguous
    assert_no_secrets(raised.value)


def test_failures_are_classified_for_every_kind_of_call(http_options: dict[str, Any]) -> None:
    calls: list[Callable[[HaloTicketDesk], Any]] = [
        lambda d: d.get_ticket_state("1"),
        lambda d: d.add_note("1", "n", private=True),
        lambda d: d.ticket_type("1"),
        lambda d: d.find_ticket_by_reference("psabridge:g1"),
        lambda d: d.find_note("1", "psabridge-note:1-x"),
    ]
    for call in calls:
        fake = FakeHalo({"GET *": status(403), "GET */*": status(403)})
        with pytest.raises(PermissionDeniedError):
            call(halo_desk(fake, http_options))
