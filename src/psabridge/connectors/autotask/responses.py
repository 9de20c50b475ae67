"""Autotask answers: statuses and `{"errors": [...]}` mapped to our errors, bodies parsed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from psabridge.connectors.autotask.models import ErrorBody
from psabridge.connectors.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.http import parse_retry_after, redact

M = TypeVar("M", bound=BaseModel)
NAME = "Autotask PSA"
_DETAIL_MAX = 240
_ERRORS_SHOWN = 3
# Reference: autotask.md §2.7 (N8N PR #107: the thread refusal, possibly not a 429)
THREAD_MARKERS = ("thread threshold", "itgenatr005")
THREAD_RETRY_AFTER = 1.0
# Reference: autotask.md §2.5 (DJ: some permission failures come as a 500 with this text)
PERMISSION_MARKER = "does not have the adequate permissions"
# The framework's catch-all texts: a 500 saying nothing about the request is not validation.
GENERIC_500 = ("an error has occurred", "an unexpected error has occurred")


@dataclass(frozen=True)
class Expect:
    """What one API request is: its audit `operation`, what a failure names, whether it creates."""

    operation: str
    what: str
    creates: bool = False


def error_texts(response: httpx.Response) -> list[str]:
    """Return the texts of an `{"errors": [...]}` body (strings or `{message}` objects)."""
    try:
        body = ErrorBody.model_validate(response.json())
    except (ValueError, ValidationError):
        return []
    texts = [_text(e) for e in body.errors or ()]
    texts = [t for t in texts if t]
    return texts or ([body.message] if body.message else [])


def _text(error: Any) -> str:
    if isinstance(error, dict):
        message, field = error.get("message"), error.get("field")
        return f"{field}: {message}" if field and message else str(message or "")
    return str(error).strip()


def api_check(
    expect: Expect, secrets: Callable[[], Iterable[str]]
) -> Callable[[httpx.Response], None]:
    """Return the response check of an API call (reference §2.5 status table)."""

    def check(response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            require_json(response, expect)
            return
        texts = [redact(t, secrets()) for t in error_texts(response)]
        raise api_error(status, expect, texts, response)

    return check


def api_error(status: int, expect: Expect, texts: list[str], response: httpx.Response) -> Exception:
    """Return our error for a refused API call."""
    joined = " ".join(texts).lower()
    if any(marker in joined for marker in THREAD_MARKERS):
        retry = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
        text = f"{NAME} refused {expect.what}: over its limit of concurrent calls"
        return RateLimitedError(text, retry_after=retry or THREAD_RETRY_AFTER)
    if status == 401:
        return AuthError(f"{NAME} rejected the API user, secret or integration code (HTTP 401)")
    if status == 403 or (status == 500 and PERMISSION_MARKER in joined):
        text = f"The {NAME} API user's security level does not allow {expect.what}"
        return PermissionDeniedError(text, expect.what)
    if status == 404:
        return NotFoundError(f"{NAME}: {expect.what} not found (HTTP 404)")
    if status == 429:
        retry = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
        return RateLimitedError(f"{NAME} is over its request threshold (HTTP 429)", retry)
    if status == 500 and texts and not _generic(texts):
        # Reference: autotask.md §2.5, §5 q4 (validation and business rules answer 500)
        return ConfigError(f"{NAME} refused {expect.what}: {_short(texts)}")
    if status >= 500:
        return TransientError(
            f"{NAME} server error for {expect.what} (HTTP {status})", ambiguous=True
        )
    detail = f": {_short(texts)}" if texts else ""
    return ConfigError(f"{NAME} refused {expect.what} (HTTP {status}){detail}")


def _generic(texts: list[str]) -> bool:
    return all(t.strip().rstrip(".").lower() in GENERIC_500 for t in texts)


def _short(texts: list[str]) -> str:
    return "; ".join(t.strip() for t in texts[:_ERRORS_SHOWN])[:_DETAIL_MAX]


def require_json(response: httpx.Response, expect: Expect) -> None:
    """Raise TransientError when a success is not JSON (ambiguous for a create)."""
    try:
        response.json()
    except ValueError:
        raise TransientError(
            f"{NAME} answered {expect.what} with something other than JSON "
            "(a proxy or login page?)",
            ambiguous=expect.creates,
        ) from None


def parse(model: type[M], body: Any, what: str) -> M:
    """Return `body` as `model`, or raise ConfigError naming `what`."""
    try:
        return model.model_validate(body)
    except ValidationError:
        raise ConfigError(f"{NAME} answered with unexpected {what}") from None


def parse_list(model: type[M], body: Any, what: str) -> list[M]:
    """Return a list of JSON records as models."""
    if not isinstance(body, list):
        raise ConfigError(f"{NAME} answered with unexpected {what}")
    return [parse(model, item, what) for item in body]
