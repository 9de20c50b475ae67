"""Lenient value coercion (reference 2.1: "7" and "true" accepted), query strings and paging."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import bad_request

TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
DEFAULT_PAGE_SIZE = 50
TICKETS_MAX_PAGE_SIZE = 100  # reference 2.2: maximum 100 on /Tickets
OTHER_MAX_PAGE_SIZE = 1000  # reference 2.2: no documented cap elsewhere; our choice


def invalid(value: Any, name: str) -> Exception:
    """Return the 400 for a value of the wrong type."""
    return bad_request(f"The value '{value}' is not valid for {name}.")


def as_int(value: Any, name: str) -> int | None:
    """Return an int from an int, an integral float or a numeric string; None for null/""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise invalid(value, name)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.strip()))
        except ValueError:
            pass
    raise invalid(value, name)


def as_float(value: Any, name: str) -> float | None:
    """Return a float from a number or a numeric string; None for null/""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise invalid(value, name)
    if isinstance(value, int | float):
        return float(value)
    try:
        result = float(str(value).strip())
    except ValueError:
        raise invalid(value, name) from None
    if not math.isfinite(result):
        raise invalid(value, name)
    return result


def as_bool(value: Any, name: str) -> bool | None:
    """Return a bool from a bool, 0/1 or "true"/"false"; None for null/""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise invalid(value, name)


def as_str(value: Any, name: str) -> str | None:
    """Return a string (numbers are turned into text); None for null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise invalid(value, name)


def halo_time(moment: datetime) -> str:
    """Format a date-time: UTC, milliseconds, `Z` suffix (our choice; ref 4.2 gives no format)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class Query:
    """Query parameters with case-insensitive names (reference 8.13) and lenient types."""

    def __init__(self, args: Mapping[str, str]) -> None:
        self.values = {key.lower(): value for key, value in args.items()}

    def get_int(self, name: str) -> int | None:
        """Return an integer parameter or None."""
        return as_int(self.values.get(name), name)

    def get_bool(self, name: str, default: bool = False) -> bool:
        """Return a boolean parameter, or the default when absent."""
        value = as_bool(self.values.get(name), name)
        return default if value is None else value

    def get_str(self, name: str) -> str | None:
        """Return a string parameter, None when absent or empty."""
        return self.values.get(name) or None


def envelope(key: str, records: list[dict[str, Any]], query: Query, cap: int) -> dict[str, Any]:
    """Return `{record_count, <key>}` (+ `page_no`, `page_size` with `pageinate`) (ref 2.2)."""
    total = len(records)
    if query.get_bool("pageinate"):
        size = min(max(query.get_int("page_size") or DEFAULT_PAGE_SIZE, 1), cap)  # clamped
        page_no = max(query.get_int("page_no") or 1, 1)
        rows = records[(page_no - 1) * size : page_no * size]
        return {"page_no": page_no, "page_size": size, "record_count": total, key: rows}
    count = query.get_int("count")
    rows = records[:count] if count is not None and count >= 0 else records
    return {"record_count": total, key: rows}
