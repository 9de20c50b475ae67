"""HaloClient over MockTransport: token discovery, caching and refresh, envelopes, errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from limits import RateLimitItemPerMinute
from pydantic import SecretStr

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.halopsa.client import RATE_LIMITS, HaloClient, instance_url
from psabridge.connectors.http import CallRecord, RateBudget

from .conftest import FakeClock
from .halo_fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    INSTANCE,
    TENANT,
    FakeHalo,
    assert_no_secrets,
    body,
    halo_client,
    raising,
    reply,
)

STATUSES = {"record_count": 2, "statuses": [{"id": 1, "name": "New"}, {"id": 9, "name": "X"}]}


def with_statuses(**extra: Any) -> FakeHalo:
    return FakeHalo({"GET Status": lambda r: STATUSES}, **extra)


# --- token: discovery, form, caching, refresh -------------------------------------------------


def test_discovers_auth_server_and_tenant_from_authinfo(http_options: dict[str, Any]) -> None:
    fake = with_statuses(authinfo={"auth_url": "https://auth.halo.test/auth", "tenant_id": "t1"})
    halo_client(fake, http_options).statuses()
    (token,) = fake.token_calls()
    assert str(token.url) == "https://auth.halo.test/auth/token?tenant=t1"
    assert token.headers["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(token.content.decode()).items()}
    assert form == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "all",
    }
    assert [r.url.path for r in fake.calls] == ["/api/authinfo", "/auth/token", "/api/Status"]


def test_configured_auth_server_and_tenant_skip_discovery(http_options: dict[str, Any]) -> None:
    fake = with_statuses()
    client = halo_client(fake, http_options, auth_url=f"{INSTANCE}/auth/", tenant=TENANT)
    client.statuses()
    assert [str(r.url) for r in fake.calls][:1] == [f"{INSTANCE}/auth/token?tenant={TENANT}"]


def test_missing_authinfo_falls_back_to_instance_auth(http_options: dict[str, Any]) -> None:
    fake = with_statuses(authinfo=None)
    halo_client(fake, http_options).statuses()
    (token,) = fake.token_calls()
    assert str(token.url) == f"{INSTANCE}/auth/token"  # no tenant query at all


def test_base_url_may_end_in_api() -> None:
    assert instance_url(" https://halo.test/api/ ") == "https://halo.test"
    assert instance_url("https://halo.test") == "https://halo.test"


def test_token_is_cached_until_sixty_seconds_before_expiry(
    http_options: dict[str, Any], clock: FakeClock
) -> None:
    fake = with_statuses(expires_in=3600)
    client = halo_client(fake, http_options)
    client.statuses()
    clock.advance(3539)
    client.statuses()
    assert len(fake.token_calls()) == 1
    clock.advance(1)  # now at expires_in - 60 s: renewed before the server would refuse it
    client.statuses()
    assert len(fake.token_calls()) == 2
    assert {r.headers["authorization"] for r in fake.api()} == {
        f"Bearer {fake.issued[0]}",
        f"Bearer {fake.issued[1]}",
    }


def test_401_gets_one_fresh_token_and_one_retry(http_options: dict[str, Any]) -> None:
    fake = with_statuses()
    client = halo_client(fake, http_options)
    client.statuses()
    fake.expire_tokens()  # the server forgot the token before its announced expiry
    assert [s.id for s in client.statuses()] == [1, 9]
    assert len(fake.token_calls()) == 2 and len(fake.api()) == 3


def test_persistent_401_is_an_auth_error_without_a_loop(
    http_options: dict[str, Any], records: list[CallRecord]
) -> None:
    fake = FakeHalo({"GET Status": lambda r: reply(401, {"message": "Unauthorized"})})
    with pytest.raises(AuthError) as raised:
        halo_client(fake, http_options).statuses()
    assert type(raised.value) is AuthError
    assert len(fake.token_calls()) == 2 and len(fake.api()) == 2
    assert [(r.operation, r.status) for r in records if r.operation != "authinfo"] == [
        ("token", 200),
        ("Status.list", 401),
        ("token", 200),
        ("Status.list", 401),
    ]


def test_403_is_not_retried_with_a_new_token(http_options: dict[str, Any]) -> None:
    fake = FakeHalo({"GET Client": lambda r: reply(403, {"message": "No access"})})
    with pytest.raises(PermissionDeniedError) as raised:
        halo_client(fake, http_options).clients()
    assert raised.value.service == "Client" and "Client" in raised.value.message
    assert len(fake.token_calls()) == 1 and len(fake.api()) == 1


@pytest.mark.parametrize("status", [400, 401])
def test_bad_client_secret_is_an_auth_error(http_options: dict[str, Any], status: int) -> None:
    def token(request: httpx.Request) -> Any:
        return reply(status, {"error": "invalid_client", "error_description": CLIENT_SECRET})

    fake = with_statuses(token_route=token)
    with pytest.raises(AuthError, match="client ID or client secret") as raised:
        halo_client(fake, http_options).statuses()
    assert fake.api() == [] and len(fake.token_calls()) == 1
    assert_no_secrets(raised.value)


def test_non_json_token_answer_is_a_config_error(http_options: dict[str, Any]) -> None:
    fake = with_statuses(token_route=lambda r: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(ConfigError, match="auth server URL"):
        halo_client(fake, http_options).statuses()


def test_wrong_tenant_500_is_transient(http_options: dict[str, Any]) -> None:
    fake = with_statuses(token_route=lambda r: reply(500, {"message": "tenant"}))
    with pytest.raises(TransientError):
        halo_client(fake, http_options).statuses()
    assert len(fake.token_calls()) == 4  # the token request is safe to repeat


# --- shapes and leniency ----------------------------------------------------------------------


def test_envelopes_and_bare_arrays_are_both_accepted(http_options: dict[str, Any]) -> None:
    fake = FakeHalo(
        {
            "GET Priority": lambda r: {"priorities": [{"id": "u1", "priorityid": "2", "slaid": 1}]},
            "GET Outcome": lambda r: [{"id": 7, "outcome": "Private Note"}],
            "GET TicketType": lambda r: [{"id": "3", "name": "Alert"}],
            "GET Team": lambda r: {"record_count": 0},
        }
    )
    client = halo_client(fake, http_options)
    assert client.priorities(1)[0].priorityid == 2
    assert client.outcomes()[0].outcome == "Private Note"
    assert client.ticket_types()[0].id == 3
    assert client.teams() == []
    assert fake.api("GET", "Priority")[0].url.params["slaid"] == "1"


def test_numeric_strings_and_doubles_are_accepted(http_options: dict[str, Any]) -> None:
    site = {"id": "4", "name": "HQ", "client_id": 12.0, "inactive": "false"}
    fake = FakeHalo({"GET Site": lambda r: {"record_count": "1", "sites": [site]}})
    page = halo_client(fake, http_options).sites(12)
    assert (page.records[0].id, page.records[0].client_id, page.record_count) == (4, 12, 1)
    assert fake.api()[0].url.params["client_id"] == "12"


def test_unexpected_shape_is_a_config_error(http_options: dict[str, Any]) -> None:
    fake = FakeHalo({"GET Status": lambda r: {"unexpected": True}})
    with pytest.raises(ConfigError, match="unexpected Status"):
        halo_client(fake, http_options).statuses()


def test_paging_parameters_and_local_bounds(http_options: dict[str, Any]) -> None:
    fake = FakeHalo({"GET Tickets": lambda r: {"record_count": 0, "tickets": []}})
    client = halo_client(fake, http_options)
    client.tickets_by_supplier_reference("psabridge:g1", page_no=2)
    params = dict(fake.api()[0].url.params)
    assert params == {
        "search_supplier_reference": "psabridge:g1",
        "pageinate": "true",
        "page_size": "100",
        "page_no": "2",
    }
    with pytest.raises(ConfigError):
        client.tickets(page_size=101)
    with pytest.raises(ConfigError):
        client.clients(page_size=1001)
    assert len(fake.api()) == 1


# --- errors -----------------------------------------------------------------------------------


def test_400_shows_halo_message_redacted(
    http_options: dict[str, Any], records: list[CallRecord]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"]
        return reply(400, {"message": f"An Outcome must be entered ({CLIENT_SECRET} {token})"})

    fake = FakeHalo({"POST Actions": refuse})
    with pytest.raises(ConfigError) as raised:
        halo_client(fake, http_options).create_action({"ticket_id": 1, "note": "x"})
    assert raised.value.message.startswith(
        "HaloPSA refused the request: An Outcome must be entered (*** Bearer ***)"
    )
    assert_no_secrets(raised.value, *records)


@pytest.mark.parametrize(
    "answer",
    [reply(404, {"message": "Not found"}), reply(200, {}), reply(200, {"id": None})],
    ids=["404", "200 without id", "200 with id null"],
)
def test_missing_ticket_is_not_found(http_options: dict[str, Any], answer: Any) -> None:
    fake = FakeHalo({"GET Tickets/*": lambda r: answer})
    with pytest.raises(NotFoundError, match="Tickets 42"):
        halo_client(fake, http_options).get_ticket(42)


def test_unknown_path_404_names_the_url(http_options: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError, match="instance URL"):
        halo_client(FakeHalo(), http_options).statuses()


# --- creates are never re-sent after an ambiguous failure --------------------------------------


def commit_then(failure: Any) -> Any:
    committed: list[Any] = []

    def route(request: httpx.Request) -> Any:
        committed.append(body(request))
        if isinstance(failure, type):
            raise failure("lost", request=request)
        return failure

    route.committed = committed  # type: ignore[attr-defined]
    return route


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, reply(500), reply(502)],
    ids=["timeout", "reset by server", "read error", "500", "502"],
)
def test_create_is_not_retried_after_an_ambiguous_failure(
    http_options: dict[str, Any], failure: Any, clock: FakeClock
) -> None:
    route = commit_then(failure)
    fake = FakeHalo({"POST Tickets": route})
    with pytest.raises(TransientError) as raised:
        halo_client(fake, http_options).create_ticket({"summary": "s", "client_id": 1})
    assert raised.value.ambiguous
    assert len(route.committed) == 1 and clock.sleeps == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(201, text="created"), reply(201, {"summary": "no id"})],
    ids=["non-JSON", "no id"],
)
def test_create_answer_without_id_is_ambiguous(http_options: dict[str, Any], answer: Any) -> None:
    fake = FakeHalo({"POST Tickets": lambda r: answer})
    with pytest.raises(TransientError) as raised:
        halo_client(fake, http_options).create_ticket({"summary": "s"})
    assert raised.value.ambiguous and len(fake.api()) == 1


def test_create_is_retried_when_nothing_was_sent(http_options: dict[str, Any]) -> None:
    answers = iter([raising(httpx.ConnectError), lambda r: reply(201, {"id": 5})])
    fake = FakeHalo({"POST Tickets": lambda r: next(answers)(r)})
    created = halo_client(fake, http_options).create_ticket({"summary": "s", "client_id": 1})
    assert created.id == 5 and len(fake.api()) == 2
    assert body(fake.api()[1]) == [{"summary": "s", "client_id": 1}]


def test_create_after_401_is_retried_once_with_a_new_token(http_options: dict[str, Any]) -> None:
    fake = FakeHalo({"POST Tickets": lambda r: reply(201, {"id": 6})})
    client = halo_client(fake, http_options)
    client.authenticate()
    fake.expire_tokens()
    assert client.create_ticket({"summary": "s"}).id == 6
    assert len(fake.api("POST")) == 2 and len(fake.token_calls()) == 2


def test_update_and_close_post_the_id(http_options: dict[str, Any]) -> None:
    fake = FakeHalo({"POST Tickets": lambda r: reply(200, {"id": 8})})
    halo_client(fake, http_options).close_ticket(8, 9)
    assert body(fake.api()[0]) == [{"status_id": 9, "id": 8}]


# --- rate budget and redaction ------------------------------------------------------------------


def test_rate_limit_item_is_300_per_rolling_5_minutes() -> None:
    item = RATE_LIMITS["default"]
    assert (item.amount, item.get_expiry()) == (300, 300)
    assert isinstance(item, RateLimitItemPerMinute)


def test_budget_counts_token_calls_and_refuses_locally(
    http_options: dict[str, Any], clock: FakeClock
) -> None:
    budget = RateBudget("memory://", "halo-test-budget", sleeper=clock.sleep, clock=clock.time)
    fake = with_statuses()
    client = halo_client(fake, http_options, budget=budget, rate_max_wait=0.0)
    for _ in range(297):  # authinfo + token + 297 reads = 299 of 300
        client.statuses()
    client.statuses()
    with pytest.raises(RateLimitedError) as raised:
        client.statuses()
    assert raised.value.local and len(fake.calls) == 300


def test_other_credentials_have_their_own_budget(
    http_options: dict[str, Any], clock: FakeClock
) -> None:
    budget = RateBudget("memory://", "halo-test-identity", sleeper=clock.sleep, clock=clock.time)
    options = {**http_options, "budget": budget, "rate_max_wait": 0.0}
    first = halo_client(with_statuses(), options)
    for _ in range(298):
        first.statuses()
    other = HaloClient.connect(
        "https://other.halo.test",
        CLIENT_ID,
        SecretStr(CLIENT_SECRET),
        transport=httpx.MockTransport(with_statuses()),
        **options,
    )
    assert other.statuses()


def test_secret_and_tokens_never_reach_messages_or_records(
    http_options: dict[str, Any], records: list[CallRecord]
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return reply(418, {"message": f"{request.headers['authorization']} {CLIENT_SECRET}"})

    fake = FakeHalo({"GET Status": echo})
    with pytest.raises(ConfigError) as raised:
        halo_client(fake, http_options).statuses()
    assert "***" in raised.value.message
    assert_no_secrets(raised.value, raised.value.args, *records)
