"""Value coercion of the PSA wire: dates without fractions, numbers, references (ref 2.2)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def cw_time(moment: datetime | None) -> str | None:
    """Return a datetime as `YYYY-MM-DDTHH:MM:SSZ` (contract: dates), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any) -> datetime | None:
    """Return the datetime of `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD`, or None if invalid."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    try:
        if DATE_ONLY.match(value):
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_number(value: Any) -> bool:
    """Return whether a JSON value is a number (booleans are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def month_start(moment: datetime, months: int = 0) -> datetime:
    """Return midnight UTC of the first day of the month `months` after `moment`'s."""
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def ref_key(value: Any) -> tuple[str, Any] | None:
    """Return ("id", n), ("identifier", s) or ("name", s) of a reference object, or None."""
    if not isinstance(value, dict):
        return None
    for key in ("id", "identifier", "name"):
        found = value.get(key)
        if key == "id" and isinstance(found, int) and not isinstance(found, bool):
            return key, found
        if key != "id" and isinstance(found, str) and found.strip():
            return key, found.strip()
    return None
