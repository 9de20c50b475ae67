"""Shared ConnectWise e2e fixtures: a sandbox with the PSA and Automate simulators, connected.

Import them in an e2e test module::

    from tests.e2e.cw_world import cw_sandbox, cw_world, CwWorld  # noqa: F401

- `cw_sandbox` (module scope): `Sandbox(rate_limits=False, companies=12, endpoints=120)`
  started in-process: GravityZone, HaloPSA, ConnectWise PSA and Automate simulators.
  `cw_sandbox.connectwise` / `cw_sandbox.automate` are the in-process simulators (Python
  actions such as `set_company_status`, `remove_product`, `add_agreement`, `update_client`).
- `cw_world(cw_sandbox, db)` (function scope): resets both simulators through
  `/_sandbox/reset` (scenario rebuilt, counters and limits forgotten), clears their faults,
  resets our rate budgets, saves the GravityZone connection and the ConnectWise PSA
  connection (validated by the connector when it is registered, else recorded as
  `ValidationResult("ok", "sandbox")`) and returns a `CwWorld`.

`CwWorld` gives `cw` / `automate` (the `info()` dicts), `cw_state()` / `automate_state()`
(`GET /_sandbox/state`), `cw_post(path, body)` / `cw_delete(path)` and the Automate twins
(inspection calls, e.g. `cw_post("companies/status", {"company_id": 300, "status":
"Not Approved"})`), `cw_calls()` / `reset_cw_calls()` (call counters per "METHOD /template"),
`case(name)` (the PSA company id of a scenario special case such as "expired_only") and
`connect_automate()` (saves the Automate connection the same way).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox

CW_FIELDS = ("site_url", "company_id", "public_key", "private_key", "client_id")
AUTOMATE_FIELDS = ("server_url", "username", "password", "client_id")


@pytest.fixture(scope="module")
def cw_sandbox() -> Iterator[Sandbox]:
    """Start a small sandbox with every simulator, rate limits off."""
    with Sandbox(rate_limits=False, companies=12, endpoints=120) as running:
        yield running


def _call(verb: str, url: str, body: Any = None) -> Any:
    answer = httpx.request(verb, url, json=body if verb != "GET" else None, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _save(system: str, values: dict[str, str]) -> Any:
    """Validate with the registered connector when there is one, then save the connection."""
    from psabridge.connectors.ports import ValidationResult
    from psabridge.connectors.registry import REGISTRY
    from psabridge.server.core import connections

    if system in REGISTRY:
        result = connections.validate(system, values)
    else:
        result = ValidationResult("ok", "sandbox")
    return connections.save(system, values, result)


@dataclass
class CwWorld:
    """Handles on the ConnectWise sandbox: info dicts, inspection calls, connections."""

    sandbox: Sandbox
    cw: dict[str, str]
    automate: dict[str, str]

    def cw_state(self) -> dict[str, Any]:
        """Return the PSA simulator's `/_sandbox/state`."""
        return dict(_call("GET", f"{self.cw['sandbox_url']}/state"))

    def automate_state(self) -> dict[str, Any]:
        """Return the Automate simulator's `/_sandbox/state`."""
        return dict(_call("GET", f"{self.automate['sandbox_url']}/state"))

    def cw_post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the PSA inspection API (raises on 4xx)."""
        return _call("POST", f"{self.cw['sandbox_url']}/{path}", body or {})

    def cw_delete(self, path: str) -> Any:
        """DELETE on the PSA inspection API (e.g. "faults")."""
        return _call("DELETE", f"{self.cw['sandbox_url']}/{path}")

    def automate_post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the Automate inspection API (raises on 4xx)."""
        return _call("POST", f"{self.automate['sandbox_url']}/{path}", body or {})

    def automate_delete(self, path: str) -> Any:
        """DELETE on the Automate inspection API."""
        return _call("DELETE", f"{self.automate['sandbox_url']}/{path}")

    def cw_calls(self) -> dict[str, Any]:
        """Return the PSA call counters: {"calls": {label: n}, "rate_limited": n}."""
        return dict(_call("GET", f"{self.cw['sandbox_url']}/calls"))

    def reset_cw_calls(self) -> None:
        """Forget the PSA call counters."""
        self.cw_post("reset-calls")

    def case(self, name: str) -> int:
        """Return the PSA company id of a scenario special case (README: scenario)."""
        return int(self.sandbox.connectwise.store.scenario["cases"][name]["psa_company_id"])

    def connect_automate(self) -> Any:
        """Save the Automate connection (validated when the connector is registered)."""
        return _save("automate", {k: self.automate[k] for k in AUTOMATE_FIELDS})


@pytest.fixture
def cw_world(cw_sandbox: Sandbox, db: None) -> CwWorld:
    """Reset both ConnectWise simulators and save the GravityZone and PSA connections."""
    from psabridge.server.core import connections
    from tests.conftest import reset_rate_budgets

    info = cw_sandbox.info()
    for name in ("connectwise", "automate"):
        _call("POST", f"{info[name]['sandbox_url']}/reset", {})
        _call("DELETE", f"{info[name]['sandbox_url']}/faults")
    reset_rate_budgets()
    gz = info["gravityzone"]
    result = connections.validate_gravityzone(gz["base_url"], gz["api_key"])
    connections.save_gravityzone(gz["base_url"], gz["api_key"], result)
    _save("connectwise", {k: info["connectwise"][k] for k in CW_FIELDS})
    return CwWorld(cw_sandbox, info["connectwise"], info["automate"])
