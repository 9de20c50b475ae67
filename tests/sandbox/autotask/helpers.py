"""Test helpers: an Autotask REST caller over real HTTP, as a client would use it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from psabridge.sandbox.autotask import AutotaskSimulator

ALL = {"op": "gte", "field": "id", "value": 0}


class AtApi:
    """Call the Autotask simulator's API (three auth headers) and its inspection API."""

    def __init__(self, sim: AutotaskSimulator, root_url: str, http: httpx.Client) -> None:
        self.sim = sim
        self.root = root_url
        self.info = sim.info(root_url)
        self.http = http
        self.base_url = f"{root_url}/atservicesrest/v1.0"

    def headers(self, **overrides: str) -> dict[str, str]:
        """Return the auth headers, with overrides for failure tests."""
        headers = {
            "ApiIntegrationCode": self.info["integration_code"],
            "UserName": self.info["username"],
            "Secret": self.info["secret"],
        }
        return headers | overrides

    def request(self, verb: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call `<base_url><path>` with valid credentials unless headers are given."""
        headers = kwargs.pop("headers", None) or self.headers()
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        return self.http.request(verb, url, headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> httpx.Response:
        """GET with query parameters."""
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> httpx.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: Any) -> httpx.Response:
        """PATCH a JSON body."""
        return self.request("PATCH", path, json=body)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        """Assert the status and return the JSON body."""
        assert response.status_code == status, response.text
        return response.json()

    def errors(self, response: httpx.Response, status: int = 500) -> list[str]:
        """Assert an error status and return its `errors` texts."""
        body = self.ok(response, status)
        assert set(body) == {"errors"}, body
        return list(body["errors"])

    def query(self, entity: str, *conditions: Any, **extra: Any) -> list[dict[str, Any]]:
        """POST a query and return its items (one page)."""
        body = {"filter": list(conditions), **extra}
        return list(self.ok(self.post(f"/{entity}/query", body))["items"])

    def ids(self, entity: str, *conditions: Any) -> list[int]:
        """Return the ids a query finds."""
        return [row["id"] for row in self.query(entity, *conditions)]

    def get_query(self, entity: str, body: Any) -> httpx.Response:
        """GET a query with `search=<json>`."""
        return self.get(f"/{entity}/query", search=json.dumps(body))

    def create(self, path: str, body: Any) -> int:
        """POST a create and return its itemId."""
        answer = self.ok(self.post(path, body))
        assert set(answer) == {"itemId"}
        return int(answer["itemId"])

    def item(self, entity: str, item_id: int) -> Any:
        """Return `GET /{entity}/{id}`'s item (None when missing)."""
        return self.ok(self.get(f"/{entity}/{item_id}"))["item"]

    def sandbox(self, verb: str, path: str, body: Any = None) -> Any:
        """Call the inspection API and return its JSON answer (any status)."""
        return self.http.request(verb, f"{self.info['sandbox_url']}/{path}", json=body).json()

    def case(self, name: str) -> dict[str, Any]:
        """Return a scenario special case: psa_company_id, name, contract_ids."""
        return dict(self.sim.store.scenario["cases"][name])

    def ticket(self, **fields: Any) -> dict[str, Any]:
        """Return a valid ticket create body with overrides."""
        body = {"companyID": self.case("no_contract")["psa_company_id"], "title": "Malware"}
        return body | {"status": 1, "priority": 2} | fields
