"""The ConnectWise Automate connector over httpx.MockTransport, with its failure sweep."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from psabridge.connectors.automate.adapter import AutomateClients
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
from psabridge.connectors.registry import ConnectorOptions, create_connector

from .conftest import FakeClock

SERVER = "https://automate.test"
USERNAME = "psabridge"
PASSWORD = "cwa-PASSWORD-3e4f5a6b7c"
CLIENT_ID = "cwa-client-guid"
TOKEN_MARK = "cwa-tok-1a2b3c"


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def client_rows(count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"Id": n, "Name": f"Client {n}", "Company": f"Client {n}", "ExternalId": n + 100}
        for n in range(1, count + 1)
    ]
    if rows:
        rows[0]["ExternalId"] = 0
    return rows


@dataclass
class FakeAutomate:
    """Answer /cwa/api/v1/apitoken and /cwa/api/v1/clients as the contract says."""

    now: Any
    clients: list[dict[str, Any]] = field(default_factory=lambda: client_rows(3))
    lifetime: timedelta = timedelta(hours=1)
    calls: list[httpx.Request] = field(default_factory=list)
    valid: dict[str, datetime] = field(default_factory=dict)
    clients_route: Any = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if request.headers.get("clientid") != CLIENT_ID:
            return reply(401, {"Message": "A valid ClientId header is required."})
        path = request.url.path
        if path == "/cwa/api/v1/apitoken" and request.method == "POST":
            return self._token(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.valid or self.valid[token] <= self.now():
            return reply(401, {"Message": "Authorization has been denied for this request."})
        if path == "/cwa/api/v1/clients":
            if self.clients_route is not None:
                return self.clients_route(request)
            page, size = int(request.url.params["page"]), int(request.url.params["pageSize"])
            return reply(200, self.clients[(page - 1) * size : page * size])
        return reply(404, {"Message": "No HTTP resource was found"})

    def _token(self, request: httpx.Request) -> httpx.Response:
        body = {k.lower(): v for k, v in json.loads(request.content).items()}
        if (body.get("username"), body.get("password")) != (USERNAME, PASSWORD):
            return reply(401, {"Message": f"Authorization has been denied for {PASSWORD}."})
        token = f"{TOKEN_MARK}-{len(self.valid) + 1}"
        expires = self.now() + self.lifetime
        self.valid[token] = expires
        answer = {
            "AccessToken": token,
            "TokenType": "Bearer",
            "ExpirationDate": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "IsTwoFactorRequired": False,
        }
        return reply(200, answer)

    def token_calls(self) -> list[httpx.Request]:
        return [r for r in self.calls if r.url.path.endswith("/apitoken")]


@pytest.fixture
def fake(clock: FakeClock) -> FakeAutomate:
    return FakeAutomate(now=clock.now)


def automate(fake: Any, http_options: dict[str, Any], **overrides: Any) -> AutomateClients:
    options = {**http_options, "transport": httpx.MockTransport(fake)}
    return AutomateClients.connect(
        overrides.get("server_url", SERVER),
        overrides.get("username", USERNAME),
        SecretStr(overrides.get("password", PASSWORD)),
        overrides.get("client_id", CLIENT_ID),
        **options,
    )


def assert_no_secrets(*texts: object) -> None:
    for text in texts:
        for secret in (PASSWORD, TOKEN_MARK):
            assert secret not in str(text)
            assert base64.b64encode(secret.encode()).decode() not in str(text)


def test_clients_with_external_ids(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    fake.clients = client_rows(4)
    fake.clients[1]["ExternalId"] = ""
    fake.clients[2]["ExternalId"] = None
    fake.clients[3]["ExternalId"] = "104"
    clients = automate(fake, http_options).clients()
    assert [(c.id, c.name, c.external_id) for c in clients] == [
        ("1", "Client 1", None),
        ("2", "Client 2", None),
        ("3", "Client 3", None),
        ("4", "Client 4", "104"),
    ]
    login = json.loads(fake.token_calls()[0].content)
    assert login == {"Username": USERNAME, "Password": PASSWORD}
    read = next(r for r in fake.calls if r.url.path.endswith("/clients"))
    assert read.headers["authorization"].startswith("Bearer ")
    assert read.url.params["pageSize"] == "1000"


def test_pages_until_a_short_one(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    fake.clients = client_rows(2000)
    clients = automate(fake, http_options).clients()
    assert len(clients) == 2000
    pages = [r.url.params["page"] for r in fake.calls if r.url.path.endswith("/clients")]
    assert pages == ["1", "2", "3"]  # the third page is empty: shorter than pageSize


def test_a_server_ignoring_page_raises(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    fake.clients_route = lambda r: reply(200, client_rows(1000))
    with pytest.raises(TransientError, match="twice"):
        automate(fake, http_options).clients()


def test_paging_is_bounded(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    counter = iter(range(10**6))

    def endless(request: httpx.Request) -> httpx.Response:
        start = next(counter) * 1000
        return reply(200, [{"Id": start + n, "Name": "C", "ExternalId": 0} for n in range(1000)])

    fake.clients_route = endless
    adapter = automate(fake, http_options)
    adapter.client.max_pages = 3
    with pytest.raises(TransientError, match="more than 3 pages"):
        adapter.clients()


def test_token_is_reused_then_renewed_before_expiry(
    fake: FakeAutomate, clock: FakeClock, http_options: dict[str, Any]
) -> None:
    adapter = automate(fake, http_options)
    adapter.clients()
    adapter.clients()
    assert len(fake.token_calls()) == 1
    clock.advance(3600 - 30)  # within a minute of ExpirationDate: renewed before use
    adapter.clients()
    assert len(fake.token_calls()) == 2


def test_relogin_once_on_401(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    adapter = automate(fake, http_options)
    adapter.clients()
    fake.valid.clear()  # the server forgot the token (restart, revoked)
    assert len(adapter.clients()) == 3
    assert len(fake.token_calls()) == 2


def test_401_after_relogin_raises(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    fake.clients_route = lambda r: reply(401, {"Message": "Authorization has been denied."})
    with pytest.raises(AuthError):
        automate(fake, http_options).clients()
    assert len(fake.token_calls()) == 2


@pytest.mark.parametrize(
    ("overrides", "outcome"),
    [
        ({}, "ok"),
        ({"password": "wrong"}, "invalid_key"),
        ({"client_id": "other"}, "invalid_key"),
    ],
)
def test_validate(
    overrides: dict[str, str], outcome: str, fake: FakeAutomate, http_options: dict[str, Any]
) -> None:
    result = automate(fake, http_options, **overrides).validate()
    assert result.outcome == outcome
    assert_no_secrets(result.message)


def test_validate_missing_permission(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    fake.clients_route = lambda r: reply(403, {"Message": "Forbidden"})
    result = automate(fake, http_options).validate()
    assert (result.outcome, result.missing_services) == ("missing_permission", ("Clients",))


def test_validate_cannot_connect(http_options: dict[str, Any]) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert automate(down, http_options).validate().outcome == "cannot_connect"


def test_server_url_forms(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    for url in ("automate.test", "https://automate.test/cwa/api/v1/", "https://automate.test/"):
        assert automate(fake, http_options, server_url=url).validate().ok


def test_registry_builds_automate(fake: FakeAutomate, http_options: dict[str, Any]) -> None:
    settings = {
        "server_url": SERVER,
        "username": USERNAME,
        "password": SecretStr(PASSWORD),
        "client_id": CLIENT_ID,
    }
    options = ConnectorOptions(transport=httpx.MockTransport(fake), http=dict(http_options))
    adapter = create_connector("automate", settings, options)
    assert isinstance(adapter, AutomateClients)
    assert adapter.validate().ok
    assert_no_secrets(repr(adapter), repr(adapter.client))


# --- failure sweep ------------------------------------------------------------------------------


def status(code: int, headers: dict[str, str] | None = None) -> Any:
    return lambda r: reply(
        code, {"Message": f"failed {r.headers.get('authorization')} {PASSWORD}"}, headers
    )


def raising(exc_type: type[httpx.TransportError]) -> Any:
    def route(request: httpx.Request) -> Any:
        raise exc_type(f"failed with {PASSWORD}", request=request)

    return route


@dataclass(frozen=True)
class Case:
    name: str
    route: Any
    error: type[ConnectorError]
    statuses: tuple[int | None, ...]


NO_ANSWER = (None,) * 4
CASES = [
    Case("timeout", raising(httpx.ReadTimeout), TransientError, NO_ANSWER),
    Case("connection error", raising(httpx.ConnectError), TransientError, NO_ANSWER),
    Case("401 twice", status(401), AuthError, (401, 401)),
    Case("403", status(403), PermissionDeniedError, (403,)),
    Case("404", status(404), NotFoundError, (404,)),
    Case("400", status(400), ConfigError, (400,)),
    Case("429 Retry-After 3", status(429, {"Retry-After": "3"}), RateLimitedError, (429,) * 4),
    Case("500", status(500), TransientError, (500,) * 4),
    Case(
        "non-JSON body", lambda r: httpx.Response(200, text="<html/>"), TransientError, (200,) * 4
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_failure_sweep(
    case: Case,
    fake: FakeAutomate,
    http_options: dict[str, Any],
    clock: FakeClock,
    records: list[CallRecord],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.clients_route = case.route
    with pytest.raises(case.error) as raised:
        automate(fake, http_options).clients()
    assert type(raised.value) is case.error
    reads = [r for r in records if r.operation == "clients.list"]
    assert tuple(r.status for r in reads) == case.statuses
    assert all(r.system == "automate" for r in reads)
    if case.name.startswith("429"):
        assert clock.sleeps == [3.0] * 3
    assert_no_secrets(raised.value, *records, caplog.text)


def test_login_failures_are_classified(http_options: dict[str, Any]) -> None:
    routes = {
        401: AuthError,
        403: PermissionDeniedError,
        404: NotFoundError,
        500: TransientError,
    }
    for code, error in routes.items():
        with pytest.raises(error) as raised:
            automate(status(code), http_options).client.login()
        assert_no_secrets(raised.value)
