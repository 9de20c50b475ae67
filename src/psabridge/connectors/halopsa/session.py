"""The HaloPSA session: instance URLs, token discovery and caching, and the /api call helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

from limits import RateLimitItem, RateLimitItemPerMinute
from pydantic import BaseModel, SecretStr

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    TransientError,
)
from psabridge.connectors.halopsa import models
from psabridge.connectors.halopsa.responses import Expect, Page, api_check, page, parse, records
from psabridge.connectors.halopsa.responses import token_check as _token_check
from psabridge.connectors.halopsa.tokens import TokenCache
from psabridge.connectors.http import HttpClient, secret_fingerprint

SYSTEM = "halopsa"
PAGE_MAX = 1000  # Reference: halopsa.md §2.2 (no cap documented; contract: 1000)
TICKETS_PAGE_MAX = 100  # Reference: halopsa.md §2.2 (page_size maximum 100 on /Tickets)
# Reference: halopsa.md §2.4 (300 requests per rolling 5 minutes; token endpoint included).
RATE_LIMITS: dict[str, RateLimitItem] = {"default": RateLimitItemPerMinute(300, 5)}
M = TypeVar("M", bound=BaseModel)


def instance_url(base_url: str) -> str:
    """Return the instance URL, accepting it with or without the trailing `/api`."""
    url = base_url.strip().rstrip("/")
    return url[: -len("/api")] if url.lower().endswith("/api") else url


def halo_http(base_url: str, client_id: str, secret: SecretStr, **options: Any) -> HttpClient:
    """Return an HttpClient on `<instance>/api` with Halo's budget item and secret redaction.

    `rate_limits` may be overridden (e.g. a tenant with a lower limit, or a test simulator).
    """
    instance = instance_url(base_url)
    options.setdefault("rate_limits", RATE_LIMITS)
    return HttpClient(
        SYSTEM,
        base_url=f"{instance}/api",
        # The tenant is the instance (its name may only be known after discovery).
        rate_identity=secret_fingerprint(f"{instance.lower()}|{client_id}"),
        secrets=(secret.get_secret_value(),),
        **options,
    )


class HaloSession:
    """Authenticate to one HaloPSA instance and send /api calls (reference §1, §2)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        http: HttpClient,
        *,
        auth_url: str | None = None,
        tenant: str | None = None,
        scope: str = "all",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instance_url = instance_url(base_url)
        self.client_id = client_id
        self._secret = client_secret
        self._http = http
        self._auth_url = auth_url.strip().rstrip("/") if auth_url else None
        self._tenant = tenant or None
        self._discovered = False
        self._scope = scope
        self._tokens = TokenCache(clock)

    @classmethod
    def connect(
        cls,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        auth_url: str | None = None,
        tenant: str | None = None,
        **http_options: Any,
    ) -> Self:
        """Return a client with its own `halo_http` wrapper; `clock` also times the token."""
        http = halo_http(base_url, client_id, client_secret, **http_options)
        clock = http_options.get("clock", time.monotonic)
        return cls(
            base_url, client_id, client_secret, http, auth_url=auth_url, tenant=tenant, clock=clock
        )

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def secrets(self) -> tuple[str, ...]:
        """Return the values to redact: the client secret and recent tokens."""
        return (self._secret.get_secret_value(), *self._tokens.known())

    # --- auth (reference §1) --------------------------------------------------------------------

    # Reference: halopsa.md §1.2 (discovery: auth_url, tenant_id; no auth needed)
    def authinfo(self) -> models.AuthInfo:
        expect = Expect("authinfo", "auth info")
        response = self._http.request(
            "GET", "authinfo", operation="authinfo", check=api_check(expect, self.secrets)
        )
        return parse(models.AuthInfo, response.json(), "auth info")

    # Reference: halopsa.md §1.2 (client credentials, form-encoded, optional ?tenant=)
    def token(self) -> models.Token:
        auth_url, tenant = self._auth_target()
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
            "scope": self._scope,
        }
        response = self._http.request(
            "POST",
            f"{auth_url}/token",
            operation="token",
            content=urlencode(form),
            params={"tenant": tenant} if tenant else None,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            check=_token_check(self.secrets),
        )
        return parse(models.Token, response.json(), "token answer")

    def _auth_target(self) -> tuple[str, str | None]:
        # Reference: halopsa.md §1.2 (authinfo, falling back to <instance>/auth as HaloAPI does)
        if (self._auth_url is None or self._tenant is None) and not self._discovered:
            try:
                info = self.authinfo()
                self._auth_url = self._auth_url or (info.auth_url or "").rstrip("/") or None
                self._tenant = self._tenant or info.tenant_id
            except (NotFoundError, ConfigError, AuthError):
                pass  # no discovery here: the default auth server, no tenant
            self._discovered = True
        return self._auth_url or f"{self.instance_url}/auth", self._tenant

    def authenticate(self) -> None:
        """Fetch a token now unless a valid one is cached (Validate's first step)."""
        self._bearer()

    def _bearer(self) -> str:
        return self._tokens.get() or self._tokens.store(self.token())

    def _api(self, method: str, path: str, expect: Expect, **options: Any) -> Any:
        token = self._bearer()
        try:
            return self._send(method, path, expect, token, **options)
        except AuthError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise
        # Reference: halopsa.md §1.3 (on a 401 from /api: one fresh token, one retry, no loop)
        self._tokens.drop()
        return self._send(method, path, expect, self._bearer(), **options)

    def _send(self, method: str, path: str, expect: Expect, token: str, **options: Any) -> Any:
        response = self._http.request(
            method,
            path,
            operation=expect.operation,
            headers={"Authorization": f"Bearer {token}"},
            idempotent=not expect.creates,
            check=api_check(expect, self.secrets),
            **options,
        )
        return response.json()

    def _list(self, path: str, key: str, model: type[M], **params: Any) -> list[M]:
        expect = Expect(f"{path}.list", path)
        return records(self._api("GET", path, expect, params=params or None), key, model, path)

    def _page(
        self, path: str, key: str, model: type[M], page_no: int, size: int, **params: Any
    ) -> Page[M]:
        limit = TICKETS_PAGE_MAX if path == "Tickets" else PAGE_MAX
        if not 1 <= size <= limit or page_no < 1:
            raise ConfigError(f"HaloPSA {path}: page_size must be 1-{limit}, page_no from 1")
        paging = {"pageinate": "true", "page_size": size, "page_no": page_no}
        body = self._api("GET", path, Expect(f"{path}.list", path), params={**params, **paging})
        return page(body, key, model, path, page_no, size)

    def _one(self, path: str, item_id: int, model: type[M], **params: Any) -> M:
        expect = Expect(f"{path}.get", path, item_id=str(item_id))
        body = self._api("GET", f"{path}/{item_id}", expect, params=params or None)
        if not isinstance(body, dict) or body.get("id") in (None, ""):
            # Reference: halopsa.md §2.3 (a 200 without `id` means missing or deleted)
            raise NotFoundError(f"HaloPSA {path} {item_id} does not exist")
        return parse(model, body, path)

    def _post(self, path: str, body: Mapping[str, Any], *, creates: bool) -> models.Created:
        # Reference: halopsa.md §2.1 (POST of an array; answers one object)
        expect = Expect(f"{path}.{'create' if creates else 'update'}", path, creates=creates)
        answer = self._api("POST", path, expect, json=[dict(body)])
        created = parse(models.Created, answer if isinstance(answer, dict) else {}, path)
        return _require_id(created, path, creates)


def _require_id(created: models.Created, what: str, creates: bool) -> models.Created:
    if created.id is None and creates:
        raise TransientError(f"HaloPSA answered the {what} create without an id", ambiguous=True)
    return created
