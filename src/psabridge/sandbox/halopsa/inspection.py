"""The /_sandbox/ inspection API (JSON, no auth): state, faults, tokens, scenario changes."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .auth import App, parse_scopes
from .faults import parse_fault
from .params import halo_time
from .scenario import add_client
from .store import public

if TYPE_CHECKING:
    from .simulator import HaloSimulator

Route = Callable[["HaloSimulator", dict[str, Any]], Any]


def _reply(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def handle_inspection(sim: HaloSimulator, request: Request) -> Response:
    """Dispatch an inspection request; bad input answers 400 with {"error": ...}."""
    name = request.path.removeprefix("/_sandbox/").strip("/")
    route = ROUTES.get((request.method, name))
    if route is None:
        known = any(path == name for _, path in ROUTES)
        return _reply(
            {"error": "method not allowed" if known else "not found"}, 405 if known else 404
        )
    try:
        body = json.loads(request.get_data() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        with sim.lock:
            return _reply(route(sim, body))
    except ValueError as error:
        return _reply({"error": str(error)}, 400)


def _state(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    return sim.snapshot()


def _add_fault(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    sim.faults.add(parse_fault(body))
    return {"faults": sim.faults.describe()}


def _list_faults(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    return {"faults": sim.faults.describe()}


def _clear_faults(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    sim.faults.clear()
    return {"faults": []}


def _reset_limits(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    sim.limiter.reset()
    return {"ok": True}


def _expire_tokens(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    return {"expired": sim.auth.expire_all()}


def _status_name(body: dict[str, Any]) -> str | None:
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError("name must be a string")
    return name


def _remove_status(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    """Remove a status by name, e.g. the scenario "no Closed status" (contract)."""
    name = _status_name(body) or "Closed"
    status = sim.store.by_name("statuses", name)
    if status is None:
        raise ValueError(f"no status named {name}")
    sim.store.removed_statuses[status["id"]] = sim.store.delete("statuses", status["id"]) or {}
    return {"removed": public(status)}


def _restore_status(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    """Put back one removed status by name, or every removed one without a name."""
    name = _status_name(body)
    removed = sim.store.removed_statuses
    wanted = [
        sid for sid, s in removed.items() if name is None or s["name"].lower() == name.lower()
    ]
    if name is not None and not wanted:
        raise ValueError(f"no removed status named {name}")
    for status_id in wanted:
        sim.store.insert("statuses", removed.pop(status_id))
    return {"restored": len(wanted)}


def _delete_item(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    item_id = body.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, int):
        raise ValueError("id must be an integer")
    if sim.store.delete("items", item_id) is None:
        raise ValueError(f"no item {item_id}")
    return {"deleted": item_id}


def _add_client(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    name, inactive = body.get("name"), body.get("inactive", False)
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name must be a non-empty string")
    if not isinstance(inactive, bool):
        raise ValueError("inactive must be a boolean")
    client = add_client(sim.store, name.strip(), halo_time(sim.clock.now()), inactive=inactive)
    return public(client)


def _add_app(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    """Register an extra API application with limited scopes (403 tests, reference 1.2)."""
    scopes = body.get("scopes", "all")
    if not isinstance(scopes, str):
        raise ValueError("scopes must be a space-separated string")
    app = App(str(uuid.uuid4()), secrets.token_urlsafe(24), parse_scopes(scopes))
    sim.auth.add_app(app)
    return {"client_id": app.client_id, "client_secret": app.client_secret, "scopes": scopes}


def _clock(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    seconds = body.get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ValueError("advance_seconds must be a non-negative number")
    return {"now": halo_time(sim.clock.advance(seconds))}


def _reset(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    sim.reset()
    return {"ok": True}


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "state"): _state,
    ("GET", "faults"): _list_faults,
    ("POST", "faults"): _add_fault,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "reset-limits"): _reset_limits,
    ("POST", "tokens/expire"): _expire_tokens,
    ("POST", "statuses/remove"): _remove_status,
    ("POST", "statuses/restore"): _restore_status,
    ("POST", "items/delete"): _delete_item,
    ("POST", "clients"): _add_client,
    ("POST", "apps"): _add_app,
    ("POST", "clock"): _clock,
    ("POST", "reset"): _reset,
}
