"""Thin typed client of the ConnectWise Automate REST API v1: token, clients (reference §4)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import httpx
from limits import RateLimitItem, RateLimitItemPerMinute
from pydantic import SecretStr, ValidationError

from psabridge.connectors.automate import models
from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    TransientError,
)
from psabridge.connectors.http import HttpClient, redact, secret_fingerprint

logger = logging.getLogger(__name__)

SYSTEM = "automate"
PAGE_MAX = 1000  # Reference: wire contract "clients" (pageSize max 1000, clamped)
DEFAULT_MAX_PAGES = 100
# Wire contract: 600 calls a minute (a guard); we keep a 10% margin.
RATE_LIMITS: dict[str, RateLimitItem] = {"default": RateLimitItemPerMinute(540)}
EXPIRY_MARGIN = timedelta(seconds=60)  # renew the token a minute before ExpirationDate
_DETAIL_MAX = 160


def server_root(server_url: str) -> str:
    """Return `https://<server>` for a URL given with or without scheme, `/cwa/api/v1` or slash."""
    url = server_url.strip().rstrip("/")
    if not url:
        raise ConfigError("The ConnectWise Automate server URL is missing")
    if "://" not in url:
        url = f"https://{url}"
    for suffix in ("/cwa/api/v1", "/cwa/api", "/cwa"):
        if url.lower().endswith(suffix):
            url = url[: -len(suffix)]
    return url


class AutomateClient:
    """Log in to one Automate server and call its API (reference §4.1, §4.2)."""

    def __init__(
        self,
        server_url: str,
        username: str,
        password: SecretStr,
        client_id: str,
        http: HttpClient,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.server = server_root(server_url)
        self.username = username
        self._password = password
        self.client_id = client_id
        self._http = http
        self._now = now
        self.max_pages = max_pages
        self._token: str | None = None
        self._expires: datetime | None = None
        self._tokens: list[str] = []

    @classmethod
    def connect(
        cls, server_url: str, username: str, password: SecretStr, client_id: str, **options: Any
    ) -> Self:
        """Return a client with its own HttpClient (`options` go to HttpClient)."""
        options.setdefault("rate_limits", RATE_LIMITS)
        root = server_root(server_url)
        http = HttpClient(
            SYSTEM,
            base_url=f"{root}/cwa/api/v1",
            rate_identity=secret_fingerprint(f"{root.lower()}|{username.lower()}"),
            secrets=(password.get_secret_value(),),
            **options,
        )
        now = options.get("now") or (lambda: datetime.now(UTC))
        return cls(server_url, username, password, client_id, http, now=now)

    def __repr__(self) -> str:
        return f"AutomateClient(server={self.server!r}, username={self.username!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def secrets(self) -> tuple[str, ...]:
        """Return the password and the tokens handed out, to redact them."""
        return (self._password.get_secret_value(), *self._tokens)

    # --- token (reference §4.1) -----------------------------------------------------------------

    # Reference: connectwise.md §4.1 (POST /apitoken {Username, Password}; ClientId header)
    def login(self) -> models.TokenResult:
        body = {"Username": self.username, "Password": self._password.get_secret_value()}
        response = self._http.request(
            "POST",
            "apitoken",
            operation="apitoken",
            json=body,
            headers={"ClientId": self.client_id, "Accept": "application/json"},
            check=_check("token request", self.secrets, login=True),
        )
        token = _parse(models.TokenResult, response.json(), "token answer")
        if token.is_two_factor_required:
            raise AuthError("ConnectWise Automate asks this user for a two-factor passcode")
        self._tokens = [*self._tokens[-7:], token.access_token]
        self._token, self._expires = token.access_token, token.expiration_date
        return token

    def _bearer(self) -> str:
        expired = self._expires is not None and self._now() >= self._expires - EXPIRY_MARGIN
        if self._token is None or expired:
            self.login()
        assert self._token is not None
        return self._token

    def _get(self, path: str, what: str, params: dict[str, Any]) -> Any:
        try:
            return self._send(path, what, params)
        except AuthError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise
        # Reference: wire contract "token" (expired or unknown: log in again once and retry)
        self._token = None
        return self._send(path, what, params)

    def _send(self, path: str, what: str, params: dict[str, Any]) -> Any:
        headers = {
            "Authorization": f"Bearer {self._bearer()}",
            "ClientId": self.client_id,
            "Accept": "application/json",
        }
        response = self._http.request(
            "GET",
            path,
            operation=f"{path}.list",
            params=params,
            headers=headers,
            check=_check(what, self.secrets),
        )
        return response.json()

    # --- clients (reference §4.2) ---------------------------------------------------------------

    # Reference: connectwise.md §4.2 (no Link header; page from 1, pageSize)
    def clients_page(self, page: int, page_size: int = PAGE_MAX) -> list[models.Client]:
        params = {"page": page, "pageSize": page_size}
        body = self._get("clients", "clients", params)
        if not isinstance(body, list):
            raise ConfigError("ConnectWise Automate answered with unexpected clients")
        return [_parse(models.Client, item, "clients") for item in body]

    def clients(self, page_size: int = PAGE_MAX) -> list[models.Client]:
        """Return every client: pages until one is shorter than `page_size`; bounded."""
        found: list[models.Client] = []
        seen: set[str | None] = set()
        for number in range(1, self.max_pages + 1):
            page = self.clients_page(number, page_size)
            ids = {c.id for c in page}
            if ids & seen or len(ids) != len(page):
                # A server ignoring `page` would send page 1 again: stop at once, do not loop.
                raise _incomplete("a client came back twice (the pages moved or were ignored)")
            seen |= ids
            found.extend(page)
            if len(page) < page_size:
                return found
        raise _incomplete(f"more than {self.max_pages} pages")


def _incomplete(reason: str) -> TransientError:
    return TransientError(
        f"Incomplete client list from ConnectWise Automate: {reason}; retry later"
    )


def _parse(model: type[Any], body: Any, what: str) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError:
        raise ConfigError(f"ConnectWise Automate answered with unexpected {what}") from None


def _check(
    what: str, secrets: Callable[[], Iterable[str]], *, login: bool = False
) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        status = response.status_code
        if status == 429 or status >= 500:
            return
        if 200 <= status < 300:
            _require_json(response, what)
            return
        raise _error(status, what, _detail(response, secrets()), login)

    return check


def _error(status: int, what: str, detail: str | None, login: bool) -> Exception:
    if status == 401 and login:
        return AuthError(
            "ConnectWise Automate rejected the username, password or ClientId (HTTP 401)"
        )
    if status == 401:
        return AuthError("ConnectWise Automate rejected the access token (HTTP 401)")
    if status == 403:
        return PermissionDeniedError(
            f"The ConnectWise Automate user may not read {what} (HTTP 403)", what
        )
    if status == 404:
        return NotFoundError("No ConnectWise Automate API at this URL (HTTP 404)")
    suffix = f": {detail}" if detail else ""
    return ConfigError(f"ConnectWise Automate refused the {what} request (HTTP {status}){suffix}")


def _detail(response: httpx.Response, secrets: Iterable[str]) -> str | None:
    try:
        text = models.ErrorBody.model_validate(response.json()).message
    except (ValueError, ValidationError):
        return None
    return redact(text, secrets)[:_DETAIL_MAX] if text else None


def _require_json(response: httpx.Response, what: str) -> None:
    try:
        response.json()
    except ValueError:
        raise TransientError(
            f"ConnectWise Automate answered the {what} request with something other than JSON"
        ) from None
