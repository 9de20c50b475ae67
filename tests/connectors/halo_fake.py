"""A small HaloPSA stand-in for httpx.MockTransport: token endpoint, bearer check, routes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from pydantic import SecretStr

from psabridge.connectors.halopsa.adapter import HaloTicketDesk
from psabridge.connectors.halopsa.client import HaloClient

INSTANCE = "https://halo.test"
CLIENT_ID = "psabridge-app"
CLIENT_SECRET = "halo-SECRET-5f1e2d3c4b5a69788796"
TENANT = "acme"
TOKEN_MARK = "tok-9f8e7d6c5b4a"  # every issued token contains it

Route = Callable[[httpx.Request], Any]


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    """Return a JSON answer (`body` None: no body)."""
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def bearer(request: httpx.Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ")


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


@dataclass
class FakeHalo:
    """Answer the token endpoint and /api routes ("GET Tickets/*"; paths case-insensitive).

    A route returns a JSON body, or an httpx.Response, or raises an httpx error.
    """

    routes: dict[str, Route] = field(default_factory=dict)
    expires_in: float = 3600
    authinfo: dict[str, Any] | None = field(
        default_factory=lambda: {"auth_url": f"{INSTANCE}/auth", "tenant_id": TENANT}
    )
    token_route: Route | None = None
    calls: list[httpx.Request] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    valid: set[str] = field(default_factory=set)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path.lower() == "/api/authinfo":
            return (
                reply(404, {"message": "Not found"})
                if self.authinfo is None
                else reply(200, self.authinfo)
            )
        if path.endswith("/token"):
            return self._token(request)
        if bearer(request) not in self.valid:
            return reply(401, {"message": "Unauthorized"})
        route = self._route(request.method, path.removeprefix("/api/"))
        if route is None:
            return reply(404, {"message": "Not found"})
        out = route(request)
        return out if isinstance(out, httpx.Response) else reply(200, out)

    def _token(self, request: httpx.Request) -> httpx.Response:
        if self.token_route is not None:
            out = self.token_route(request)
            if out is not None:
                return out if isinstance(out, httpx.Response) else reply(200, out)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            detail = f"client {form.get('client_secret')} is unknown"  # echoes the secret
            return reply(401, {"error": "invalid_client", "error_description": detail})
        token = f"{TOKEN_MARK}-{len(self.issued) + 1}"
        self.issued.append(token)
        self.valid.add(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        return reply(200, answer)

    def _route(self, method: str, path: str) -> Route | None:
        wanted = [method.upper(), *path.lower().strip("/").split("/")]
        for key, route in self.routes.items():
            verb, _, pattern = key.partition(" ")
            parts = [verb.upper(), *pattern.lower().split("/")]
            if len(parts) == len(wanted) and all(
                p in ("*", w) for p, w in zip(parts, wanted, strict=True)
            ):
                return route
        return None

    def expire_tokens(self) -> None:
        """Forget every token, as the server does when they expire."""
        self.valid.clear()

    def api(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        """Return the /api calls (authinfo excluded), optionally of one method and path."""
        return [
            r
            for r in self.calls
            if r.url.path.lower().startswith("/api/")
            and r.url.path.lower() != "/api/authinfo"
            and (method is None or r.method == method)
            and (path is None or r.url.path.lower() == f"/api/{path}".lower())
        ]

    def token_calls(self) -> list[httpx.Request]:
        return [r for r in self.calls if r.url.path.endswith("/token")]


def halo_client(fake: FakeHalo, http_options: dict[str, Any], **overrides: Any) -> HaloClient:
    options = {**http_options, "transport": httpx.MockTransport(fake), **overrides}
    return HaloClient.connect(INSTANCE, CLIENT_ID, SecretStr(CLIENT_SECRET), **options)


def halo_desk(fake: FakeHalo, http_options: dict[str, Any], **overrides: Any) -> HaloTicketDesk:
    options = {**http_options, "transport": httpx.MockTransport(fake), **overrides}
    return HaloTicketDesk.connect(INSTANCE, CLIENT_ID, SecretStr(CLIENT_SECRET), **options)


def assert_no_secrets(*texts: object, extra: tuple[str, ...] = ()) -> None:
    """Fail if the client secret, any token (or their Basic forms) appear in the texts."""
    for text in texts:
        rendered = str(text)
        for secret in (CLIENT_SECRET, TOKEN_MARK, *extra):
            assert secret not in rendered
            assert base64.b64encode(secret.encode()).decode() not in rendered


def paged(records: list[dict[str, Any]], key: str) -> Route:
    """Return a route paging `records` under `key` as Halo does (reference §2.2)."""

    def route(request: httpx.Request) -> Any:
        params = request.url.params
        if params.get("pageinate") != "true":
            return {"record_count": len(records), key: records}
        size, number = int(params["page_size"]), int(params["page_no"])
        chunk = records[(number - 1) * size : number * size]
        return {"page_no": number, "page_size": size, "record_count": len(records), key: chunk}

    return route


def raising(exc_type: type[httpx.HTTPError]) -> Route:
    def route(request: httpx.Request) -> Any:
        raise exc_type(f"failed with {CLIENT_SECRET}", request=request)

    return route
