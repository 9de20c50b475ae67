"""The one HTTP wrapper every connector uses: timeouts, retries, rate budget and an audit hook."""

from __future__ import annotations

import base64
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import limits
import tenacity

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.rate_budget import RateBudget, secret_fingerprint

__all__ = [
    "DEFAULT_TIMEOUT",
    "CallRecord",
    "HttpClient",
    "RateBudget",
    "parse_retry_after",
    "redact",
    "secret_fingerprint",
]

logger = logging.getLogger(__name__)

# Conventions "Connectors": connect 5 s, read 30 s, always explicit.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
_MAX_MESSAGE = 300

ResponseCheck = Callable[[httpx.Response], None]


@dataclass(frozen=True)
class CallRecord:
    """One outbound attempt, as the audit log keeps it: no headers, bodies or secrets."""

    system: str
    operation: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    error_kind: str | None
    error: str | None
    attempt: int
    at: datetime


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return `text` with every secret (and its HTTP Basic encodings) replaced by `***`."""
    for secret in secrets:
        if not secret:
            continue
        for form in (secret, _b64(f"{secret}:"), _b64(secret)):
            text = text.replace(form, "***")
    return text


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a `Retry-After` header asks for (delta seconds or HTTP date)."""
    if not value or not value.strip():
        return None
    seconds: float | None
    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = _seconds_until(value.strip(), now or datetime.now(UTC))
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    path: str
    operation: str
    rate_key: str
    check: ResponseCheck | None
    options: dict[str, Any]


class HttpClient:
    """Send requests for one outside system with the retry, rate and audit policy applied."""

    def __init__(
        self,
        system: str,
        *,
        base_url: str,
        auth: httpx.Auth | None = None,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        audit: Callable[[CallRecord], None] | None = None,
        budget: RateBudget | None = None,
        rate_limits: Mapping[str, limits.RateLimitItem] | None = None,
        rate_identity: str = "default",
        rate_max_wait: float = 30.0,
        secrets: Iterable[str] = (),
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.Client(transport=transport, timeout=timeout)
        self._auth = auth
        self._timeout = timeout
        self._audit = audit
        self._budget = budget
        self._rate_limits = dict(rate_limits or {})
        self._rate_identity = rate_identity
        self._rate_max_wait = rate_max_wait
        self._secrets = tuple(s for s in secrets if s)
        self._max_attempts = max(1, max_attempts)
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=backoff_base, max=backoff_max, jitter=backoff_base
        )
        self._backoff_max = backoff_max
        self._sleeper = sleeper
        self._clock = clock
        self._now = now

    def close(self) -> None:
        """Close the pooled connections if this wrapper created the `httpx.Client`."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        content: bytes | str | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        rate_key: str = "default",
        idempotent: bool = True,
        check: ResponseCheck | None = None,
    ) -> httpx.Response:
        """Send one logical request (retried per policy) and return its successful response.

        `path` is joined to `base_url` unless it is an absolute URL. `check` may raise a
        ConnectorError for a vendor error found in a response; it runs before the default
        status classification. Non-idempotent requests are never re-sent after an ambiguous
        failure: the TransientError (ambiguous=True) goes to the caller, who looks up first.
        """
        url = self._url(path)
        options = {"json": json, "content": content, "params": params, "headers": headers}
        call = _Call(method.upper(), url, urlsplit(url).path, operation, rate_key, check, options)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(lambda exc: self._should_retry(exc, idempotent)),
            sleep=self._sleeper,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                response = self._attempt(call, attempt.retry_state.attempt_number)
        return response

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _attempt(self, call: _Call, number: int) -> httpx.Response:
        started, at = self._clock(), self._now()
        status: int | None = None
        try:
            self._take_budget(call.rate_key)
            response = self._send(call)
            status = response.status_code
            if call.check is not None:
                call.check(response)
            classify_status(self.system, response, self._now())
        except ConnectorError as exc:
            self._scrub(exc)
            self._record(call, number, started, at, status, exc)
            raise
        self._record(call, number, started, at, status, None)
        return response

    def _take_budget(self, rate_key: str) -> None:
        item = self._rate_limits.get(rate_key) or self._rate_limits.get("default")
        if self._budget is None or item is None:
            return
        self._budget.acquire(item, f"{self._rate_identity}/{rate_key}", self._rate_max_wait)

    def _send(self, call: _Call) -> httpx.Response:
        try:
            return self._client.request(
                call.method,
                call.url,
                auth=self._auth or httpx.USE_CLIENT_DEFAULT,
                timeout=self._timeout,
                **call.options,
            )
        except httpx.HTTPError as exc:
            raise transport_error(self.system, exc) from None
        except httpx.InvalidURL:
            raise ConfigError(f"{self.system}: the URL is not valid") from None

    def _should_retry(self, exc: BaseException, idempotent: bool) -> bool:
        if isinstance(exc, RateLimitedError):
            too_long = exc.retry_after is not None and exc.retry_after > self._backoff_max
            return not exc.local and not too_long
        if isinstance(exc, TransientError):
            return idempotent or not exc.ambiguous
        return False

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return min(exc.retry_after, self._backoff_max)
        return float(self._backoff(retry_state))

    def _scrub(self, exc: ConnectorError) -> None:
        message = redact(exc.message, self._secrets)[:_MAX_MESSAGE]
        if message != exc.message:
            exc.with_message(message)

    def _record(
        self,
        call: _Call,
        number: int,
        started: float,
        at: datetime,
        status: int | None,
        exc: ConnectorError | None,
    ) -> None:
        if exc is not None:
            logger.debug(
                "%s %s attempt %d failed: %s", self.system, call.operation, number, exc.kind
            )
        if self._audit is None:
            return
        record = CallRecord(
            system=self.system,
            operation=call.operation,
            method=call.method,
            path=redact(call.path, self._secrets),
            status=status,
            duration_ms=round((self._clock() - started) * 1000.0, 3),
            error_kind=exc.kind if exc else None,
            error=exc.message if exc else None,
            attempt=number,
            at=at,
        )
        try:
            self._audit(record)
        except Exception:  # an audit sink failing must never fail the call itself
            logger.exception("%s audit hook failed for %s", self.system, call.operation)


def transport_error(system: str, exc: httpx.HTTPError) -> ConnectorError:
    """Map an httpx transport failure to our errors; `ambiguous` if the request may have landed."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ConfigError(f"{system}: the URL must start with http:// or https://")
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransientError(f"{system}: timed out connecting")
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(f"{system}: timed out waiting for the answer", ambiguous=True)
    if isinstance(exc, httpx.ConnectError):
        return TransientError(f"{system}: cannot connect")
    return TransientError(f"{system}: connection lost", ambiguous=True)


def classify_status(system: str, response: httpx.Response, now: datetime) -> None:
    """Raise the error matching a non-2xx status; return for a success."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 401:
        raise AuthError(f"{system} rejected the credentials (HTTP 401)")
    if status == 403:
        raise PermissionDeniedError(f"{system} denied permission (HTTP 403)")
    if status == 404:
        raise NotFoundError(f"{system}: not found (HTTP 404); check the URL")
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        raise RateLimitedError(f"{system} is rate limiting (HTTP 429)", retry_after=retry_after)
    if status == 408:
        raise TransientError(f"{system}: request timed out (HTTP 408)")
    if status >= 500:
        raise TransientError(f"{system} server error (HTTP {status})", ambiguous=True)
    if 300 <= status < 400:
        raise ConfigError(f"{system}: unexpected redirect (HTTP {status}); check the URL")
    raise ConfigError(f"{system} refused the request (HTTP {status})")
