"""HaloPSA error answers: HTTP status, `{"message": ...}` body and headers (reference 2.3)."""

from __future__ import annotations

from typing import Any

DENIED = "Authorization has been denied for this request."


class HaloError(Exception):
    """An error to answer; the body is `{"message": ...}` unless another body is given."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.body = body if body is not None else {"message": message}


def bad_request(message: str) -> HaloError:
    """Return a 400 validation failure with a readable message (reference 2.3)."""
    return HaloError(400, message)


def not_found() -> HaloError:
    """Return the 404 of an unknown id (contract: `{"message": "Not found"}`)."""
    return HaloError(404, "Not found")


def method_not_allowed(method: str) -> HaloError:
    """Return the 405 of a known path called with a method it does not serve."""
    return HaloError(405, f"The requested resource does not support http method '{method}'.")


def unauthorized(message: str = DENIED) -> HaloError:
    """Return the 401 of a missing, unknown or expired bearer token (reference 1.3, 2.3)."""
    return HaloError(401, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden(scope: str) -> HaloError:
    """Return the 403 of an application that lacks a permission (reference 1.2)."""
    return HaloError(403, f"This application does not have the '{scope}' permission.")


def invalid_client(description: str) -> HaloError:
    """Return the token endpoint's 401 for bad client credentials (reference 1.2)."""
    body = {"error": "invalid_client", "error_description": description}
    return HaloError(401, description, body=body)


def rate_limit_message(requests: int, window: float) -> str:
    """Return the 429 text, e.g. "Rate Limit Reached - 300 Requests per rolling 5 minute window"."""
    span = f"{int(window // 60)} minute" if window % 60 == 0 else f"{window:g} second"
    return f"Rate Limit Reached - {requests} Requests per rolling {span} window"


def rate_limited(requests: int, window: float, retry_after: int) -> HaloError:
    """Return the 429 with `Retry-After` in whole seconds (reference 2.3, 2.4)."""
    message = rate_limit_message(requests, window)
    return HaloError(429, message, headers={"Retry-After": str(retry_after)})
