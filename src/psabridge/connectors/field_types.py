"""Lenient pydantic field types shared by the PSA connectors' answer models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator


def blank_to_none(value: Any) -> Any:
    """A blank string is a missing value (PSAs send "" for unset numbers and dates)."""
    return None if isinstance(value, str) and not value.strip() else value


def _flag(value: Any) -> Any:
    # "True"/true alike; a missing flag is false (connectwise.md §1.3, §3.10)
    if value in (None, ""):
        return False
    return value.strip().lower() == "true" if isinstance(value, str) else value


def _as_utc(value: datetime | None) -> datetime | None:
    # PSA times are UTC; a zone-less time is read as UTC (autotask.md §2.4, connectwise.md §2.2)
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: Any) -> Any:
    # `2019-08-18T01:00:00.000Z`: the UTC calendar day is kept
    value = blank_to_none(value)
    if isinstance(value, str) and len(value) >= 10:
        return value[:10]
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]
Number = Annotated[int | None, BeforeValidator(blank_to_none)]
Text = Annotated[str | None, BeforeValidator(lambda v: v if v is None else str(v))]
UtcDatetime = Annotated[datetime | None, BeforeValidator(blank_to_none), AfterValidator(_as_utc)]
Day = Annotated[date | None, BeforeValidator(_day)]
Amount = Annotated[float | None, BeforeValidator(blank_to_none)]
