"""ConnectWise PSA answer handling: error envelopes mapped to our errors, bodies parsed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from psabridge.connectors.connectwise.models import ErrorBody
from psabridge.connectors.errors import (
    AuthError,
    CompanyBlockedError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    TransientError,
)
from psabridge.connectors.http import redact

M = TypeVar("M", bound=BaseModel)
_DETAIL_MAX = 200
_ERRORS_SHOWN = 3


@dataclass(frozen=True)
class Expect:
    """What one API request is: its audit `operation`, what a failure names, whether it creates."""

    operation: str
    what: str
    item_id: str | None = None
    creates: bool = False


def error_body(response: httpx.Response) -> ErrorBody | None:
    """Return the parsed error envelope, or None when the body is not one."""
    try:
        return ErrorBody.model_validate(response.json())
    except (ValueError, ValidationError):
        return None


def invalid_object_text(body: ErrorBody | None) -> str | None:
    """Return a short text from a 400 body: `resource: message` per error, else its message.

    Reference: connectwise.md §2.4 (`errors[]` of `{code, message, resource, field}`).
    """
    if body is None:
        return None
    items = [e for e in body.errors or () if e.message]
    if items:
        texts = [
            f"{e.resource or e.field}: {e.message}" if e.resource or e.field else str(e.message)
            for e in items[:_ERRORS_SHOWN]
        ]
        return "; ".join(texts)
    return body.message


def _company_blocked(body: ErrorBody | None) -> bool:
    """The company's status refuses saving (wire contract: InvalidStatus on company)."""
    return body is not None and any(
        e.code == "InvalidStatus" and (e.resource or "").lower() == "company"
        for e in body.errors or ()
    )


def api_check(
    expect: Expect, secrets: Callable[[], Iterable[str]]
) -> Callable[[httpx.Response], None]:
    """Return the response check of an API call; 429 and 5xx go to HttpClient's policy."""

    def check(response: httpx.Response) -> None:
        status = response.status_code
        if status == 429 or status >= 500:
            return
        if 200 <= status < 300:
            require_json(response, expect)
            return
        raise api_error(status, expect, error_body(response), secrets())

    return check


def api_error(
    status: int, expect: Expect, body: ErrorBody | None, secrets: Iterable[str]
) -> Exception:
    """Return our error for a refused API call (reference §2.4 status table)."""
    if status == 400:
        detail = invalid_object_text(body)
        text = redact(detail, secrets)[:_DETAIL_MAX] if detail else None
        if _company_blocked(body):
            return CompanyBlockedError(text or "the company's status does not allow saving")
        return ConfigError(text or "ConnectWise PSA refused the request (HTTP 400)")
    if status == 401:
        return AuthError("ConnectWise PSA rejected the API keys or the client id (HTTP 401)")
    if status == 403:
        return PermissionDeniedError(
            f"The ConnectWise PSA API member's security role does not allow {expect.what} "
            "(HTTP 403)",
            expect.what,
        )
    if status == 404 and expect.item_id is not None:
        return NotFoundError(f"ConnectWise PSA {expect.what} {expect.item_id} does not exist")
    if status == 404:
        return NotFoundError(f"ConnectWise PSA: {expect.what} not found (HTTP 404)")
    return ConfigError(f"ConnectWise PSA refused the request for {expect.what} (HTTP {status})")


def require_json(response: httpx.Response, expect: Expect) -> None:
    """Raise TransientError when a success is not JSON (ambiguous for a create)."""
    if not response.content and response.status_code == 204:
        return
    try:
        response.json()
    except ValueError:
        raise TransientError(
            f"ConnectWise PSA answered {expect.what} with something other than JSON",
            ambiguous=expect.creates,
        ) from None


def parse(model: type[M], body: Any, what: str) -> M:
    """Return `body` as `model`, or raise ConfigError naming `what`."""
    try:
        return model.model_validate(body)
    except ValidationError:
        raise ConfigError(f"ConnectWise PSA answered with unexpected {what}") from None


def parse_list(model: type[M], body: Any, what: str) -> list[M]:
    """Return a JSON array of records as models."""
    if not isinstance(body, list):
        raise ConfigError(f"ConnectWise PSA answered with unexpected {what}")
    return [parse(model, item, what) for item in body]
