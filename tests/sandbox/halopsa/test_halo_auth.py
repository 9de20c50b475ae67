"""Auth: client-credentials tokens, expiry, tenant, bad secret, scopes, authinfo (ref 1)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox

from .helpers import HaloApi


def test_token_flow(halo: HaloApi) -> None:
    body = halo.ok(halo.token_response(tenant=halo.info["tenant"]))
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert halo.request("GET", "/api/Agent/me", token=body["access_token"]).status_code == 200


def test_tenant_is_optional_but_a_wrong_one_answers_500(halo: HaloApi) -> None:
    assert halo.token_response().status_code == 200
    assert halo.token_response(tenant=halo.info["tenant"].upper()).status_code == 200
    assert halo.token_response(tenant="someone-else").status_code == 500


@pytest.mark.parametrize(
    "form",
    [{"client_secret": "wrong"}, {"client_id": "unknown"}, {"client_secret": ""}],
)
def test_bad_client_answers_401_invalid_client(halo: HaloApi, form: dict[str, str]) -> None:
    response = halo.token_response(**form)
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_description"]


def test_other_grant_types_are_refused(halo: HaloApi) -> None:
    response = halo.token_response(grant_type="password")
    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer"])
def test_api_without_a_valid_token_answers_401(halo: HaloApi, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = halo.http.get(f"{halo.base_url}/api/Tickets", headers=headers)
    assert response.status_code == 401
    assert response.json()["message"]


def test_expire_all_tokens_then_a_new_token_works(halo: HaloApi) -> None:
    token = halo.token()
    assert halo.sandbox("POST", "tokens/expire")["expired"] >= 1
    expired = halo.request("GET", "/api/Status", token=token)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]
    assert halo.request("GET", "/api/Status", token=halo.token(fresh=True)).status_code == 200
    assert halo.sandbox("GET", "state")["tokens_issued"] == 2


def test_tokens_expire_on_the_simulated_clock(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client
) -> None:
    halo = HaloApi(make_sandbox(halo_token_lifetime=60), http)
    assert halo.ok(halo.token_response())["expires_in"] == 60
    token = halo.token()
    halo.sandbox("POST", "clock", {"advance_seconds": 59})
    assert halo.request("GET", "/api/Status", token=token).status_code == 200
    halo.sandbox("POST", "clock", {"advance_seconds": 2})
    assert halo.request("GET", "/api/Status", token=token).status_code == 401


def test_authinfo_needs_no_auth(halo: HaloApi) -> None:
    for path in ("/api/authinfo", "/api/AuthInfo"):
        body = halo.ok(halo.http.get(f"{halo.base_url}{path}"))
        assert body == {"auth_url": halo.info["auth_url"], "tenant_id": halo.info["tenant"]}


def test_an_app_without_a_permission_gets_403(halo: HaloApi) -> None:
    app = halo.sandbox("POST", "apps", {"scopes": "read:tickets read:customers"})
    response = halo.token_response(client_id=app["client_id"], client_secret=app["client_secret"])
    token = halo.ok(response)["access_token"]
    assert halo.request("GET", "/api/Tickets", token=token).status_code == 200
    assert halo.request("GET", "/api/Client", token=token).status_code == 200
    assert halo.request("GET", "/api/Item", token=token).status_code == 403
    denied = halo.request("POST", "/api/Tickets", token=token, json=[{"summary": "x"}])
    assert denied.status_code == 403 and "edit:tickets" in denied.json()["message"]


def test_routes_are_case_insensitive(halo: HaloApi) -> None:
    for path in ("/api/Status", "/api/status", "/API/STATUS/"):
        assert halo.get(path).status_code == 200
    calls = halo.sandbox("GET", "state")["calls"]
    assert calls["GET /api/Status"] == 3


def test_unknown_path_and_method(halo: HaloApi) -> None:
    assert halo.get("/api/Nothing").status_code == 404
    assert halo.request("DELETE", "/api/Status").status_code == 405
