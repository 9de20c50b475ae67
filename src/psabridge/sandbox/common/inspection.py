"""The /_sandbox/ inspection API glue: JSON dispatch and the routes every simulator has."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, TypeVar

from werkzeug.wrappers import Request, Response

from .faults import FaultBook

PREFIX = "/_sandbox/"
S = TypeVar("S")
Route = Callable[[S, dict[str, Any]], Any]


class Resettable(Protocol):
    """A rate limiter the inspection API can reset."""

    def reset(self) -> None: ...


class Inspectable(Protocol):
    """What the common routes need of a simulator."""

    @property
    def faults(self) -> FaultBook[Any]: ...

    @property
    def limiter(self) -> Resettable: ...

    def snapshot(self) -> dict[str, Any]: ...


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return a JSON response."""
    return Response(json.dumps(body), status, headers, mimetype="application/json")


def dispatch(
    sim: S,
    request: Request,
    routes: Mapping[tuple[str, str], Route[S]],
    guard: AbstractContextManager[Any] | None = None,
) -> Response:
    """Dispatch an inspection request; bad input answers 400 with {"error": ...}.

    `guard` (a lock, say) is held while the route runs and its answer is encoded.
    """
    name = request.path.removeprefix(PREFIX).strip("/")
    route = routes.get((request.method, name))
    if route is None:
        known = any(path == name for _, path in routes)
        return json_response(
            {"error": "method not allowed" if known else "not found"}, 405 if known else 404
        )
    try:
        body = json.loads(request.get_data() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        with guard if guard is not None else nullcontext():
            return json_response(route(sim, body))
    except ValueError as error:
        return json_response({"error": str(error)}, 400)


def advance_seconds(body: dict[str, Any]) -> float:
    """Return the `advance_seconds` of a clock request, or raise ValueError."""
    seconds = body.get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ValueError("advance_seconds must be a non-negative number")
    return seconds


def common_routes(
    parse_fault: Callable[[dict[str, Any]], Any],
) -> dict[tuple[str, str], Route[Inspectable]]:
    """Return the routes of `state`, `faults` (list, add, clear) and `reset-limits`."""

    def add_fault(sim: Inspectable, body: dict[str, Any]) -> Any:
        sim.faults.add(parse_fault(body))
        return {"faults": sim.faults.describe()}

    return {
        ("GET", "state"): _state,
        ("GET", "faults"): _list_faults,
        ("POST", "faults"): add_fault,
        ("DELETE", "faults"): _clear_faults,
        ("POST", "reset-limits"): _reset_limits,
    }


def _state(sim: Inspectable, body: dict[str, Any]) -> Any:
    return sim.snapshot()


def _list_faults(sim: Inspectable, body: dict[str, Any]) -> Any:
    return {"faults": sim.faults.describe()}


def _clear_faults(sim: Inspectable, body: dict[str, Any]) -> Any:
    sim.faults.clear()
    return {"faults": []}


def _reset_limits(sim: Inspectable, body: dict[str, Any]) -> Any:
    sim.limiter.reset()
    return {"ok": True}
