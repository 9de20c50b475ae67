"""The Automate /_sandbox/ inspection API: state, calls, reset, faults, client changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common.inspection import Route, advance_seconds, common_routes, dispatch
from ..connectwise.faults import parse_fault
from ..connectwise.values import cw_time

if TYPE_CHECKING:
    from .simulator import AutomateSimulator


def handle_inspection(sim: AutomateSimulator, request: Request) -> Response:
    """Dispatch an inspection request under the state lock; bad input answers 400."""
    return dispatch(sim, request, ROUTES, sim.lock)


def _client_id(body: dict[str, Any]) -> int:
    value = body.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("id must be an integer")
    return value


def _update(sim: AutomateSimulator, body: dict[str, Any]) -> Any:
    changes = {k: body[k] for k in ("ExternalId", "Name") if k in body}
    return sim.update_client(_client_id(body), **changes)


def _add(sim: AutomateSimulator, body: dict[str, Any]) -> Any:
    return sim.add_client(body.get("Name") or body.get("name"), body.get("ExternalId", 0))  # type: ignore[arg-type]


def _clock(sim: AutomateSimulator, body: dict[str, Any]) -> Any:
    return {"now": cw_time(sim.clock.advance(advance_seconds(body)))}


def _expire(sim: AutomateSimulator, body: dict[str, Any]) -> Any:
    return {"expired": sim.auth.expire_all()}


def _simple(action: str) -> Route[AutomateSimulator]:
    def run(sim: AutomateSimulator, body: dict[str, Any]) -> Any:
        getattr(sim, action)()
        return {"ok": True}

    return run


ROUTES: dict[tuple[str, str], Route[AutomateSimulator]] = {
    **common_routes(parse_fault),
    ("GET", "calls"): lambda sim, body: sim.calls(),
    ("POST", "reset-calls"): _simple("reset_calls"),
    ("POST", "reset"): _simple("reset"),
    ("POST", "clock"): _clock,
    ("POST", "tokens/expire"): _expire,
    ("POST", "clients"): _add,
    ("POST", "clients/update"): _update,
    ("POST", "clients/delete"): lambda sim, body: sim.delete_client(_client_id(body)),
}
