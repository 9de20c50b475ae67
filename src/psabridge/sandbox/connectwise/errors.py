"""ConnectWise PSA error answers: the `{code, message, errors}` envelope (reference 2.4)."""

from __future__ import annotations

from typing import Any

CONDITIONS_HELP = (
    "Expected a boolean value, not a numeric. String values must be enclosed in double or "
    "single quotes, DateTime values must be enclosed in square brackets, numbers must consist "
    "of only numeric characters, and the only keywords allowed are true, false and null."
)


class CwError(Exception):
    """An error to answer; the body is the PSA envelope unless another body is given."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = (
            body
            if body is not None
            else {
                "code": code,
                "message": message,
                "errors": errors,
            }
        )


def field_error(code: str, field: str, resource: str, message: str) -> dict[str, Any]:
    """Return one `ValidationError` of an `InvalidObject` answer (contract: errors)."""
    return {"code": code, "message": message, "resource": resource, "field": field}


def invalid(resource: str, errors: list[dict[str, Any]]) -> CwError:
    """Return the 400 `InvalidObject` of a failed validation, one error per field."""
    return CwError(400, "InvalidObject", f"{resource} object is invalid", errors=errors)


def bad_request(message: str) -> CwError:
    """Return a 400 `InvalidObject` without field errors (malformed input)."""
    return CwError(400, "InvalidObject", message)


def bad_conditions(detail: str) -> CwError:
    """Return the 400 of a malformed `conditions` string (contract: conditions)."""
    return CwError(400, "InvalidObject", f"{CONDITIONS_HELP} {detail}".strip())


def not_found(message: str = "Record not found") -> CwError:
    """Return the 404 of an unknown record or path."""
    return CwError(404, "NotFound", message)


def unauthorized(message: str = "Unable to authenticate the request.") -> CwError:
    """Return the 401 of bad credentials or a missing clientId (contract: auth)."""
    return CwError(401, "Unauthorized", message)


def forbidden(module: str) -> CwError:
    """Return the 403 of a module the API member's security role denies (reference 1.1)."""
    return CwError(403, "Forbidden", f"You do not have permission to access the {module} module.")


def method_not_allowed(method: str) -> CwError:
    """Return the 405 of a known path called with another method."""
    return CwError(405, "MethodNotAllowed", f"The method {method} is not allowed here.")


def rate_limited(retry_after: int) -> CwError:
    """Return the 429: `error` instead of `code`, with `Retry-After` (reference 2.5)."""
    message = f"Too many requests. Please try again in {retry_after} seconds."
    return CwError(
        429,
        "",
        message,
        headers={"Retry-After": str(retry_after)},
        body={"error": "ConnectWiseAPI", "message": message},
    )
