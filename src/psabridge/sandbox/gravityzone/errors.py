"""JSON-RPC errors the simulator answers, with their HTTP status (reference 1.4)."""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
# Our choice (open question 1): Bitdefender documents no code for auth failures or 429s.
SERVER_ERROR = -32000


class RpcError(Exception):
    """A JSON-RPC error to answer, optionally with a non-200 HTTP status."""

    def __init__(
        self,
        code: int,
        message: str,
        details: str = "",
        http_status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.http_status = http_status
        self.headers = headers or {}

    def body(self, request_id: Any) -> dict[str, Any]:
        """Return the error envelope, echoing the request id."""
        error = {"code": self.code, "message": self.message, "data": {"details": self.details}}
        return {"id": request_id, "jsonrpc": "2.0", "error": error}


def invalid_params(details: str) -> RpcError:
    """Return the -32602 "Invalid params" error (reference 1.4)."""
    return RpcError(INVALID_PARAMS, "Invalid params", details)


def invalid_api_key() -> RpcError:
    """Return the HTTP 401 "Invalid API key" error (reference 1.2, 1.4)."""
    return RpcError(
        SERVER_ERROR, "Invalid API key", "The API key is invalid or lacks this API", 401
    )


def method_not_found(service: str, method: str) -> RpcError:
    """Return the -32601 error for a method the service does not have."""
    return RpcError(METHOD_NOT_FOUND, "Method not found", f"{service}.{method} does not exist")


def rate_limited(retry_after: int) -> RpcError:
    """Return the HTTP 429 error with a Retry-After header (reference 1.6)."""
    return RpcError(
        SERVER_ERROR,
        "Rate limit exceeded",
        f"Too many requests for this API key; retry after {retry_after} seconds",
        429,
        {"Retry-After": str(retry_after)},
    )
