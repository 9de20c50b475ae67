"""Per-endpoint evidence of a month's count, gathered while the month runs (SPEC R4.6, R7.3).

Each collection reads every endpoint of a company (GravityZone `lastSeen`, managed, licensed)
and adds that sighting to the month's record of the endpoint. A record only ever gains
certainty: once an endpoint was seen connecting inside the month it stays counted; an endpoint
psabridge could not check (seen only after the month, or while psabridge was not collecting)
is "unknown", never "not counted". GravityZone timestamps carry no zone and are UTC
(reference 2.4, open question 18); naive values are read as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

COUNTED, NOT_COUNTED, UNKNOWN = "counted", "not_counted", "unknown"
VERDICTS = (COUNTED, NOT_COUNTED, UNKNOWN)


@dataclass(frozen=True)
class Sighting:
    """One endpoint as one collection read it (reference 2.3 list + 2.4 details)."""

    endpoint_id: str
    name: str
    managed: bool
    licensed: bool  # agent.licensed == 1 (active licence)
    last_seen: datetime | None


@dataclass(frozen=True)
class EndpointRecord:
    """What psabridge knows of one endpoint for one month, and why."""

    endpoint_id: str
    name: str
    verdict: str
    reason: str
    first_seen: datetime | None = None  # earliest connection inside the month psabridge saw
    last_seen: datetime | None = None  # latest connection inside the month psabridge saw
    latest_seen: datetime | None = None  # lastSeen at the latest sighting, whatever the month
    licence_lost: bool = False  # counted, then seen without licence or management in the month

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {self.verdict!r}")

    @property
    def counted(self) -> bool:
        return self.verdict == COUNTED


@dataclass(frozen=True)
class Window:
    """The month being evidenced: [start, end) as aware UTC instants, its name, the MSP zone."""

    start: datetime
    end: datetime
    label: str  # e.g. "November 2026"
    tz: tzinfo = UTC

    def day(self, moment: datetime) -> str:
        """Return the MSP-zone date of an instant, as shown in explanations."""
        return utc(moment).astimezone(self.tz).date().isoformat()

    def contains(self, moment: datetime) -> bool:
        return self.start <= utc(moment) < self.end


def utc(moment: datetime) -> datetime:
    """Return an aware UTC instant; a naive GravityZone time is UTC (reference 2.4)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_sighting(
    previous: EndpointRecord | None,
    sighting: Sighting,
    window: Window,
    last_look: datetime | None,
) -> EndpointRecord:
    """Return the endpoint's record once this sighting is added to what was known before.

    `last_look` is psabridge's latest collection inside the month (None: psabridge never
    collected while the month ran). Counted: managed, licensed and connected inside the month.
    A counted record stays counted; a later sighting only widens its dates or notes that the
    licence was lost.
    """
    seen = utc(sighting.last_seen) if sighting.last_seen is not None else None
    if previous is not None and previous.counted:
        return _still_counted(previous, sighting, seen, window)
    if sighting.managed and sighting.licensed and seen is not None and window.contains(seen):
        return EndpointRecord(
            sighting.endpoint_id,
            sighting.name,
            COUNTED,
            f"connected {window.day(seen)}, licensed",
            first_seen=seen,
            last_seen=seen,
            latest_seen=seen,
        )
    verdict, reason = _not_counted(sighting, seen, window, last_look)
    return EndpointRecord(
        sighting.endpoint_id, sighting.name, verdict, reason, latest_seen=seen or None
    )


def _still_counted(
    previous: EndpointRecord, sighting: Sighting, seen: datetime | None, window: Window
) -> EndpointRecord:
    record = replace(previous, name=sighting.name, latest_seen=seen or previous.latest_seen)
    if seen is None or not window.contains(seen):
        return record
    if not (sighting.managed and sighting.licensed):
        return replace(record, licence_lost=True)
    first = min(d for d in (previous.first_seen, seen) if d is not None)
    last = max(d for d in (previous.last_seen, seen) if d is not None)
    span = (
        window.day(first)
        if window.day(first) == window.day(last)
        else (f"{window.day(first)} .. {window.day(last)}")
    )
    return replace(record, first_seen=first, last_seen=last, reason=f"connected {span}, licensed")


def _not_counted(
    sighting: Sighting, seen: datetime | None, window: Window, last_look: datetime | None
) -> tuple[str, str]:
    if not sighting.managed:
        return NOT_COUNTED, "not managed"
    if not sighting.licensed:
        return NOT_COUNTED, "no active licence"
    if seen is None:
        return NOT_COUNTED, "never connected"
    if seen < window.start:
        return NOT_COUNTED, f"last seen {window.day(seen)}, before {window.label}"
    # Seen after the month: whether it also connected during it is known only if psabridge saw.
    if last_look is None:
        return UNKNOWN, (
            f"last seen {window.day(seen)}, after {window.label}; psabridge was not collecting "
            "during the month, so whether it connected then is not known"
        )
    return UNKNOWN, (
        f"seen {window.day(seen)}, after {window.label}; not seen connecting while psabridge "
        f"collected the month (last look {window.day(last_look)}), it may have connected after"
    )


def merge(
    previous: dict[str, EndpointRecord],
    sightings: list[Sighting],
    window: Window,
    last_look: datetime | None,
) -> dict[str, EndpointRecord]:
    """Return every endpoint's record after one collection; endpoints gone keep their record.

    An endpoint counted earlier and missing from this collection (deleted from GravityZone)
    still counted in the month: evidence is never dropped.
    """
    records = dict(previous)
    for sighting in sightings:
        records[sighting.endpoint_id] = record_sighting(
            previous.get(sighting.endpoint_id), sighting, window, last_look
        )
    return records


@dataclass(frozen=True)
class Tally:
    """How many endpoints the evidence counts, rules out and could not check."""

    counted: int
    not_counted: int
    unknown: int

    @classmethod
    def of(cls, records: list[EndpointRecord]) -> Tally:
        verdicts = [r.verdict for r in records]
        return cls(verdicts.count(COUNTED), verdicts.count(NOT_COUNTED), verdicts.count(UNKNOWN))

    def explains(self, quantity: int) -> bool:
        """Return whether a counter is within what the evidence allows: counted .. + unknown."""
        return self.counted <= quantity <= self.counted + self.unknown
