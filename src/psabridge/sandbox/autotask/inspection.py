"""The /_sandbox/ inspection API (JSON, no auth): state, calls, faults, scenario actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common.inspection import Route, advance_seconds, common_routes, dispatch
from .faults import parse_fault
from .values import at_time, parse_time

if TYPE_CHECKING:
    from .simulator import AutotaskSimulator


def handle_inspection(sim: AutotaskSimulator, request: Request) -> Response:
    """Dispatch an inspection request under the state lock; bad input answers 400."""
    return dispatch(sim, request, ROUTES, sim.lock)


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value


def _reset_calls(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    sim.stats.reset()
    return {"ok": True}


def _reset(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    sim.reset()
    return {"ok": True}


def _clock(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    return {"now": at_time(sim.clock.advance(advance_seconds(body)))}


def _approve(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    through = parse_time(body.get("through"))
    if through is None:
        raise ValueError("through must be a date such as 2026-01-31")
    return {"approved": sim.approve_and_post(_int(body, "contract_id"), through)}


def _picklist(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    active = body.get("active", False) is True
    sim.set_picklist_active(
        _text(body, "entity"), _text(body, "field"), _int(body, "value"), active
    )
    return {"ok": True}


def _units_read(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    day = _text(body, "day")[:10]
    contract, service = _int(body, "contract_id"), _int(body, "service_id")
    with sim.lock:
        rows = [
            r
            for r in sim.store.rows("ContractServiceUnits")
            if r["contractID"] == contract and r["serviceID"] == service
        ]
    found = next((r for r in rows if r["startDate"][:10] <= day <= r["endDate"][:10]), None)
    return {"units": found["units"] if found else None, "row_id": found["id"] if found else None}


def _remove_company(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    sim.remove_company(_int(body, "company_id"))
    return {"ok": True}


def _require_queue(sim: AutotaskSimulator, body: dict[str, Any]) -> Any:
    sim.require_queue(body.get("required", True) is not False)
    return {"require_queue": sim.store.require_queue}


ROUTES: dict[tuple[str, str], Route[AutotaskSimulator]] = {
    **common_routes(parse_fault),
    ("GET", "calls"): lambda sim, body: sim.calls(),
    ("POST", "reset-calls"): _reset_calls,
    ("POST", "reset"): _reset,
    ("POST", "clock"): _clock,
    ("POST", "units/approve"): _approve,
    ("POST", "picklists/active"): _picklist,
    ("POST", "tickets/require-queue"): _require_queue,
    ("POST", "companies/remove"): _remove_company,
    ("POST", "units/read"): _units_read,
}
