"""Wire values: UTC datetimes with milliseconds and coercion by field data type (ref 2.4)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGERS = ("integer", "long", "short")
NUMBERS = ("decimal", "double")
TRUE, FALSE = ("true", "1"), ("false", "0")


def at_time(moment: datetime | None) -> str | None:
    """Return a datetime as `YYYY-MM-DDTHH:MM:SS.fffZ` (open question 16), or None."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def parse_time(value: Any) -> datetime | None:
    """Return the UTC datetime of an ISO text (zone-less read as UTC), or None if invalid."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if DATE_ONLY.match(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day_start(moment: datetime) -> datetime:
    """Return midnight UTC of a moment's day."""
    return datetime.combine(moment.astimezone(UTC).date(), datetime.min.time(), UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """Return the same day `months` later, clamped to the month's last day."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def month_start(moment: datetime, months: int = 0) -> datetime:
    """Return midnight UTC of the first day of the month `months` after `moment`'s."""
    return add_months(day_start(moment).replace(day=1), months)


def coerce(data_type: str, value: Any) -> Any:
    """Return a value in its field's JSON type; strings like "1"/"true" are accepted (oq 6).

    Raise ValueError when the value cannot be read as that type. None stays None.
    """
    if value is None:
        return None
    if data_type in INTEGERS:
        return _integer(value)
    if data_type in NUMBERS:
        return _number(value)
    if data_type == "boolean":
        return _boolean(value)
    if data_type == "datetime":
        moment = parse_time(value)
        if moment is None:
            raise ValueError(value)
        return at_time(moment)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ValueError(value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value)
    raise ValueError(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else ""
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(value)
