"""WSGI app: JSON-RPC 2.0 over POST at /api/<version>/jsonrpc/<service> (reference 1.1-1.4)."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..common.faults import answer_early, retry_headers
from ..common.inspection import json_response
from ..common.simulator import SimulatorApp
from .context import CallContext
from .errors import (
    INVALID_REQUEST,
    PARSE_ERROR,
    SERVER_ERROR,
    RpcError,
    invalid_api_key,
    invalid_params,
    method_not_found,
)
from .faults import Fault
from .inspection import handle_inspection
from .methods import SERVICES, VERSIONS, find_method
from .state import ApiKey

if TYPE_CHECKING:
    from .simulator import GravityZoneSimulator

API_PATH = re.compile(r"^/api/(?P<version>v\d+\.\d+)/jsonrpc/(?P<service>[A-Za-z]+)/?$")


class GravityZoneApp(SimulatorApp):
    """Route the JSON-RPC API and the /_sandbox/ inspection API."""

    def __init__(self, sim: GravityZoneSimulator) -> None:
        self.sim = sim

    def _inspect(self, request: Request) -> Response:
        return handle_inspection(self.sim, request)

    def _serve(self, request: Request) -> Response:
        match = API_PATH.match(request.path)
        if match is None:
            error = RpcError(-32601, "Method not found", "Unknown URL", 404)
            return json_response(error.body(None), 404)
        envelope, parse_error = _parse(request.get_data())
        method = envelope.get("method") if isinstance(envelope.get("method"), str) else ""
        request_id = envelope.get("id")
        service, version = match["service"], match["version"]
        self.sim.calls.count(f"{service}.{method or '?'}")
        fault = self.sim.faults.take(service, str(method))
        if fault is not None:
            early = self._fault(fault, request, request_id)
            if early is not None:
                return early
        try:
            result = self._call(request, version, service, envelope, parse_error)
        except RpcError as error:
            if error.http_status == 429:
                self.sim.calls.count_rate_limited()
            return json_response(error.body(request_id), error.http_status, error.headers)
        if fault is not None and fault.mode == "short_page":
            result = _short_page(result)
        return json_response({"id": request_id, "jsonrpc": "2.0", "result": result})

    def _call(
        self,
        request: Request,
        version: str,
        service: str,
        envelope: dict[str, Any],
        parse_error: bool,
    ) -> Any:
        if request.method != "POST":
            raise RpcError(INVALID_REQUEST, "Invalid Request", "Use POST", 405)
        key = self._authenticate(request)
        if service not in SERVICES or version not in VERSIONS:
            raise RpcError(-32601, "Method not found", f"Unknown service {service}", 404)
        if service not in key.services and service != "general":
            raise invalid_api_key()  # reference 1.2: a key without the service gets 401
        if parse_error:
            raise RpcError(PARSE_ERROR, "Parse error", "The request body is not valid JSON")
        method = envelope.get("method")
        if envelope.get("jsonrpc") != "2.0" or not isinstance(method, str) or not method:
            raise RpcError(INVALID_REQUEST, "Invalid Request", "Expected a JSON-RPC 2.0 request")
        self._wait_turn(key, service, method)
        found = find_method(service, method, version)
        if found is None:
            raise method_not_found(service, method)
        params = envelope.get("params")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise invalid_params("'params' must be an object")
        return found.handler(self._context(key, version), params)

    def _authenticate(self, request: Request) -> ApiKey:
        """Return the key of HTTP Basic `<key>:` (empty password), or raise 401 (1.2)."""
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise invalid_api_key()
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise invalid_api_key() from None
        name, _, password = decoded.partition(":")
        key = self.sim.world.keys.get(name)
        if key is None or password:
            raise invalid_api_key()
        return key

    def _wait_turn(self, key: ApiKey, service: str, method: str) -> None:
        """Wait in the burst queue, or raise 429 (reference 1.6)."""
        delay = self.sim.limiter.reserve(key.key, service, method)
        if delay > 0:
            self.sim.stopping.wait(delay)

    def _context(self, key: ApiKey, version: str) -> CallContext:
        sim = self.sim
        return CallContext(sim.world, sim.clock, sim.push, sim.generator, key, version)

    def _fault(self, fault: Fault, request: Request, request_id: Any) -> Response | None:
        """Answer the fault, or return None to go on (latency, timeout, short_page)."""
        return answer_early(
            fault, request, self.sim.stopping, lambda: _status_fault(fault, request_id)
        )


def _parse(raw: bytes) -> tuple[dict[str, Any], bool]:
    """Return (envelope, parse_error); non-object JSON gives an empty envelope."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}, True
    return (value if isinstance(value, dict) else {}), False


def _status_fault(fault: Fault, request_id: Any) -> Response:
    headers = retry_headers(fault.status, fault.retry_after)
    message = "Invalid API key" if fault.status == 401 else f"Injected HTTP {fault.status}"
    error = RpcError(SERVER_ERROR, message, "Injected by the sandbox fault API", fault.status)
    return json_response(error.body(request_id), fault.status, headers)


def _short_page(result: Any) -> Any:
    """Return a page claiming more items than it holds (fault `short_page`)."""
    if not isinstance(result, dict) or "items" not in result:
        return result
    per_page = result["perPage"]
    total = max(result["total"], len(result["items"])) + per_page
    items = result["items"][: max(0, len(result["items"]) - 1)]
    return {**result, "total": total, "pagesCount": math.ceil(total / per_page), "items": items}
