"""The /_sandbox/ inspection API (JSON, no auth): state, alerts, push, faults, clock, keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common.inspection import Route, advance_seconds, common_routes, dispatch
from .faults import parse_fault
from .generator import AlertRequest
from .state import ALL_SERVICES, install_endpoints

if TYPE_CHECKING:
    from .simulator import GravityZoneSimulator


def handle_inspection(sim: GravityZoneSimulator, request: Request) -> Response:
    """Dispatch an inspection request; bad input answers 400 with {"error": ...}."""
    return dispatch(sim, request, ROUTES)


def _alert_request(body: dict[str, Any]) -> AlertRequest:
    kinds = body.get("kinds")
    if kinds is not None and not (
        isinstance(kinds, list) and all(isinstance(k, str) for k in kinds)
    ):
        raise ValueError("kinds must be a list of module strings")
    request = AlertRequest(
        count=body.get("count", 5),
        kinds=tuple(kinds) if kinds is not None else AlertRequest.kinds,
        outcome=body.get("outcome", "mixed"),
        company_id=body.get("company_id"),
        endpoint_id=body.get("endpoint_id"),
        non_alerts=body.get("non_alerts", 0),
        edr_resend=bool(body.get("edr_resend", False)),
    )
    for name in ("count", "non_alerts"):
        value = getattr(request, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer")
    return request


def _alerts(sim: GravityZoneSimulator, body: dict[str, Any]) -> Any:
    generated = sim.generator.generate(_alert_request(body))
    queued = sim.push.enqueue([g.event for g in generated])
    return {
        "queued": queued,
        "events": [g.event for g in generated],
        "outcomes": [g.outcome for g in generated],
    }


def _flush(sim: GravityZoneSimulator, body: dict[str, Any]) -> Any:
    return {"deliveries": sim.push.flush(), "queue_length": sim.push.queue_length()}


def _push_faults(sim: GravityZoneSimulator, body: dict[str, Any]) -> Any:
    value = body.get("omit_authorization")
    if not isinstance(value, bool):
        raise ValueError("omit_authorization must be a boolean")
    sim.push.omit_authorization = value  # open question 10
    return {"omit_authorization": value}


def _clock(sim: GravityZoneSimulator, body: dict[str, Any]) -> Any:
    now = sim.clock.advance(advance_seconds(body))
    sim.push.check_auto_disable()
    return {"now": now.isoformat()}


def _keys(sim: GravityZoneSimulator, body: dict[str, Any]) -> Any:
    services = body.get("services", list(ALL_SERVICES))
    if not isinstance(services, list) or not set(services) <= set(ALL_SERVICES):
        raise ValueError(f"services must be a list drawn from {', '.join(ALL_SERVICES)}")
    company_id = body.get("company_id")
    if company_id is not None and company_id not in sim.world.companies:
        raise ValueError("unknown company_id")
    key = sim.add_key(services, company_id)
    return {"api_key": key.key, "services": sorted(key.services), "company_id": key.company_id}


def _endpoints(sim: GravityZoneSimulator, body: dict[str, Any]) -> Any:
    """Install `count` new endpoints in a company now (the seed's "new client installed")."""
    company_id, count = body.get("company_id"), body.get("count", 1)
    if company_id not in sim.world.companies:
        raise ValueError("unknown company_id")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 500:
        raise ValueError("count must be an integer from 1 to 500")
    added = install_endpoints(sim.world, company_id, count, sim.clock.now())
    return {"added": [{"id": e.id, "name": e.name} for e in added]}


ROUTES: dict[tuple[str, str], Route[GravityZoneSimulator]] = {
    **common_routes(parse_fault),
    ("POST", "alerts"): _alerts,
    ("POST", "push/flush"): _flush,
    ("POST", "push/faults"): _push_faults,
    ("POST", "clock"): _clock,
    ("POST", "keys"): _keys,
    ("POST", "endpoints"): _endpoints,
}
