"""An Autotask PSA stand-in for httpx.MockTransport: zoneInformation, auth headers, routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from psabridge.connectors.autotask.client import AutotaskClient

LOOKUP = "https://webservices.autotask.test/atservicesrest/v1.0/zoneInformation"
ZONE = "https://webservices14.autotask.test/ATServicesRest/"
USER = "api-user@msp.example"
SECRET = "at-SECRET-9f8e7d6c5b4a"
CODE = "INTEGRATIONCODE7F3A9C1E2B"

Route = Callable[[httpx.Request], Any]


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    """Return a JSON answer (`body` None: no body)."""
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def page(items: list[dict[str, Any]], next_url: str | None = None, **details: Any) -> Any:
    """Return a query answer with `pageDetails` (reference §2.3)."""
    page_details = {"count": len(items), "requestCount": 500, "prevPageUrl": None}
    return {"items": items, "pageDetails": {**page_details, "nextPageUrl": next_url, **details}}


@dataclass
class FakeAt:
    """Answer zoneInformation and `<zone>V1.0/<route>`; routes keyed "POST Companies/query".

    A route returns a JSON body, or an httpx.Response, or raises an httpx error; `*` matches a
    path segment.
    """

    routes: dict[str, Route] = field(default_factory=dict)
    zones: list[str] = field(default_factory=lambda: [ZONE])
    calls: list[httpx.Request] = field(default_factory=list)
    moved_from: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        url = str(request.url)
        if url.startswith(LOOKUP):
            return self._zone(request)
        zone = self.zones[0]
        if any(url.startswith(old) for old in self.moved_from):
            # The database moved: the old zone no longer knows the user (reference §1.1).
            return reply(401, {"errors": ["The API user name, secret or code is not valid."]})
        if not url.startswith(f"{zone}V1.0/"):
            return reply(404, {"errors": ["No HTTP resource was found"]})
        if not self._authorized(request):
            return reply(401, {"errors": ["The API user name, secret or code is not valid."]})
        route = self._route(request.method, request.url.path.split("/V1.0/", 1)[1])
        if route is None:
            return reply(404, {"errors": ["No HTTP resource was found"]})
        out = route(request)
        return out if isinstance(out, httpx.Response) else reply(200, out)

    def _zone(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("user") != USER:
            return reply(500, {"errors": ["Zone information could not be determined"]})
        zone = self.zones[0]
        if len(self.zones) > 1:
            self.moved_from.append(self.zones.pop(0))
        return reply(200, {"zoneName": "Test", "url": zone, "webUrl": "https://ww14/", "ci": 1})

    @staticmethod
    def _authorized(request: httpx.Request) -> bool:
        headers = request.headers
        return (
            headers.get("apiintegrationcode") == CODE
            and headers.get("username") == USER
            and headers.get("secret") == SECRET
        )

    def _route(self, method: str, path: str) -> Route | None:
        wanted = [method.upper(), *path.strip("/").split("/")]
        for key, route in self.routes.items():
            verb, _, pattern = key.partition(" ")
            parts = [verb.upper(), *pattern.split("/")]
            if len(parts) == len(wanted) and all(
                p in ("*", w) for p, w in zip(parts, wanted, strict=True)
            ):
                return route
        return None

    def api(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        """Return the API calls (zone discovery excluded), optionally of one method and path."""
        return [
            r
            for r in self.calls
            if "/V1.0/" in r.url.path
            and (method is None or r.method == method)
            and (path is None or r.url.path.endswith(f"/V1.0/{path}"))
        ]

    def zone_calls(self) -> list[httpx.Request]:
        return [r for r in self.calls if str(r.url).startswith(LOOKUP)]


def at_client(fake: FakeAt, http_options: dict[str, Any], **overrides: Any) -> AutotaskClient:
    user = overrides.pop("username", USER)
    secret = SecretStr(overrides.pop("secret", SECRET))
    code = SecretStr(overrides.pop("integration_code", CODE))
    options = {**http_options, "transport": httpx.MockTransport(fake), **overrides}
    return AutotaskClient.connect(user, secret, code, zone_lookup_url=LOOKUP, **options)


def raising(exc_type: type[httpx.TransportError]) -> Route:
    def route(request: httpx.Request) -> Any:
        raise exc_type(f"failed with {SECRET}", request=request)

    return route


def assert_no_secrets(*texts: object) -> None:
    """Fail if the secret or the integration code appear in the texts."""
    for text in texts:
        for secret in (SECRET, CODE):
            assert secret not in str(text)
