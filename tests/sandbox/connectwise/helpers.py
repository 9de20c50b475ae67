"""Test helpers: a ConnectWise PSA caller over real HTTP, as a client would use it."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from psabridge.sandbox.runner import Sandbox


class CwApi:
    """Call the PSA simulator's API (Basic auth + clientId) and its inspection API."""

    def __init__(self, sandbox: Sandbox, http: httpx.Client) -> None:
        self.box = sandbox
        self.info = sandbox.info()["connectwise"]
        self.sim = sandbox.connectwise
        self.http = http
        self.site = self.info["site_url"]
        self.base_url = f"{self.site}/{self.sim.codebase}apis/3.0"

    def headers(
        self, *, user: str | None = None, password: str | None = None, client_id: str | None = None
    ) -> dict[str, str]:
        """Return the auth headers (overrides for failure tests; "" drops clientId)."""
        info = self.info
        name = user if user is not None else f"{info['company_id']}+{info['public_key']}"
        secret = password if password is not None else info["private_key"]
        token = base64.b64encode(f"{name}:{secret}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        cid = info["client_id"] if client_id is None else client_id
        if cid:
            headers["clientId"] = cid
        return headers

    def request(self, verb: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call `<base_url><path>` with valid credentials unless headers are given."""
        headers = kwargs.pop("headers", None) or self.headers()
        return self.http.request(verb, f"{self.base_url}{path}", headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> httpx.Response:
        """GET with query parameters."""
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, **params: Any) -> httpx.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=body, params=params)

    def patch(self, path: str, body: Any) -> httpx.Response:
        """PATCH a JSON body."""
        return self.request("PATCH", path, json=body)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        """Assert the status and return the JSON body."""
        assert response.status_code == status, response.text
        return response.json()

    def sandbox(self, verb: str, path: str, body: Any = None) -> Any:
        """Call the inspection API and return its JSON answer (any status)."""
        url = f"{self.info['sandbox_url']}/{path}"
        return self.http.request(verb, url, json=body).json()

    def case(self, name: str) -> int:
        """Return the PSA company id of a scenario special case."""
        return int(self.sim.store.scenario["cases"][name]["psa_company_id"])

    def invalid_fields(self, response: httpx.Response) -> list[tuple[str, str]]:
        """Assert a 400 InvalidObject; return its (code, field) pairs."""
        body = self.ok(response, 400)
        assert body["code"] == "InvalidObject"
        return [(e["code"], e["field"]) for e in body["errors"] or []]
