"""Test helpers: a JSON-RPC caller, a push receiver and push settings."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from werkzeug.wrappers import Request, Response

from psabridge.sandbox.runner import Sandbox


class Rpc:
    """Call the simulator over real HTTP, as a client would."""

    def __init__(self, sandbox: Sandbox, http: httpx.Client) -> None:
        info = sandbox.info()["gravityzone"]
        self.base_url = info["base_url"]
        self.sandbox_url = info["sandbox_url"]
        self.api_key = info["api_key"]
        self.partner_id = info["partner_company_id"]
        self.http = http
        self._ids = itertools.count(1)

    def post(
        self,
        service: str,
        method: str,
        params: Any = None,
        *,
        version: str = "v1.0",
        key: str | None = None,
    ) -> httpx.Response:
        """POST a JSON-RPC request and return the raw response."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": str(next(self._ids))}
        if params is not None:
            body["params"] = params
        return self.http.post(
            f"{self.base_url}/{version}/jsonrpc/{service}",
            json=body,
            auth=(key or self.api_key, ""),
        )

    def result(self, service: str, method: str, params: Any = None, **kw: Any) -> Any:
        """Return the `result` of a successful call."""
        response = self.post(service, method, params, **kw)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "error" not in body, body
        return body["result"]

    def error(self, service: str, method: str, params: Any = None, **kw: Any) -> dict[str, Any]:
        """Return the `error` object of a failing call answered with HTTP 200."""
        response = self.post(service, method, params, **kw)
        assert response.status_code == 200, response.text
        return response.json()["error"]

    def sandbox(self, verb: str, path: str, body: Any = None) -> Any:
        """Call the inspection API and return its JSON."""
        response = self.http.request(verb, f"{self.sandbox_url}/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny push receiver: records requests, answers scripted statuses (default 200)."""

    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.requests.append(Received(dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else self.default_status
        return Response("ok", status)(environ, start_response)

    def events(self) -> list[dict[str, Any]]:
        """Return every event received in jsonRPC bodies."""
        return [e for r in self.requests for e in r.json()["params"]["events"]]


ALERT_MODULES = [
    "av", "avc", "antiexploit", "aph", "new-incident", "fw", "uc", "network-sandboxing",
    "ransomware-mitigation", "network-monitor", "hd",
]  # fmt: skip
OTHER_MODULES = [
    "install", "uninstall", "registration", "modules", "dp", "endpoint-moved-in",
    "endpoint-moved-out", "hwid-change", "device-control", "adcloud",
]  # fmt: skip
ALL_TYPES = dict.fromkeys(ALERT_MODULES + OTHER_MODULES, True)


def push_settings(url: str, **overrides: Any) -> dict[str, Any]:
    """Return setPushEventSettings params for a jsonRPC receiver."""
    params: dict[str, Any] = {
        "status": 1,
        "serviceType": "jsonRPC",
        "serviceSettings": {
            "url": url,
            "authorization": "Bearer s3cret-token",
            "requireValidSslCertificate": False,
        },
        "subscribeToEventTypes": dict(ALL_TYPES),
    }
    params.update(overrides)
    return params


def basic(key: str) -> str:
    """Return the Authorization header of a key."""
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()
