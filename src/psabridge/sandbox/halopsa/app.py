"""WSGI app: token endpoint, /api routes, auth, rate limit, faults, JSON answers (ref 1, 2)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common import inspection
from ..common.faults import answer_early, hang_up, reset_connection, retry_headers
from ..common.simulator import SimulatorApp
from .errors import HaloError, bad_request, method_not_allowed, not_found
from .faults import Fault
from .handling import Call, Reply
from .inspection import handle_inspection
from .params import Query
from .routes import AUTHINFO_PATH, TOKEN_PATH, Route, find_route

if TYPE_CHECKING:
    from .simulator import HaloSimulator


def json_response(reply: Reply) -> Response:
    """Return a Reply as a JSON response."""
    return inspection.json_response(reply.body, reply.status, reply.headers)


class HaloApp(SimulatorApp):
    """Route the auth server, the API and the /_sandbox/ inspection API."""

    def __init__(self, sim: HaloSimulator) -> None:
        self.sim = sim

    def _inspect(self, request: Request) -> Response:
        return handle_inspection(self.sim, request)

    def _serve(self, request: Request) -> Response:
        route, record_id, known = find_route(request.method, request.path)
        self.sim.stats.count(route.name if route else f"{request.method} {request.path}")
        fault = self.sim.faults.take(request.path, request.method)
        if fault is not None:
            early = self._fault_before(fault, request)
            if early is not None:
                return early
        reply = self._answer(request, route, record_id, known)
        if fault is not None:
            reply = self._fault_after(fault, request, reply)
        return json_response(reply)

    def _answer(
        self, request: Request, route: Route | None, record_id: int | None, known: bool
    ) -> Reply:
        try:
            if route is None:
                raise method_not_allowed(request.method) if known else not_found()
            if route.template == TOKEN_PATH:
                return self._token(request)
            if route.template.lower() == AUTHINFO_PATH:
                return self._authinfo(request)
            return self._api(request, route, record_id)
        except HaloError as error:
            if error.status == 429:
                self.sim.stats.count_rate_limited()
            return Reply(error.body, error.status, dict(error.headers))

    def _token(self, request: Request) -> Reply:
        """POST /auth/token: form-encoded client credentials (reference 1.2)."""
        auth = self.sim.auth
        auth.check_tenant(Query(request.args).get_str("tenant"))
        form = request.form.to_dict()
        if form.get("client_id"):
            self.sim.limiter.admit(form["client_id"])  # the token endpoint counts (contract)
        return Reply(auth.issue(form))

    def _authinfo(self, request: Request) -> Reply:
        """GET /api/authinfo: where to get tokens, without auth (reference 1.2)."""
        root = request.host_url.rstrip("/")
        return Reply({"auth_url": f"{root}/auth", "tenant_id": self.sim.auth.tenant})

    def _api(self, request: Request, route: Route, record_id: int | None) -> Reply:
        token = self.sim.auth.verify(request.headers.get("Authorization"))
        self.sim.limiter.admit(token.client_id)
        self.sim.auth.check_scope(token, route.area, route.method != "GET")
        query = Query(request.args)
        body = _json_body(request) if route.method == "POST" else None
        assert route.handler is not None
        with self.sim.lock:  # one request at a time touches the state: creates are serialised
            call = Call(
                self.sim.store, self.sim.clock.now(), query, body, record_id, token.agent_id
            )
            return route.handler(call)

    def _fault_before(self, fault: Fault, request: Request) -> Response | None:
        """Answer the fault now, or return None to go on (delays and after-the-fact modes)."""
        return answer_early(
            fault,
            request,
            self.sim.stopping,
            lambda: json_response(_status_reply(fault, self.sim.limit_text())),
        )

    def _fault_after(self, fault: Fault, request: Request, reply: Reply) -> Reply:
        """Apply short_page and the commit_then_* modes to an answer already computed."""
        if fault.mode == "short_page":
            return Reply(_short_page(reply.body), reply.status, reply.headers)
        if fault.mode == "commit_then_reset":
            reset_connection(request)  # the write happened; the client never hears of it
        if fault.mode == "commit_then_hang":
            hang_up(fault, request, self.sim.stopping)
        if fault.mode == "commit_then_500":
            return Reply({"message": "An error has occurred."}, 500)
        return reply


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request is invalid: the body is not valid JSON.") from None


def _status_reply(fault: Fault, limit_text: str) -> Reply:
    """Return the body of a `status` fault in Halo's error shape (reference 2.3)."""
    headers = retry_headers(fault.status, fault.retry_after)
    messages = {401: "Authorization has been denied for this request.", 404: "Not found"}
    message = limit_text if fault.status == 429 else messages.get(fault.status)
    return Reply({"message": message or f"Injected HTTP {fault.status}"}, fault.status, headers)


def _short_page(body: Any) -> Any:
    """Return a list answer claiming more records than it holds (fault `short_page`)."""
    if isinstance(body, list):
        return body[:-1]
    if not isinstance(body, dict) or "record_count" not in body:
        return body
    key = next((k for k, v in body.items() if isinstance(v, list)), None)
    if key is None:
        return body
    page_size = body.get("page_size") or len(body[key]) or 1
    return {**body, "record_count": body["record_count"] + page_size, key: body[key][:-1]}
