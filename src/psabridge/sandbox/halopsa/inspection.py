"""The /_sandbox/ inspection API (JSON, no auth): state, faults, tokens, scenario changes."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common.inspection import Route, advance_seconds, common_routes, dispatch
from .auth import App, parse_scopes
from .faults import parse_fault
from .params import halo_time
from .scenario import add_client
from .store import public

if TYPE_CHECKING:
    from .simulator import HaloSimulator


def handle_inspection(sim: HaloSimulator, request: Request) -> Response:
    """Dispatch an inspection request under the state lock; bad input answers 400."""
    return dispatch(sim, request, ROUTES, sim.lock)


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
    return {"now": halo_time(sim.clock.advance(advance_seconds(body)))}


def _reset(sim: HaloSimulator, body: dict[str, Any]) -> Any:
    sim.reset()
    return {"ok": True}


ROUTES: dict[tuple[str, str], Route[HaloSimulator]] = {
    **common_routes(parse_fault),
    ("POST", "tokens/expire"): _expire_tokens,
    ("POST", "statuses/remove"): _remove_status,
    ("POST", "statuses/restore"): _restore_status,
    ("POST", "items/delete"): _delete_item,
    ("POST", "clients"): _add_client,
    ("POST", "apps"): _add_app,
    ("POST", "clock"): _clock,
    ("POST", "reset"): _reset,
}
