"""Fixtures: an Automate caller on one shared sandbox, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox


class AutomateApi:
    """Log in and call the Automate simulator and its inspection API."""

    def __init__(self, sandbox: Sandbox, http: httpx.Client) -> None:
        self.box = sandbox
        self.sim = sandbox.automate
        self.info = sandbox.info()["automate"]
        self.http = http
        self.base_url = f"{self.info['server_url']}/cwa/api/v1"
        self._token: str | None = None

    def login(self, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
        """POST /apitoken with the right credentials unless overridden."""
        payload = {"Username": self.info["username"], "Password": self.info["password"], **body}
        sent = headers if headers is not None else {"ClientId": self.info["client_id"]}
        return self.http.post(f"{self.base_url}/apitoken", json=payload, headers=sent)

    def token(self) -> str:
        """Return a fresh access token."""
        answer = self.login()
        assert answer.status_code == 200, answer.text
        return str(answer.json()["AccessToken"])

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        """GET with a bearer token and the ClientId header."""
        headers = {
            "Authorization": f"Bearer {token or self.token()}",
            "clientid": self.info["client_id"],
        }
        return self.http.get(f"{self.base_url}{path}", params=params, headers=headers)

    def sandbox(self, verb: str, path: str, body: Any = None) -> Any:
        """Call the inspection API."""
        return self.http.request(verb, f"{self.info['sandbox_url']}/{path}", json=body).json()


@pytest.fixture(scope="session")
def automate_box() -> Iterator[Sandbox]:
    """Return one sandbox (rate limits off)."""
    with Sandbox(rate_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
def automate(automate_box: Sandbox, http: httpx.Client) -> AutomateApi:
    """Return a caller, the Automate clients back to the seed."""
    api = AutomateApi(automate_box, http)
    api.sandbox("POST", "reset")
    return api
