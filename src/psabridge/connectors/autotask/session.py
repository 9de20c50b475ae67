"""The Autotask PSA session: zone discovery, the three auth headers, limits and call helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx
from limits import RateLimitItem, RateLimitItemPerHour
from pydantic import BaseModel, SecretStr

from psabridge.connectors.autotask import models
from psabridge.connectors.autotask.paging import DEFAULT_MAX_PAGES, read_all
from psabridge.connectors.autotask.query import Query
from psabridge.connectors.autotask.responses import (
    NAME,
    Expect,
    api_check,
    error_texts,
    parse,
    parse_list,
    require_json,
)
from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.http import HttpClient, secret_fingerprint

SYSTEM = "autotask"
# Reference: autotask.md §1.2 (any webservices host answers; trust the zone it names)
ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
# Reference: autotask.md §2.7 (10,000 requests an hour per database, shared by every
# integration of the tenant); we take 9,000 so other integrations keep some room.
RATE_LIMITS: dict[str, RateLimitItem] = {"default": RateLimitItemPerHour(9000)}
# Reference: autotask.md §2.7 (3 concurrent calls per tracking identifier and endpoint); 2 per
# process and credential leaves one for a second worker process or an admin's CLI run.
MAX_CONCURRENT = 2
CONCURRENCY_WAIT = 30.0
M = TypeVar("M", bound=BaseModel)

_gates: dict[str, threading.BoundedSemaphore] = {}
_gates_lock = threading.Lock()


@dataclass(frozen=True)
class AtCredentials:
    """An API-only user and the integration's tracking identifier; secrets never in a repr."""

    username: str
    secret: SecretStr
    integration_code: SecretStr
    zone_lookup_url: str = field(default=ZONE_LOOKUP_URL)

    def headers(self) -> dict[str, str]:
        """Return the three auth headers of every call but zone discovery (reference §1.1)."""
        return {
            "ApiIntegrationCode": self.integration_code.get_secret_value(),
            "UserName": self.username,
            "Secret": self.secret.get_secret_value(),
        }

    def secrets(self) -> tuple[str, ...]:
        """Return every value to redact: the secret and the integration code."""
        return (self.secret.get_secret_value(), self.integration_code.get_secret_value())

    def identity(self) -> str:
        """Return a fingerprint naming this API user and tracking identifier (budget, gate)."""
        raw = f"{self.username.strip().lower()}|{self.integration_code.get_secret_value()}"
        return secret_fingerprint(raw)


def gate(identity: str) -> threading.BoundedSemaphore:
    """Return the process-wide semaphore bounding concurrent calls of one credential."""
    with _gates_lock:
        if identity not in _gates:
            _gates[identity] = threading.BoundedSemaphore(MAX_CONCURRENT)
        return _gates[identity]


def at_http(credentials: AtCredentials, **options: Any) -> HttpClient:
    """Return an HttpClient with Autotask's hourly budget item and secret redaction."""
    options.setdefault("rate_limits", RATE_LIMITS)
    parts = urlsplit(credentials.zone_lookup_url)
    return HttpClient(
        SYSTEM,
        base_url=f"{parts.scheme}://{parts.netloc}",
        # Reference: autotask.md §2.7 (the threshold is per database; one API user is in one)
        rate_identity=credentials.identity(),
        secrets=credentials.secrets(),
        **options,
    )


class AtSession:
    """Discover the zone of one API user and send API calls (reference §1, §2)."""

    def __init__(
        self, credentials: AtCredentials, http: HttpClient, *, max_pages: int = DEFAULT_MAX_PAGES
    ) -> None:
        self.credentials = credentials
        self._http = http
        self._zone: models.ZoneInfo | None = None
        self._gate = gate(credentials.identity())
        self.max_pages = max_pages

    @classmethod
    def connect(
        cls,
        username: str,
        secret: SecretStr,
        integration_code: SecretStr,
        *,
        zone_lookup_url: str = ZONE_LOOKUP_URL,
        **http_options: Any,
    ) -> Self:
        """Return a client with its own HttpClient (`http_options` go to HttpClient)."""
        credentials = AtCredentials(username, secret, integration_code, zone_lookup_url)
        return cls(credentials, at_http(credentials, **http_options))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(user={self.credentials.username!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def secrets(self) -> tuple[str, ...]:
        return self.credentials.secrets()

    # --- zone discovery (reference §1.2) --------------------------------------------------------

    # Reference: autotask.md §1.2 (GET zoneInformation?user=, no auth headers, no thread limit)
    def zone_information(self) -> models.ZoneInfo:
        """Ask which zone serves the API user; raise AuthError for an unknown user."""
        expect = Expect("zoneInformation", "zone information")
        response = self._http.request(
            "GET",
            self.credentials.zone_lookup_url,
            operation=expect.operation,
            params={"user": self.credentials.username},
            check=_zone_check(expect),
        )
        zone = parse(models.ZoneInfo, response.json(), "zone information")
        if urlsplit(zone.url).scheme not in ("http", "https"):
            raise ConfigError(f"{NAME} zone discovery answered without an API URL")
        return zone

    def zone(self) -> models.ZoneInfo:
        """Return the cached zone, discovering it on first use."""
        if self._zone is None:
            self._zone = self.zone_information()
        return self._zone

    def api_base(self) -> str:
        """Return `<zone url>V1.0` (reference §1.2: the url ends with a slash, no version)."""
        return f"{self.zone().url.rstrip('/')}/V1.0"

    # --- API calls (reference §2) ---------------------------------------------------------------

    def request(self, method: str, path: str, expect: Expect, **options: Any) -> httpx.Response:
        """Send one API call; after a 401 ask the zone again and retry once if it moved."""
        zone_url = self.zone().url
        try:
            return self._send(method, path, expect, **options)
        except AuthError as exc:
            # Reference: autotask.md §1.1 (DJ re-reads zone information once after a 401)
            if type(exc) is not AuthError:
                raise
            self._zone = None
            if self.zone().url == zone_url:
                raise
        return self._send(method, path, expect, **options)

    def _send(self, method: str, path: str, expect: Expect, **options: Any) -> httpx.Response:
        url = path if path.startswith(("http://", "https://")) else self._url(path)
        headers = {**self.credentials.headers(), "Accept": "application/json"}
        with self._slot():
            return self._http.request(
                method,
                url,
                operation=expect.operation,
                headers=headers,
                idempotent=not expect.creates,
                check=api_check(expect, self.secrets),
                **options,
            )

    def _url(self, path: str) -> str:
        return f"{self.api_base()}/{path.lstrip('/')}"

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._gate.acquire(timeout=CONCURRENCY_WAIT):
            raise RateLimitedError(
                f"{NAME}: too many calls in progress for this API user", local=True
            )
        try:
            yield
        finally:
            self._gate.release()

    def query(self, entity: str, query: Query, model: type[M], what: str) -> list[M]:
        """Return every record matching `query`, POSTing the same body to each next page."""
        body = query.body()
        expect = Expect(f"{entity}.query", what)

        def page(url: str) -> models.QueryPage:
            return parse(
                models.QueryPage, self.request("POST", url, expect, json=body).json(), what
            )

        records = read_all(
            lambda: page(f"{entity}/query"),
            page,
            what,
            base_url=self.api_base(),
            max_pages=self.max_pages,
        )
        return parse_list(model, records, what)

    def get(self, path: str, expect: Expect) -> Any:
        """Return the JSON answer of a GET."""
        return self.request("GET", path, expect).json()

    def one(self, entity: str, item_id: int, model: type[M], what: str) -> M:
        """Return one record by id; `{"item": null}` is NotFoundError (reference §2.5, q3)."""
        body = self.get(f"{entity}/{item_id}", Expect(f"{entity}.get", what))
        item = body.get("item") if isinstance(body, dict) else None
        if item is None:
            raise NotFoundError(f"{NAME} {what} {item_id} does not exist")
        return parse(model, item, what)

    def send(self, method: str, path: str, body: Any, expect: Expect) -> int:
        """POST, PATCH or PUT `body` and return the `itemId` of the answer (reference §2.1)."""
        answer = self.request(method, path, expect, json=body).json()
        try:
            return parse(models.ItemId, answer, expect.what).item_id
        except ConfigError:
            if expect.creates:  # the write may have landed: the caller looks it up first
                raise TransientError(
                    f"{NAME} answered {expect.what} without an itemId", ambiguous=True
                ) from None
            raise


def _zone_check(expect: Expect) -> Any:
    def check(response: httpx.Response) -> None:
        status = response.status_code
        if status == 500 and error_texts(response):
            # Reference: autotask.md §1.2 (a blank or unknown user answers 500 with JSON)
            raise AuthError(f"{NAME} does not know this API user name")
        if status == 200:
            try:
                require_json(response, expect)
            except TransientError:
                raise ConfigError(
                    f"The {NAME} zone lookup did not answer like Autotask; check its URL"
                ) from None

    return check
