"""A HaloPSA ticketing world: sandbox GravityZone + HaloPSA, connected, mapped, configured."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox
from psabridge.server.alerts.receiver import forget_receivers
from psabridge.server.core import connections
from psabridge.server.mappings import services as mappings
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing import fields, routing
from psabridge.server.ticketing.forms import ASSET_FIELDS
from tests.conftest import add_events, reset_rate_budgets

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=False, companies=8, endpoints=80) as running:
        yield running


@dataclass
class HaloWorld:
    """Handles on the sandbox and the mapped company a test sends alerts for."""

    sandbox: Sandbox
    mapping: Mapping
    endpoints: list[dict[str, str]]
    post: Callable[..., Any]

    @property
    def halo(self) -> dict[str, str]:
        return self.sandbox.info()["halopsa"]

    def halo_state(self) -> dict[str, Any]:
        return httpx.get(f"{self.halo['sandbox_url']}/state", timeout=10).json()

    def tickets(self) -> list[dict[str, Any]]:
        return [
            t
            for t in self.halo_state()["tickets"]
            if t.get("client_id") == int(self.mapping.psa_client_id)
        ]

    def sandbox_post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = httpx.post(f"{self.halo['sandbox_url']}/{path}", json=body or {}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def alert(
        self, module: str = "av", blocked: bool = False, endpoint: int = 0, **extra: Any
    ) -> None:
        """Push one alert event for an endpoint of the mapped company."""
        self.post(
            add_events(
                event(module, blocked, self.mapping.company_id, self.endpoints[endpoint], **extra)
            )
        )


def event(
    module: str, blocked: bool, company_id: str, endpoint: dict[str, str], **extra: Any
) -> dict[str, Any]:
    """Return a unique pushed event of one module with the fields of reference section 4."""
    serial = next(_serial)
    base: dict[str, Any] = {
        "module": module,
        "companyId": company_id,
        "computer_name": endpoint["name"],
        "computer_id": endpoint["id"],
        "endpointId": endpoint["id"],
        "computer_ip": endpoint.get("ip", ""),
    }
    if module == "av":
        base.update(
            malware_name=f"Trojan.Test.{serial}",
            final_status="quarantined" if blocked else "ignored",
            timestamp="2026-11-23T09:00:00.000Z",
            file_path=f"C:\\temp\\{serial}.exe",
        )
    elif module == "new-incident":
        base.update(
            incident_id=extra.pop("incident_id", f"inc{serial}"),
            main_action="blocked" if blocked else "no action",
            created="2026-11-23T09:00:00.000Z",
            severity_score=50 + serial % 40,
            detection_name="x",
        )
    return {**base, **extra}


def configure(system: str = "halopsa", **overrides: Any) -> list[str]:
    """Save ticketing settings routed to type Incident; return the problems found."""
    values = {
        "enabled": True,
        "ticket_type_id": "1",
        "updates_visible": False,
        "auto_close_blocked": False,
        "asset_match_by": "name",
        "asset_field": ASSET_FIELDS[0],
        "asset_mode": "exact",
        "asset_case_sensitive": False,
    }
    route_values = {
        "sla_id": "1",
        "category": "Security",
        "urgency": "2",
        "team": "Service Desk",
        "impact": "",
        "priority_id": "",
    }
    route_values.update(overrides.pop("route", {}))
    values.update(overrides)
    routes = {
        k: routing.Route(k, True, True, dict(route_values))
        for k in routing.routes_of(routing.settings_for(system))
    }
    routing.forget_options()
    options = routing.live_options(system, values["ticket_type_id"])
    problems = routing.check(values, routes, options, system)
    statuses = options.get("statuses", [])
    values["closed_status_id"] = next((s.id for s in statuses if s.name == "Closed"), "")
    routing.save(system, values, routes, problems)
    return problems


@pytest.fixture
def world(
    sandbox: Sandbox, db: None, post_push: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> HaloWorld:
    """Both systems connected and the first suggested company mapped; routing run by hand."""
    from psabridge.server.ticketing import tasks

    monkeypatch.setattr(tasks, "route_alerts", lambda *a, **k: None)  # the test drives the clock
    reset_rate_budgets()
    routing.forget_options()
    fields.forget_assets()
    forget_receivers()
    httpx.post(f"{sandbox.info()['halopsa']['sandbox_url']}/reset", timeout=10).raise_for_status()
    httpx.delete(f"{sandbox.info()['halopsa']['sandbox_url']}/faults", timeout=10)
    info = sandbox.info()
    gz = info["gravityzone"]
    result = connections.validate_gravityzone(gz["base_url"], gz["api_key"])
    connections.save_gravityzone(gz["base_url"], gz["api_key"], result)
    halo = {
        k: info["halopsa"][k]
        for k in ("base_url", "auth_url", "tenant", "client_id", "client_secret")
    }
    assert connections.validate("halopsa", halo).outcome == "ok"
    connections.save("halopsa", halo, connections.validate("halopsa", halo))
    mappings.refresh("halopsa")
    row = next(
        r
        for r in mappings.rows("halopsa", "unmapped")
        if r.suggestion and r.suggestion.reason == "same name"
    )
    mapping = mappings.confirm("halopsa", row.psa.client_id, row.suggestion.company.id)
    endpoints = _endpoints(sandbox, mapping.company_id)
    assert configure() == []
    return HaloWorld(sandbox, mapping, endpoints, post_push)


def _endpoints(sandbox: Sandbox, company_id: str) -> list[dict[str, str]]:
    platform = connections.gravityzone_platform()
    return [
        {"id": e.id, "name": e.name, "ip": e.ip or ""}
        for e in platform.endpoints(company_id)
        if e.is_managed
    ]


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def save_routing(system: str, values: dict[str, Any], route_values: dict[str, str]) -> list[str]:
    """Save ticketing settings routing every alert kind to `route_values` (checked against the
    PSA's live options, the scoped ones read for the values used); return the problems."""
    routing.forget_options()
    routes = {
        kind: routing.Route(kind, True, True, dict(route_values))
        for kind in routing.routes_of(routing.settings_for(system))
    }
    options = routing.live_options(
        system, values["ticket_type_id"], routing.used_boards(system, values, routes)
    )
    problems = routing.check(values, routes, options, system)
    routing.save(system, values, routes, problems)
    return problems
