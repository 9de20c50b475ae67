"""WSGI app of Automate: token login, bearer + ClientId checks, clients (reference 4)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from ..common.faults import answer_early, reset_connection, retry_headers
from ..common.inspection import json_response
from ..common.simulator import SimulatorApp
from ..connectwise.conditions import compile_conditions
from ..connectwise.errors import CwError
from ..connectwise.paging import ordered, project
from .errors import AutomateError, denied
from .inspection import handle_inspection

if TYPE_CHECKING:
    from .simulator import AutomateSimulator

BASE = "/cwa/api/v1"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000
CLIENT_ITEM = re.compile(r"^/clients/(\d+)/?$", re.IGNORECASE)


class AutomateApp(SimulatorApp):
    """Route the token endpoint, the clients and the /_sandbox/ inspection API."""

    def __init__(self, sim: AutomateSimulator) -> None:
        self.sim = sim

    def _inspect(self, request: Request) -> Response:
        return handle_inspection(self.sim, request)

    def _serve(self, request: Request) -> Response:
        path = request.path[len(BASE) :] if request.path.lower().startswith(BASE) else None
        label = _label(request.method, path) or f"{request.method} {request.path}"
        self.sim.stats.count(label)
        fault = self.sim.faults.take(path or request.path, request.method)
        if fault is not None:
            early = answer_early(fault, request, self.sim.stopping, lambda: _injected(fault))
            if early is not None:
                return early
        try:
            body, status, headers = self._answer(request, path), 200, {}
        except AutomateError as error:
            if error.status == 429:
                self.sim.stats.count_rate_limited()
            body, status, headers = error.body, error.status, error.headers
        if fault is not None and fault.mode == "short_page" and isinstance(body, list):
            body = body[:-1]
        if fault is not None and fault.mode == "commit_then_reset":
            reset_connection(request)
        if fault is not None and fault.mode == "commit_then_500":
            body, status = {"Message": "An error has occurred."}, 500
        return json_response(body, status, headers)

    def _answer(self, request: Request, path: str | None) -> Any:
        if path is None or _label(request.method, path) is None:
            raise AutomateError(404, "No HTTP resource was found that matches the request URI.")
        self._check_client_id(request)
        if path.lower().rstrip("/") in ("/apitoken", "/apitoken/refresh"):
            self.sim.limiter.admit(request.headers.get("ClientId", ""))
            return self._token(request, path.lower().rstrip("/").endswith("refresh"))
        self.sim.auth.verify(request.headers.get("Authorization"))
        self.sim.limiter.admit(request.headers.get("ClientId", ""))
        with self.sim.lock:
            match = CLIENT_ITEM.match(path)
            if match is not None:
                client = self.sim.clients.get(int(match.group(1)))
                if client is None:
                    raise AutomateError(404, "Client not found.")
                return project(client, request.args.get("includefields"))
            return _clients_page(list(self.sim.clients.values()), request.args)

    def _check_client_id(self, request: Request) -> None:
        if request.headers.get("ClientId", "") not in self.sim.client_ids:
            raise AutomateError(401, "A valid ClientId header is required.")

    def _token(self, request: Request, refresh: bool) -> Any:
        try:
            body = json.loads(request.get_data() or b"null")
        except (ValueError, UnicodeDecodeError):
            raise denied() from None
        if refresh:
            return self.sim.auth.refresh(body)
        fields = {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
        return self.sim.auth.login(fields.get("username"), fields.get("password"))


def _label(method: str, path: str | None) -> str | None:
    """Return the counter label of a known route, e.g. "GET /clients/{id}"."""
    if path is None:
        return None
    lowered = path.lower().rstrip("/")
    if method == "POST" and lowered in ("/apitoken", "/apitoken/refresh"):
        return f"POST {lowered}"
    if method == "GET" and lowered == "/clients":
        return "GET /clients"
    if method == "GET" and CLIENT_ITEM.match(path):
        return "GET /clients/{id}"
    return None


def _clients_page(rows: list[dict[str, Any]], args: MultiDict[str, str]) -> list[Any]:
    """Return one page: `condition`, `orderby`, `page`, `pageSize` (no Link header)."""
    text = args.get("condition")
    if text and text.strip():
        try:
            predicate = compile_conditions(text)
        except CwError as error:
            raise AutomateError(400, str(error.body.get("message"))) from None
        rows = [r for r in rows if predicate(r)]
    sort = MultiDict({"orderBy": args.get("orderby") or args.get("orderBy") or "Id asc"})
    try:
        rows = ordered(rows, sort)
    except CwError as error:
        raise AutomateError(400, str(error.body.get("message"))) from None
    page = _int(args, "page", 1)
    size = min(max(_int(args, "pagesize", DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    chunk = rows[(max(page, 1) - 1) * size : max(page, 1) * size]
    return [project(r, args.get("includefields")) for r in chunk]


def _int(args: MultiDict[str, str], name: str, default: int) -> int:
    raw = next((v for k, v in args.items() if k.lower() == name), None)
    if raw in (None, ""):
        return default
    try:
        return int(str(raw))
    except ValueError:
        raise AutomateError(400, f"The value '{raw}' is not valid for {name}.") from None


def _injected(fault: Any) -> Response:
    headers = retry_headers(fault.status, fault.retry_after)
    return json_response({"Message": f"Injected HTTP {fault.status}"}, fault.status, headers)
