"""Test helpers: a HaloPSA caller over real HTTP, as a client would use the simulator."""

from __future__ import annotations

from typing import Any

import httpx

from psabridge.sandbox.runner import Sandbox


class HaloApi:
    """Get tokens and call the simulator's API and inspection API."""

    def __init__(self, sandbox: Sandbox, http: httpx.Client) -> None:
        self.box = sandbox
        self.info = sandbox.info()["halopsa"]
        self.sim = sandbox.halopsa
        self.http = http
        self.base_url = self.info["base_url"]
        self._token: str | None = None

    def token_response(
        self, *, tenant: str | None = None, headers: dict[str, str] | None = None, **form: str
    ) -> httpx.Response:
        """POST the client-credentials form (overrides in `form`) and return the response."""
        data = {
            "grant_type": "client_credentials",
            "client_id": self.info["client_id"],
            "client_secret": self.info["client_secret"],
            "scope": "all",
            **form,
        }
        params = {"tenant": tenant} if tenant is not None else {}
        return self.http.post(f"{self.info['auth_url']}/token", data=data, params=params)

    def token(self, *, fresh: bool = False) -> str:
        """Return a (cached) access token."""
        if self._token is None or fresh:
            response = self.token_response(tenant=self.info["tenant"])
            assert response.status_code == 200, response.text
            self._token = response.json()["access_token"]
        return self._token

    def request(
        self, verb: str, path: str, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Call `<base_url><path>` with the bearer token."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.http.request(verb, f"{self.base_url}{path}", headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> httpx.Response:
        """GET with query parameters."""
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, **params: Any) -> httpx.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=body, params=params)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        """Assert the status and return the JSON body."""
        assert response.status_code == status, response.text
        return response.json()

    def sandbox(self, verb: str, path: str, body: Any = None) -> Any:
        """Call the inspection API and return its JSON."""
        response = self.http.request(verb, f"{self.info['sandbox_url']}/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def client_id(self, match: str = "exact", index: int = 0) -> int:
        """Return the Halo id of a scenario client mapped to a GravityZone company."""
        plan = self.sandbox("GET", "state")["scenario"]["companies"]
        return [c["halo_client_id"] for c in plan if c["match"] == match][index]

    def create_ticket(self, **fields: Any) -> dict[str, Any]:
        """Create an Incident for the first exact-match client (fields override)."""
        body = {"summary": "Threat blocked", "details": "EICAR", "tickettype_id": 1, **fields}
        body.setdefault("client_id", self.client_id())
        return self.ok(self.post("/api/Tickets", [body]), 201)

    def note(self, ticket_id: int, **fields: Any) -> httpx.Response:
        """POST one action on a ticket."""
        return self.post("/api/Actions", [{"ticket_id": ticket_id, "note": "n", **fields}])
