"""The month's count for every PSA: when it is final, how well it was watched, what changed.

One rule (SPEC R4.6): a month's quantity per product is GravityZone's own monthly usage for that
month (getMonthlyUsage with targetMonth, counters read once, reference 2.7-2.8). While the month
runs each collection re-reads it; the first collection after the month ended reads it one last
time and the month is then final: later collections change nothing. The per-endpoint evidence
(`domain.evidence`) is gathered beside it and frozen at the same moment; where it and the
counter disagree, both are shown, never reconciled silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from psabridge.domain.evidence import UNKNOWN, EndpointRecord, Tally, Window, utc
from psabridge.domain.usage import Month, month_bounds

COLLECTION_INTERVAL = timedelta(hours=4)  # the collector's schedule (every 4 h)
# A collection may run late by its own duration: a gap up to interval + slack is still watching.
WATCH_SLACK = timedelta(hours=1)
CHECK_LIST_MAX = 50  # endpoints listed under a disagreement


def month_ended(window: Window, now: datetime) -> bool:
    """Return whether the month is over at `now` (its quantities then become final)."""
    return utc(now) >= window.end


def month_started(window: Window, now: datetime) -> bool:
    """Return whether the month has begun at `now` (a future month has nothing to collect)."""
    return utc(now) >= window.start


@dataclass(frozen=True)
class Watch:
    """When psabridge collected a month while it ran: first and last look, the longest gap."""

    first: datetime | None = None
    last: datetime | None = None
    longest_gap: timedelta = timedelta(0)

    def looked(self, now: datetime) -> Watch:
        """Return the watch after a collection at `now` inside the month."""
        now = utc(now)
        if self.first is None or self.last is None:
            return Watch(now, now, timedelta(0))
        return Watch(self.first, max(self.last, now), max(self.longest_gap, now - self.last))


def partial_reason(watch: Watch, window: Window, ended: bool) -> str:
    """Why the month's evidence is partial, or "" when psabridge watched all of it (so far).

    Watched: a first look within one collection interval of the month's start, no gap longer
    than one interval, and (once it ended) a last look within one interval of its end.
    """
    allowed = COLLECTION_INTERVAL + WATCH_SLACK
    if watch.first is None or watch.last is None:
        return (
            f"psabridge did not collect {window.label} while it ran: the count is GravityZone's "
            "counter, and endpoints seen only after the month could not be checked"
        )
    if watch.first - window.start > allowed:
        return f"psabridge started collecting {window.label} on {window.day(watch.first)}"
    if watch.longest_gap > allowed:
        hours = round(watch.longest_gap.total_seconds() / 3600)
        return f"collections of {window.label} stopped for {hours} hours at one point"
    if ended and window.end - watch.last > allowed:
        return f"psabridge's last collection inside {window.label} was on {window.day(watch.last)}"
    return ""


@dataclass(frozen=True)
class Disagreement:
    """GravityZone's counter outside what the evidence allows: both numbers, what to check."""

    counter: int
    tally: Tally
    text: str
    check: tuple[EndpointRecord, ...]
    more: int = 0  # endpoints to check beyond the list


def disagreement(
    counter: int, records: Iterable[EndpointRecord], label: str
) -> Disagreement | None:
    """Return the disagreement of the seat counter with the evidence, or None when it fits.

    The evidence allows any count from the endpoints seen connecting to those plus the ones it
    could not check. Above that, the endpoints psabridge ruled out are the ones to check; below,
    the counted ones (those that lost their licence in the month first).
    """
    ordered = sorted(records, key=lambda r: r.name.casefold())
    tally = Tally.of(ordered)
    if tally.explains(counter):
        return None
    if counter > tally.counted + tally.unknown:
        check = [r for r in ordered if r.verdict == "not_counted"]
        text = (
            f"GravityZone counts {counter} for {label}, but psabridge saw only {tally.counted} "
            f"endpoint(s) connect ({tally.unknown} not checked). psabridge bills GravityZone's "
            f"{counter}; check these endpoints in GravityZone:"
        )
    else:
        check = sorted(
            (r for r in ordered if r.counted), key=lambda r: (not r.licence_lost, r.name.casefold())
        )
        text = (
            f"GravityZone counts {counter} for {label}, but psabridge saw {tally.counted} "
            f"endpoint(s) connect with a licence. psabridge bills GravityZone's {counter} (its "
            "counter covers Endpoint Security endpoints only); check these endpoints:"
        )
    shown = tuple(check[:CHECK_LIST_MAX])
    return Disagreement(counter, tally, text, shown, len(check) - len(shown))


@dataclass(frozen=True)
class Arrival:
    """An endpoint counted this month and not the month before."""

    name: str
    first_seen: datetime | None


@dataclass(frozen=True)
class Departure:
    """An endpoint counted the month before and not this month."""

    name: str
    last_seen: datetime | None


@dataclass(frozen=True)
class MonthChange:
    """A company's month against the one before: quantities and the endpoints behind them."""

    quantities: dict[str, tuple[int | None, int]]  # product -> (before, after)
    arrivals: tuple[Arrival, ...]
    departures: tuple[Departure, ...]
    text: str


def month_change(
    before: dict[str, int] | None,
    after: dict[str, int],
    previous: Iterable[EndpointRecord] | None,
    current: Iterable[EndpointRecord],
    window: Window,
) -> MonthChange:
    """Explain the change from the previous month: "+3: A, B, C first connected 11-04..09".

    An endpoint that one of the two months could not check (verdict unknown) is neither an
    arrival nor a departure; how many there are is said.
    """
    current = list(current)
    quantities = {
        key: (before.get(key) if before is not None else None, after.get(key, 0))
        for key in sorted({*after, *(before or {})})
    }
    if previous is None:
        return MonthChange(quantities, (), (), "no earlier month collected to compare with")
    previous = list(previous)
    unchecked = {r.endpoint_id for r in [*previous, *current] if r.verdict == UNKNOWN}
    now_counted = {r.endpoint_id: r for r in current if r.counted}
    before_counted = {r.endpoint_id: r for r in previous if r.counted}
    arrivals = tuple(
        Arrival(r.name, r.first_seen)
        for key, r in sorted(now_counted.items(), key=lambda kv: kv[1].name.casefold())
        if key not in before_counted and key not in unchecked
    )
    departures = tuple(
        Departure(r.name, _last_seen(r, key, current))
        for key, r in sorted(before_counted.items(), key=lambda kv: kv[1].name.casefold())
        if key not in now_counted and key not in unchecked
    )
    text = _change_text(arrivals, departures, window)
    if unchecked:
        text += f" ({len(unchecked)} endpoint(s) could not be checked in one of the two months)"
    return MonthChange(quantities, arrivals, departures, text)


def _last_seen(before: EndpointRecord, key: str, current: list[EndpointRecord]) -> datetime | None:
    later = next((r for r in current if r.endpoint_id == key), None)
    seen = [d for d in (before.last_seen, later.latest_seen if later else None) if d is not None]
    return max(seen) if seen else None


def _change_text(
    arrivals: tuple[Arrival, ...], departures: tuple[Departure, ...], window: Window
) -> str:
    parts = []
    if arrivals:
        names = ", ".join(a.name for a in arrivals)
        span = _span([a.first_seen for a in arrivals], window)
        parts.append(f"+{len(arrivals)}: {names} first connected {span}".rstrip())
    if departures:
        names = ", ".join(d.name for d in departures)
        span = _span([d.last_seen for d in departures], window)
        parts.append(f"-{len(departures)}: {names} last seen {span}".rstrip())
    return "; ".join(parts) or "the same endpoints as the month before"


def _span(moments: list[datetime | None], window: Window) -> str:
    days = sorted({window.day(m) for m in moments if m is not None})
    if not days:
        return "(date unknown)"
    if len(days) == 1:
        return days[0]
    first, last = days[0], days[-1]
    # Same month: "2026-11-04..09", as an accountant reads a range.
    return f"{first}..{last[8:]}" if first[:8] == last[:8] else f"{first}..{last}"


def month_window(month: Month, tz: tzinfo) -> Window:
    """Return the month as an evidence window in the MSP's zone `tz`."""
    start, end = month_bounds(month, tz)
    return Window(start, end, month.label(), tz)
