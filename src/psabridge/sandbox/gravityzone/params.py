"""Validation of JSON-RPC params; every failure is a -32602 "Invalid params" (reference 1.4)."""

from __future__ import annotations

import re
from typing import Any

from .errors import invalid_params

HEX_ID = re.compile(r"^[0-9a-f]{24}$")


def reject_unknown(params: dict[str, Any], allowed: set[str]) -> None:
    """Raise for params the method does not take (e.g. page/perPage on getCompaniesList)."""
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise invalid_params(f"Unknown parameter(s): {', '.join(unknown)}")


def opt_str(params: dict[str, Any], name: str) -> str | None:
    """Return an optional string param."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_params(f"'{name}' must be a string")
    return value


def req_str(params: dict[str, Any], name: str) -> str:
    """Return a mandatory non-empty string param."""
    value = opt_str(params, name)
    if not value:
        raise invalid_params(f"'{name}' is required")
    return value


def opt_id(params: dict[str, Any], name: str) -> str | None:
    """Return an optional 24-hex id param."""
    value = opt_str(params, name)
    if value is not None and not HEX_ID.match(value):
        raise invalid_params(f"'{name}' must be a valid ID")
    return value


def opt_int(params: dict[str, Any], name: str, low: int, high: int) -> int | None:
    """Return an optional integer param within [low, high] (booleans are rejected)."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid_params(f"'{name}' must be an integer between {low} and {high}")
    return value


def opt_choice(params: dict[str, Any], name: str, choices: tuple[int, ...]) -> int | None:
    """Return an optional integer param restricted to `choices`."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or value not in choices:
        raise invalid_params(f"'{name}' must be one of {', '.join(map(str, choices))}")
    return int(value)


def opt_bool(params: dict[str, Any], name: str) -> bool | None:
    """Return an optional boolean param."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid_params(f"'{name}' must be a boolean")
    return value


def opt_obj(params: dict[str, Any], name: str) -> dict[str, Any]:
    """Return an optional object param ({} when absent)."""
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_params(f"'{name}' must be an object")
    return value
