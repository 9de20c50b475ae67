"""WSGI app: zone discovery, the three auth headers, limits, faults, JSON (ref 1, 2)."""

from __future__ import annotations

import json
import secrets
from threading import Event
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common import inspection
from ..common.faults import answer_early, hang_up, reset_connection, retry_headers
from ..common.simulator import SimulatorApp
from .errors import AtError, bad_json, method_not_allowed, not_found, unauthorized
from .faults import Fault
from .inspection import handle_inspection
from .routes import Route, find_route
from .store import Call, Reply

if TYPE_CHECKING:
    from .simulator import AutotaskSimulator

ROOT = "/atservicesrest"
PREFIX = f"{ROOT}/v1.0"
UNAUTHENTICATED = ("/zoneinformation",)
THRESHOLD = "/thresholdinformation"


def json_response(reply: Reply) -> Response:
    """Return a Reply as a JSON response."""
    return inspection.json_response(reply.body, reply.status, reply.headers)


class AtApp(SimulatorApp):
    """Route zone discovery, the v1.0 API and the /_sandbox/ inspection API."""

    def __init__(self, sim: AutotaskSimulator) -> None:
        self.sim = sim

    def _inspect(self, request: Request) -> Response:
        return handle_inspection(self.sim, request)

    def _serve(self, request: Request) -> Response:
        api_path = _api_path(request.path)
        route, ids, known = find_route(request.method, api_path) if api_path else (None, {}, False)
        self.sim.stats.count(_label(request, api_path, route))
        try:
            if api_path is None or api_path.lower().rstrip("/") in UNAUTHENTICATED:
                return self._faulted(request, api_path, route, ids, known)
            code = request.headers.get("ApiIntegrationCode", "")
            with self.sim.limits.gate.hold(code, _endpoint(api_path)):
                return self._faulted(request, api_path, route, ids, known)
        except AtError as error:  # the thread limit (reference 2.7)
            self.sim.stats.count_rate_limited()
            return json_response(Reply(error.body, error.status, dict(error.headers)))

    def _faulted(
        self,
        request: Request,
        api_path: str | None,
        route: Route | None,
        ids: dict[str, int],
        known: bool,
    ) -> Response:
        fault = self.sim.faults.take(api_path or request.path, request.method)
        if fault is not None:
            early = answer_early(
                fault, request, self.sim.stopping, lambda: json_response(_status_reply(fault))
            )
            if early is not None:
                return early
        reply = self._answer(request, api_path, route, ids, known)
        if fault is not None:
            reply = _fault_after(fault, request, reply, self.sim.stopping)
        return json_response(reply)

    def _answer(
        self,
        request: Request,
        api_path: str | None,
        route: Route | None,
        ids: dict[str, int],
        known: bool,
    ) -> Reply:
        try:
            if api_path is None:
                return self._outside(request)
            if api_path.lower().rstrip("/") in UNAUTHENTICATED:
                return self._zone(request)
            return self._api(request, api_path, route, ids, known)
        except AtError as error:
            if error.status == 429:
                self.sim.stats.count_rate_limited()
            return Reply(error.body, error.status, dict(error.headers))

    def _outside(self, request: Request) -> Reply:
        """Answer `GET /atservicesrest/versioninformation` (oq 14); anything else is 404."""
        if request.path.lower().rstrip("/") == f"{ROOT}/versioninformation":
            if request.method != "GET":
                raise method_not_allowed(request.method)
            return Reply({"apiVersions": ["1.0"]})
        raise not_found(request.url)

    def _zone(self, request: Request) -> Reply:
        """Answer zoneInformation without auth: this simulator is the zone (ref 1.2, oq 14)."""
        if request.method != "GET":
            raise method_not_allowed(request.method)
        user = request.args.get("user", "")
        if not user or user.lower() != self.sim.credentials.username.lower():
            raise AtError(500, f"Zone information could not be determined for user '{user}'.")
        return Reply(self.sim.zone_information(request.host_url.rstrip("/")))

    def _api(
        self,
        request: Request,
        api_path: str,
        route: Route | None,
        ids: dict[str, int],
        known: bool,
    ) -> Reply:
        self._authenticate(request)
        if api_path.lower().rstrip("/") == THRESHOLD and request.method == "GET":
            return Reply(self.sim.threshold_information())  # not counted itself (a choice)
        delay = self.sim.limits.threshold.admit()
        if delay:
            self.sim.stats.count("latency penalty")
            self.sim.stopping.wait(delay)
        if route is None:
            raise method_not_allowed(request.method) if known else not_found(request.url)
        body = _json_body(request) if request.method in ("POST", "PUT", "PATCH") else None
        with self.sim.lock:
            call = Call(
                self.sim.store,
                self.sim.clock.now(),
                route.entity,
                request.args,
                request.host_url.rstrip("/") + "/ATServicesRest/",
                request.method,
                ids,
                body,
            )
            return route.handler(call)

    def _authenticate(self, request: Request) -> None:
        """Check ApiIntegrationCode, UserName and Secret (any header case), or raise 401."""
        creds = self.sim.credentials
        user = request.headers.get("UserName", "")
        secret = request.headers.get("Secret", "")
        code = request.headers.get("ApiIntegrationCode", "")
        if not (
            secrets.compare_digest(user.lower().encode(), creds.username.lower().encode())
            and secrets.compare_digest(secret.encode(), creds.secret.encode())
            and code in self.sim.integration_codes
        ):
            raise unauthorized()


def _api_path(path: str) -> str | None:
    """Return the path below `/atservicesrest/v1.0` (any case), or None outside it."""
    if path.lower().startswith(PREFIX + "/"):
        return path[len(PREFIX) :]
    return None


def _endpoint(api_path: str) -> str:
    """Return the object endpoint a thread slot is counted on (the first path segment)."""
    return api_path.strip("/").split("/")[0]


def _label(request: Request, api_path: str | None, route: Route | None) -> str:
    if route is not None:
        return route.name
    if api_path is not None:
        return f"{request.method} /{_endpoint(api_path)}"
    return f"{request.method} {request.path}"


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_json() from None


def _status_reply(fault: Fault) -> Reply:
    """Return an injected status as `{"errors": [...]}` (429 with Retry-After if given)."""
    headers = retry_headers(fault.status, fault.retry_after)
    return Reply({"errors": [f"Injected HTTP {fault.status}"]}, fault.status, headers)


def _fault_after(fault: Fault, request: Request, reply: Reply, stopping: Event) -> Reply:
    """Apply short_page and the commit_then_* modes to an answer already computed."""
    items = reply.body.get("items") if isinstance(reply.body, dict) else None
    if fault.mode == "short_page" and isinstance(items, list):
        return Reply({**reply.body, "items": items[:-1]}, reply.status, reply.headers)
    if fault.mode == "commit_then_reset":
        reset_connection(request)
    if fault.mode == "commit_then_hang":
        hang_up(fault, request, stopping)
    if fault.mode == "commit_then_500":
        return Reply({"errors": ["An unexpected error has occurred."]}, 500)
    return reply
