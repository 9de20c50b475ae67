"""A small ConnectWise PSA stand-in for httpx.MockTransport: companyinfo, Basic auth, routes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from psabridge.connectors.connectwise.adapter import ConnectWiseDesk
from psabridge.connectors.connectwise.billing import ConnectWiseBilling
from psabridge.connectors.connectwise.client import ConnectWiseClient

SITE = "https://cw.test"
COMPANY = "acme"
PUBLIC_KEY = "PUBkey7f3a9c1e"
PRIVATE_KEY = "cw-PRIVATE-5f1e2d3c4b5a6978"
CLIENT_ID = "8c7f9a1e-client-guid"
CODEBASE = "v2025_1/"

Route = Callable[[httpx.Request], Any]


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    """Return a JSON answer (`body` None: no body)."""
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def basic(company: str = COMPANY, public: str = PUBLIC_KEY, private: str = PRIVATE_KEY) -> str:
    return "Basic " + base64.b64encode(f"{company}+{public}:{private}".encode()).decode()


@dataclass
class FakeCw:
    """Answer companyinfo and `/<codebase>apis/3.0/<route>`; routes keyed "GET service/tickets/*".

    A route returns a JSON body, or an httpx.Response, or raises an httpx error.
    """

    routes: dict[str, Route] = field(default_factory=dict)
    codebases: list[str] = field(default_factory=lambda: [CODEBASE])
    calls: list[httpx.Request] = field(default_factory=list)
    is_cloud: Any = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path.startswith("/login/companyinfo/"):
            return self._company_info(path.rsplit("/", 1)[1])
        prefix = f"/{self.codebases[0]}apis/3.0/"
        if not path.startswith(prefix):
            return reply(404, {"code": "NotFound", "message": "Not found", "errors": None})
        if request.headers.get("authorization") != basic():
            return reply(401, {"code": "Unauthorized", "message": "Bad keys", "errors": None})
        if request.headers.get("clientid") != CLIENT_ID:
            message = "A valid clientId header is required"
            return reply(401, {"code": "Unauthorized", "message": message, "errors": None})
        route = self._route(request.method, path.removeprefix(prefix))
        if route is None:
            return reply(404, {"code": "NotFound", "message": "Not found", "errors": None})
        out = route(request)
        return out if isinstance(out, httpx.Response) else reply(200, out)

    def _company_info(self, company: str) -> httpx.Response:
        if company != COMPANY:
            return reply(404, {"code": "NotFound", "message": "Company not found", "errors": None})
        codebase = self.codebases.pop(0) if len(self.codebases) > 1 else self.codebases[0]
        info = {
            "CompanyName": "Acme",
            "Codebase": codebase,
            "VersionCode": "v2025.1",
            "CompanyID": COMPANY,
            "IsCloud": self.is_cloud,
            "SiteUrl": "cw.test",
        }
        return reply(200, info)

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
        """Return the API calls (companyinfo excluded), optionally of one method and path."""
        return [
            r
            for r in self.calls
            if "/apis/3.0/" in r.url.path
            and (method is None or r.method == method)
            and (path is None or r.url.path.endswith(f"/apis/3.0/{path}"))
        ]

    def info_calls(self) -> list[httpx.Request]:
        return [r for r in self.calls if r.url.path.startswith("/login/companyinfo/")]


def _connect_args(**overrides: Any) -> tuple[Any, ...]:
    return (
        overrides.pop("site_url", SITE),
        overrides.pop("company_id", COMPANY),
        SecretStr(overrides.pop("public_key", PUBLIC_KEY)),
        SecretStr(overrides.pop("private_key", PRIVATE_KEY)),
        overrides.pop("client_id", CLIENT_ID),
    )


def cw_client(fake: FakeCw, http_options: dict[str, Any], **overrides: Any) -> ConnectWiseClient:
    args = _connect_args(**overrides)
    options = {**http_options, "transport": httpx.MockTransport(fake), **overrides}
    for name in ("site_url", "company_id", "public_key", "private_key", "client_id"):
        options.pop(name, None)
    return ConnectWiseClient.connect(*args, **options)


def cw_desk(fake: FakeCw, http_options: dict[str, Any], **overrides: Any) -> ConnectWiseDesk:
    return ConnectWiseDesk(cw_client(fake, http_options, **overrides))


def cw_billing(fake: FakeCw, http_options: dict[str, Any], **overrides: Any) -> ConnectWiseBilling:
    return ConnectWiseBilling(cw_client(fake, http_options, **overrides))


def assert_no_secrets(*texts: object, extra: tuple[str, ...] = ()) -> None:
    """Fail if the private key, the public key or the Basic token appear in the texts."""
    token = basic().removeprefix("Basic ")
    for text in texts:
        rendered = str(text)
        for secret in (PRIVATE_KEY, PUBLIC_KEY, token, *extra):
            assert secret not in rendered
            assert base64.b64encode(secret.encode()).decode() not in rendered


def paged(records: list[dict[str, Any]]) -> Route:
    """Return a route paging `records` with Link headers as the PSA does (reference §2.1)."""

    def route(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        size = min(int(params.get("pageSize", "25")), 1000)
        number = int(params.get("page", "1"))
        chunk = records[(number - 1) * size : number * size]
        last = max((len(records) + size - 1) // size, 1)
        base = str(request.url.copy_remove_param("page"))
        links = []
        if number < last:
            links.append(f'<{base}&page={number + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else None
        return reply(200, chunk, headers)

    return route


def raising(exc_type: type[httpx.TransportError]) -> Route:
    def route(request: httpx.Request) -> Any:
        raise exc_type(f"failed with {PRIVATE_KEY}", request=request)

    return route
