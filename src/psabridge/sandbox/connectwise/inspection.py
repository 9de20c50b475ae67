"""The /_sandbox/ inspection API (JSON, no auth): state, calls, faults, scenario actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common.inspection import Route, advance_seconds, common_routes, dispatch
from .faults import parse_fault
from .values import cw_time

if TYPE_CHECKING:
    from .simulator import ConnectWiseSimulator


def handle_inspection(sim: ConnectWiseSimulator, request: Request) -> Response:
    """Dispatch an inspection request under the state lock; bad input answers 400."""
    return dispatch(sim, request, ROUTES, sim.lock)


def _ref(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name} must be an id or a name")
    return value


def _module(body: dict[str, Any]) -> str:
    module = body.get("module")
    if not isinstance(module, str) or not module.strip("/"):
        raise ValueError("module must be a name such as finance")
    return module


def _fields(body: dict[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in drop}


def _reset_calls(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    sim.stats.reset()
    return {"ok": True}


def _reset(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    sim.reset()
    return {"ok": True}


def _clock(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    return {"now": cw_time(sim.clock.advance(advance_seconds(body)))}


def _create_company(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    return sim.create_company(_ref(body, "name"), _ref(body, "status") if "status" in body else 1)


def _limit_priorities(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    sim.limit_priorities(body.get("limited", True) is not False)
    return {"limited": sim.store.priorities_limited}


def _deny(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    sim.deny(_module(body))
    return {"denied": sorted(sim.denied)}


def _allow(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    sim.allow(_module(body) if "module" in body else None)
    return {"denied": sorted(sim.denied)}


def _add_agreement(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    fields = _fields(body, "company_id", "kind")
    return sim.add_agreement(_ref(body, "company_id"), body.get("kind", "Active"), **fields)


def _set_addition(sim: ConnectWiseSimulator, body: dict[str, Any]) -> Any:
    return sim.set_addition(_ref(body, "agreement_id"), **_fields(body, "agreement_id"))


ROUTES: dict[tuple[str, str], Route[ConnectWiseSimulator]] = {
    **common_routes(parse_fault),
    ("GET", "calls"): lambda sim, body: sim.calls(),
    ("POST", "reset-calls"): _reset_calls,
    ("POST", "reset"): _reset,
    ("POST", "clock"): _clock,
    ("POST", "companies"): _create_company,
    ("POST", "companies/status"): lambda sim, body: sim.set_company_status(
        _ref(body, "company_id"), _ref(body, "status")
    ),
    ("POST", "companies/delete"): lambda sim, body: sim.delete_company(_ref(body, "company_id")),
    ("POST", "catalog/remove"): lambda sim, body: sim.remove_product(
        _ref(body, "product"), body.get("mode", "inactivate")
    ),
    ("POST", "agreement-types/delete"): lambda sim, body: sim.delete_agreement_type(
        _ref(body, "type")
    ),
    ("POST", "priorities/remove"): lambda sim, body: sim.remove_priority(_ref(body, "priority")),
    ("POST", "priorities/limited"): _limit_priorities,
    ("POST", "modules/deny"): _deny,
    ("POST", "modules/allow"): _allow,
    ("POST", "agreements"): _add_agreement,
    ("POST", "additions"): _set_addition,
}
