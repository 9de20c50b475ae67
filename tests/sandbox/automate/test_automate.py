"""Automate: token login, ClientId, expiry and refresh, clients paging without Link."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from psabridge.sandbox.runner import Sandbox

from .conftest import AutomateApi

DENIED = {"Message": "Authorization has been denied for this request."}


def test_login_returns_a_token_result(automate: AutomateApi) -> None:
    body = automate.login().json()
    assert body["TokenType"] == "Bearer" and body["AccessToken"]
    assert body["IsTwoFactorRequired"] is False
    assert {"ExpirationDate", "AbsoluteExpirationDate", "UserId", "InternalUserName"} <= set(body)


def test_login_keys_are_case_insensitive(automate: AutomateApi) -> None:
    payload = {"UserName": automate.info["username"].upper(), "password": automate.info["password"]}
    headers = {"clientId": automate.info["client_id"]}
    answer = automate.http.post(f"{automate.base_url}/apitoken", json=payload, headers=headers)
    assert answer.status_code == 200


def test_bad_credentials_are_401(automate: AutomateApi) -> None:
    answer = automate.login(Password="wrong")
    assert answer.status_code == 401 and answer.json() == DENIED
    assert automate.login(Username=None).status_code == 401


def test_missing_client_id_is_401_everywhere(automate: AutomateApi) -> None:
    answer = automate.login(headers={})
    assert answer.status_code == 401
    assert answer.json() == {"Message": "A valid ClientId header is required."}
    token = automate.token()
    no_id = automate.http.get(
        f"{automate.base_url}/clients", headers={"Authorization": f"Bearer {token}"}
    )
    assert no_id.status_code == 401


def test_unknown_or_expired_token_is_401(automate: AutomateApi) -> None:
    assert automate.get("/clients", token="nope").json() == DENIED
    token = automate.token()
    assert automate.get("/clients", token=token).status_code == 200
    automate.sandbox("POST", "clock", {"advance_seconds": 3601})
    assert automate.get("/clients", token=token).status_code == 401


def test_refresh_and_expire_all(automate: AutomateApi) -> None:
    token = automate.token()
    headers = {"ClientId": automate.info["client_id"]}
    fresh = automate.http.post(f"{automate.base_url}/apitoken/refresh", json=token, headers=headers)
    assert fresh.status_code == 200 and fresh.json()["AccessToken"] != token
    assert automate.sandbox("POST", "tokens/expire")["expired"] >= 2
    assert automate.get("/clients", token=token).status_code == 401


def test_clients_link_to_psa_companies(automate: AutomateApi) -> None:
    clients = automate.get("/clients", pageSize=1000).json()
    plan = automate.box.connectwise.store.scenario["automate"]
    assert len(clients) == len(plan["clients"])
    by_name = {c["Name"]: c for c in clients}
    assert by_name[plan["unlinked"]]["ExternalId"] == 0
    mislinked = by_name[plan["mislinked"]["name"]]
    assert mislinked["ExternalId"] == plan["mislinked"]["external_id"]
    psa = automate.box.connectwise.store.get("companies", mislinked["ExternalId"])
    assert psa is not None and psa["name"] != mislinked["Name"]
    linked = [c for c in clients if c["ExternalId"] not in (0, mislinked["ExternalId"])]
    for client in linked:
        company = automate.box.connectwise.store.get("companies", client["ExternalId"])
        assert company is not None and company["name"] == client["Name"]
    assert all(isinstance(c["Id"], int) and isinstance(c["ExternalId"], int) for c in clients)
    assert all(isinstance(loc["ExternalId"], int) for c in clients for loc in c["Locations"])


def test_paging_without_link(automate: AutomateApi) -> None:
    token = automate.token()
    total = len(automate.sim.clients)
    first = automate.get("/clients", token=token, pageSize=10)
    assert "Link" not in first.headers and len(first.json()) == 10
    pages = []
    page = 1
    while True:
        rows = automate.get("/clients", token=token, pageSize=10, page=page).json()
        pages += rows
        if len(rows) < 10:
            break
        page += 1
    assert [c["Id"] for c in pages] == sorted(automate.sim.clients)[:total]
    assert len(automate.get("/clients", token=token).json()) == min(total, 50)
    assert automate.get("/clients", token=token, page="x").status_code == 400


def test_condition_orderby_includefields_and_one(automate: AutomateApi) -> None:
    token = automate.token()
    rows = automate.get("/clients", token=token, condition="ExternalId = 0").json()
    assert [r["Name"] for r in rows] == [
        automate.box.connectwise.store.scenario["automate"]["unlinked"]
    ]
    names = [
        r["Name"]
        for r in automate.get("/clients", token=token, orderby="Name desc", pageSize=1000).json()
    ]
    assert names == sorted(names, key=str.lower, reverse=True)
    slim = automate.get("/clients", token=token, includefields="Id,Name").json()
    assert all(set(r) == {"Id", "Name"} for r in slim)
    bad = automate.get("/clients", token=token, condition="Name = ")
    assert bad.status_code == 400 and "Message" in bad.json()
    one = automate.get(f"/clients/{rows[0]['Id']}", token=token).json()
    assert one["ExternalId"] == 0
    assert automate.get("/clients/99999", token=token).status_code == 404
    assert automate.get("/computers", token=token).status_code == 404


def test_inspection_actions(automate: AutomateApi) -> None:
    added = automate.sandbox("POST", "clients", {"Name": "Fabrikam", "ExternalId": 300})
    assert added["ExternalId"] == 300
    changed = automate.sandbox(
        "POST", "clients/update", {"id": added["Id"], "ExternalId": 0, "Name": "Fabrikam Inc"}
    )
    assert (changed["ExternalId"], changed["Name"]) == (0, "Fabrikam Inc")
    assert automate.sandbox("POST", "clients/delete", {"id": added["Id"]}) == {
        "deleted": added["Id"]
    }
    assert "error" in automate.sandbox("POST", "clients/delete", {"id": added["Id"]})
    assert "error" in automate.sandbox("POST", "clients/update", {"id": 1, "ExternalId": "x"})
    state = automate.sandbox("GET", "state")
    assert {"clients", "tokens_issued", "calls", "faults"} <= set(state)
    automate.get("/clients")
    assert automate.sandbox("GET", "calls")["calls"]["GET /clients"] == 1
    automate.sandbox("POST", "reset-calls")
    assert automate.sim.calls()["calls"] == {}


def test_faults(automate: AutomateApi) -> None:
    token = automate.token()
    automate.sandbox("POST", "faults", {"path": "/clients", "mode": "status", "status": 500})
    answer = automate.get("/clients", token=token)
    assert answer.status_code == 500 and answer.json() == {"Message": "Injected HTTP 500"}
    automate.sandbox("POST", "faults", {"path": "/clients", "mode": "short_page"})
    assert (
        len(automate.get("/clients", token=token).json()) == min(len(automate.sim.clients), 50) - 1
    )


def test_rate_limit_guard(make_sandbox: Callable[..., Sandbox], http: httpx.Client) -> None:
    api = AutomateApi(make_sandbox(rate_limits=True), http)
    api.sim.limiter.limit = (2, 60.0)
    token = api.token()
    api.get("/clients", token=token)
    refused = api.get("/clients", token=token)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert api.sandbox("GET", "calls")["rate_limited"] == 1
