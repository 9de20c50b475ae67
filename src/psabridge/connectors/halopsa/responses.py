"""HaloPSA answer handling: error bodies mapped to our errors, envelopes and models parsed."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    TransientError,
)
from psabridge.connectors.halopsa import models
from psabridge.connectors.halopsa.models import ErrorBody
from psabridge.connectors.http import redact

M = TypeVar("M", bound=BaseModel)
_DETAIL_MAX = 160
# OAuth error codes meaning "wrong client id or secret" (reference §1.2).
_BAD_CLIENT = {"invalid_client", "unauthorized_client", "invalid_grant"}


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a list: its records and the `record_count` Halo announced (if any)."""

    records: list[M]
    record_count: int | None
    page_no: int
    page_size: int

    @property
    def pages(self) -> int | None:
        """Return ceil(record_count / page_size) (reference §2.2), None when unknown."""
        if self.record_count is None:
            return None
        return max(math.ceil(self.record_count / self.page_size), 1)


@dataclass(frozen=True)
class Expect:
    """What one /api request is: its audit `operation`, what a failure names, whether it creates."""

    operation: str
    what: str
    item_id: str | None = None
    creates: bool = False


def error_text(response: httpx.Response, secrets: Iterable[str]) -> str | None:
    """Return Halo's error message (redacted and truncated), or None when there is none."""
    try:
        text = ErrorBody.model_validate(response.json()).text
    except (ValueError, ValidationError):
        return None
    return redact(text, secrets)[:_DETAIL_MAX] if text else None


def api_check(
    expect: Expect, secrets: Callable[[], Iterable[str]]
) -> Callable[[httpx.Response], None]:
    """Return the response check for an /api call; 429 and 5xx go to the default policy."""

    def check(response: httpx.Response) -> None:
        status = response.status_code
        if status == 429 or status >= 500:
            return
        if 200 <= status < 300:
            _require_json(response, expect)
            return
        raise _api_error(status, expect, error_text(response, secrets()))

    return check


def _api_error(status: int, expect: Expect, detail: str | None) -> Exception:
    if status == 400:  # Reference: halopsa.md §2.3 (validation failure, readable message)
        return ConfigError(f"HaloPSA refused the request: {detail or 'HTTP 400'}")
    if status == 401:  # Reference: halopsa.md §2.3 (missing, expired or invalid token)
        return AuthError("HaloPSA rejected the access token (HTTP 401)")
    if status == 403:  # Reference: halopsa.md §1.1 (app permissions ∩ the agent's)
        why = f": {detail}" if detail else ""
        return PermissionDeniedError(
            f"The HaloPSA API application lacks permission for {expect.what} (HTTP 403){why}",
            expect.what,
        )
    if status == 404 and expect.item_id is not None:
        return NotFoundError(f"HaloPSA {expect.what} {expect.item_id} does not exist")
    if status == 404:
        return NotFoundError("No HaloPSA API at this URL (HTTP 404); check the instance URL")
    suffix = f": {detail}" if detail else ""
    return ConfigError(f"HaloPSA refused the request (HTTP {status}){suffix}")


def _require_json(response: httpx.Response, expect: Expect) -> None:
    try:
        response.json()
    except ValueError:
        if expect.creates:  # the create may have been applied: look it up before re-sending
            raise TransientError(
                "HaloPSA answered the create with something other than JSON; it may have "
                "been applied",
                ambiguous=True,
            ) from None
        raise ConfigError(
            "HaloPSA answered with something other than JSON; check the instance URL"
        ) from None


def token_check(secrets: Callable[[], Iterable[str]]) -> Callable[[httpx.Response], None]:
    """Return the response check for the token endpoint (reference §1.2)."""

    def check(response: httpx.Response) -> None:
        status = response.status_code
        if status == 429 or status >= 500:
            return
        detail = _oauth_error(response)
        if status in (400, 401) and (status == 401 or detail in _BAD_CLIENT):
            raise AuthError("HaloPSA rejected the client ID or client secret")
        if status == 403:
            raise PermissionDeniedError(
                "The HaloPSA API application may not use client credentials (HTTP 403)", "token"
            )
        if status == 404:
            raise NotFoundError("No HaloPSA auth server at this URL (HTTP 404)")
        if not 200 <= status < 300:
            text = error_text(response, secrets()) or f"HTTP {status}"
            raise ConfigError(f"The HaloPSA auth server refused the token request: {text}")
        _require_token(response)

    return check


def _require_token(response: httpx.Response) -> None:
    try:
        models.Token.model_validate(response.json())
    except (ValueError, ValidationError):
        raise ConfigError(
            "The HaloPSA auth server answered with something other than a token; "
            "check the auth server URL"
        ) from None


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        return ErrorBody.model_validate(response.json()).error
    except (ValueError, ValidationError):
        return None


def parse(model: type[M], body: Any, what: str) -> M:
    """Return `body` as `model`, or raise ConfigError naming `what`."""
    try:
        return model.model_validate(body)
    except ValidationError:
        raise ConfigError(f"HaloPSA answered with unexpected {what}") from None


def records(body: Any, key: str, model: type[M], what: str) -> list[M]:
    """Return the records of a bare array or of an envelope's `key` (reference §2.2)."""
    items = body if isinstance(body, list) else _enveloped(body, key)
    if items is None:
        raise ConfigError(f"HaloPSA answered with unexpected {what}")
    return [parse(model, item, what) for item in items]


def page(body: Any, key: str, model: type[M], what: str, page_no: int, size: int) -> Page[M]:
    """Return one page; `record_count` is None for a bare array."""
    count = body.get("record_count") if isinstance(body, dict) else None
    try:
        record_count = None if count is None else int(float(count))
    except (TypeError, ValueError):
        raise ConfigError(f"HaloPSA answered with an unexpected record_count for {what}") from None
    return Page(records(body, key, model, what), record_count, page_no, size)


def _enveloped(body: Any, key: str) -> list[Any] | None:
    if not isinstance(body, dict):
        return None
    items = body.get(key)
    if items is None and "record_count" in body:
        return []  # an empty envelope may leave the key out
    return items if isinstance(items, list) else None
