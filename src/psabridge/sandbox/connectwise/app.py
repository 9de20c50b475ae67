"""WSGI app: companyinfo, codebase, Basic auth + clientId, limits, faults, JSON (ref 1, 2)."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from threading import Event
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common import inspection
from ..common.faults import answer_early, hang_up, reset_connection, retry_headers
from ..common.simulator import SimulatorApp
from .errors import CwError, bad_request, forbidden, method_not_allowed, not_found, unauthorized
from .faults import Fault
from .inspection import handle_inspection
from .routes import Route, find_route
from .store import Call, Reply

if TYPE_CHECKING:
    from .simulator import ConnectWiseSimulator

API_VERSION = "2025.1"
COMPANYINFO = "/login/companyinfo/"
CLIENT_ID_MESSAGE = "A valid clientId header is required"


def json_response(reply: Reply) -> Response:
    """Return a Reply as a JSON response carrying `api-current-version`."""
    headers = {"api-current-version": API_VERSION, **reply.headers}
    if reply.body is None:
        return Response(b"", reply.status, headers)
    return inspection.json_response(reply.body, reply.status, headers)


class CwApp(SimulatorApp):
    """Route companyinfo, the versioned API and the /_sandbox/ inspection API."""

    def __init__(self, sim: ConnectWiseSimulator) -> None:
        self.sim = sim

    @property
    def prefix(self) -> str:
        """Return the API root path, e.g. "/v2025_1/apis/3.0"."""
        return f"/{self.sim.codebase}apis/3.0"

    def _inspect(self, request: Request) -> Response:
        return handle_inspection(self.sim, request)

    def _serve(self, request: Request) -> Response:
        api_path = self._api_path(request.path)
        route, ids, known = find_route(request.method, api_path) if api_path else (None, {}, False)
        label = route.name if route else f"{request.method} {request.path}"
        self.sim.stats.count(label)
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

    def _api_path(self, path: str) -> str | None:
        """Return the path below `<codebase>apis/3.0`, or None outside the API."""
        if path.lower().startswith(self.prefix.lower() + "/"):
            return path[len(self.prefix) :]
        return None

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
                return self._companyinfo(request)
            if route is None:
                raise method_not_allowed(request.method) if known else not_found()
            return self._api(request, route, ids)
        except CwError as error:
            if error.status == 429:
                self.sim.stats.count_rate_limited()
            return Reply(error.body, error.status, dict(error.headers))

    def _companyinfo(self, request: Request) -> Reply:
        """GET /login/companyinfo/<company>: codebase discovery without auth (ref 1.3)."""
        path = request.path
        if request.method != "GET" or not path.lower().startswith(COMPANYINFO):
            raise not_found()
        company = path[len(COMPANYINFO) :].strip("/")
        if company.lower() != self.sim.credentials.company_id.lower():
            raise CwError(404, "NotFound", "Company not found")
        return Reply(self.sim.company_info(request.host_url.rstrip("/")))

    def _api(self, request: Request, route: Route, ids: dict[str, int]) -> Reply:
        public_key = self._authenticate(request)
        self.sim.limiter.admit(public_key)
        if route.module in self.sim.denied:
            raise forbidden(route.module)
        body = _json_body(request) if route.method in ("POST", "PUT", "PATCH") else None
        with self.sim.lock:
            call = Call(
                self.sim.store,
                self.sim.clock.now(),
                request.args,
                request.base_url,
                ids,
                body,
                dict(self.sim.member),
            )
            return route.handler(call)

    def _authenticate(self, request: Request) -> str:
        """Return the public key of valid Basic credentials and clientId, or raise 401."""
        creds = self.sim.credentials
        user, password = _basic(request.headers.get("Authorization"))
        expected_user = f"{creds.company_id}+{creds.public_key}".lower()
        if not (
            secrets.compare_digest(user.lower().encode(), expected_user.encode())
            and secrets.compare_digest(password.encode(), creds.private_key.encode())
        ):
            raise unauthorized()
        if request.headers.get("clientId", "") not in self.sim.client_ids:
            raise unauthorized(CLIENT_ID_MESSAGE)
        return creds.public_key


def _basic(header: str | None) -> tuple[str, str]:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON.") from None


def _status_reply(fault: Fault) -> Reply:
    """Return an injected status in the PSA's error shapes (429 uses `error`, ref 2.5)."""
    headers = retry_headers(fault.status, fault.retry_after)
    if fault.status == 429:
        seconds = fault.retry_after or 30
        text = f"Too many requests. Please try again in {seconds} seconds."
        return Reply({"error": "ConnectWiseAPI", "message": text}, 429, headers)
    code = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}.get(fault.status, "Error")
    body = {"code": code, "message": f"Injected HTTP {fault.status}", "errors": None}
    return Reply(body, fault.status, headers)


def _fault_after(fault: Fault, request: Request, reply: Reply, stopping: Event) -> Reply:
    """Apply short_page and the commit_then_* modes to an answer already computed."""
    if fault.mode == "short_page" and isinstance(reply.body, list):
        return Reply(reply.body[:-1], reply.status, reply.headers)
    if fault.mode == "commit_then_reset":
        reset_connection(request)
    if fault.mode == "commit_then_hang":
        hang_up(fault, request, stopping)
    if fault.mode == "commit_then_500":
        body = {"code": "UnexpectedError", "message": "An error has occurred.", "errors": None}
        return Reply(body, 500)
    return reply
