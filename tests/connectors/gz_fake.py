"""A minimal JSON-RPC responder for httpx.MockTransport, routing GravityZone calls to handlers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

MethodHandler = Callable[[dict[str, Any]], Any]


def rpc_result(request: httpx.Request, result: Any, status: int = 200) -> httpx.Response:
    request_id = json.loads(request.content)["id"]
    return httpx.Response(status, json={"id": request_id, "jsonrpc": "2.0", "result": result})


def rpc_error(
    request: httpx.Request, code: int, message: str, details: str | None = None, status: int = 200
) -> httpx.Response:
    request_id = json.loads(request.content)["id"]
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["data"] = {"details": details}
    return httpx.Response(status, json={"id": request_id, "jsonrpc": "2.0", "error": error})


@dataclass
class Call:
    version: str
    service: str
    method: str
    params: dict[str, Any]


@dataclass
class FakeGravityZone:
    """Answer `service.method` calls from `methods`.

    A handler returns the `result`, an httpx.Response, or a callable building one from the
    request (to echo its id).
    """

    methods: dict[str, MethodHandler]
    calls: list[Call] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        *_, version, _, service = request.url.path.split("/")
        self.calls.append(Call(version, service, body["method"], body["params"]))
        handler = self.methods.get(f"{service}.{body['method']}")
        if handler is None:
            return rpc_error(request, -32601, "Method not found")
        out = handler(body["params"])
        if callable(out):  # a handler may build the raw response itself
            out = out(request)
        return out if isinstance(out, httpx.Response) else rpc_result(request, out)

    def called(self, name: str) -> list[Call]:
        service, method = name.split(".")
        return [c for c in self.calls if (c.service, c.method) == (service, method)]


def raising(exc_type: type[httpx.HTTPError], text: str = "failed") -> Callable[..., httpx.Response]:
    """Return a transport handler that fails with `exc_type`."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type(text, request=request)

    return handler


def endpoint_items(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": f"ep{i:05d}",
            "name": f"PC-{i}",
            "label": f"pc-{i}",
            "fqdn": f"pc-{i}.corp.test",
            "isManaged": i % 5 != 0,
            "machineType": 1,
            "operatingSystemVersion": "Windows 11",
            "ip": "10.0.0.1",
            "macs": ["aa:bb:cc:dd:ee:ff"],
        }
        for i in range(start, start + count)
    ]


def endpoints_pages(total: int, per_page: int = 1000) -> MethodHandler:
    """Return a getEndpointsList handler paging `total` generated endpoints."""
    items = endpoint_items(total)
    pages = (total + per_page - 1) // per_page

    def handler(params: dict[str, Any]) -> Any:
        page = params.get("page", 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        return {
            "page": page,
            "pagesCount": pages,
            "perPage": per_page,
            "total": total,
            "items": chunk,
        }

    return handler
