"""Shared Autotask e2e fixtures: a sandbox with the Autotask simulator, connected.

Import them in an e2e test module::

    from tests.e2e.at_world import at_sandbox, at_world, AtWorld  # noqa: F401

- `at_sandbox` (module scope): `Sandbox(rate_limits=False, companies=12, endpoints=120)`
  started in-process; `at_sandbox.autotask` is the in-process simulator.
- `at_world(at_sandbox, db)` (function scope): resets the Autotask simulator through
  `/_sandbox/reset`, clears its faults, resets our rate budgets, saves the GravityZone and the
  Autotask connections (validated by the connector) and returns an `AtWorld`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox
from tests.e2e.cw_world import _call  # the inspection APIs answer alike

AT = "autotask"
AT_FIELDS = ("zone_url", "username", "secret", "integration_code")


@pytest.fixture(scope="module")
def at_sandbox() -> Iterator[Sandbox]:
    """Start a small sandbox with every simulator, rate limits off."""
    with Sandbox(rate_limits=False, companies=12, endpoints=120) as running:
        yield running


@dataclass
class AtWorld:
    """Handles on the Autotask sandbox: its info dict, inspection calls and direct API calls."""

    sandbox: Sandbox
    at: dict[str, str]

    def state(self) -> dict[str, Any]:
        """Return the simulator's `/_sandbox/state`."""
        return dict(_call("GET", f"{self.at['sandbox_url']}/state"))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the inspection API (raises on 4xx)."""
        return _call("POST", f"{self.at['sandbox_url']}/{path}", body or {})

    def calls(self) -> dict[str, int]:
        """Return the API call counters per "METHOD /template"."""
        return dict(_call("GET", f"{self.at['sandbox_url']}/calls")["calls"])

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the Autotask API itself (what an admin does in Autotask, e.g. PATCH a company)."""
        headers = {
            "ApiIntegrationCode": self.at["integration_code"],
            "UserName": self.at["username"],
            "Secret": self.at["secret"],
        }
        url = f"{self.at['api_url']}V1.0/{path}"
        answer = httpx.request(method, url, json=body, headers=headers, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def case(self, name: str) -> dict[str, Any]:
        """Return a scenario special case: psa_company_id, name, gravityzone_id, contract_ids."""
        return dict(self.sandbox.autotask.store.scenario["cases"][name])

    def units(self, contract_id: int, service_id: int, day: str) -> int | None:
        """Return the units in force on `day` ("YYYY-MM-DD") read through the API."""
        rows = self.api(
            "POST",
            "ContractServiceUnits/query",
            {
                "filter": [
                    {"op": "eq", "field": "contractID", "value": contract_id},
                    {"op": "eq", "field": "serviceID", "value": service_id},
                    {"op": "lte", "field": "startDate", "value": f"{day}T00:00:00Z"},
                    {"op": "gte", "field": "endDate", "value": f"{day}T00:00:00Z"},
                ]
            },
        )["items"]
        return int(rows[0]["units"]) if rows else None


@pytest.fixture
def at_world(at_sandbox: Sandbox, db: None) -> AtWorld:
    """Reset the Autotask simulator and save the GravityZone and Autotask connections."""
    from psabridge.server.core import connections
    from tests.conftest import reset_rate_budgets

    info = at_sandbox.info()
    _call("POST", f"{info[AT]['sandbox_url']}/reset", {})
    _call("DELETE", f"{info[AT]['sandbox_url']}/faults")
    reset_rate_budgets()
    gz = info["gravityzone"]
    result = connections.validate_gravityzone(gz["base_url"], gz["api_key"])
    connections.save_gravityzone(gz["base_url"], gz["api_key"], result)
    values = {k: info[AT][k] for k in AT_FIELDS}
    saved = connections.validate(AT, values)
    assert saved.ok, saved.message
    connections.save(AT, values, saved)
    return AtWorld(at_sandbox, info[AT])
