"""GravityZone time formats; the injectable simulator clock lives in `common.clock`."""

from __future__ import annotations

from datetime import UTC, datetime

from ..common.clock import SimClock

__all__ = [
    "SimClock",
    "api_time",
    "epoch_millis",
    "epoch_seconds",
    "event_time",
    "month_start",
    "next_month_start",
]


def api_time(moment: datetime | None) -> str | None:
    """Format an API timestamp: UTC without zone suffix (reference 2.2, 2.4, open question 18)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def event_time(moment: datetime) -> str:
    """Format an event timestamp: ISO with milliseconds and `Z` (reference 4.3)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def epoch_seconds(moment: datetime) -> int:
    """Return Unix epoch seconds (network-sandboxing, ransomware-mitigation, reference 4.3)."""
    return int(moment.timestamp())


def epoch_millis(moment: datetime) -> int:
    """Return Unix epoch milliseconds (the addEvents envelope id, reference 3.5)."""
    return int(moment.timestamp() * 1000)


def month_start(year: int, month: int) -> datetime:
    """Return the first instant of a month in UTC."""
    return datetime(year, month, 1, tzinfo=UTC)


def next_month_start(year: int, month: int) -> datetime:
    """Return the first instant of the month after the given one."""
    return month_start(year + month // 12, month % 12 + 1)
