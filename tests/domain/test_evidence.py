"""Per-endpoint evidence merged across collections: counted, not counted, unknown (R4.6, R7.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psabridge.domain.evidence import (
    COUNTED,
    NOT_COUNTED,
    UNKNOWN,
    EndpointRecord,
    Sighting,
    Tally,
    merge,
    record_sighting,
)
from psabridge.domain.month_count import month_window
from psabridge.domain.usage import Month

LONDON = ZoneInfo("Europe/London")
OCTOBER = month_window(Month(2026, 10), LONDON)  # 2026-09-30 23:00Z .. 2026-11-01 00:00Z
LOOK = datetime(2026, 10, 31, 20, 15, tzinfo=UTC)  # psabridge's last look inside October


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def seen(last_seen: datetime | None, managed: bool = True, licensed: bool = True) -> Sighting:
    return Sighting("e1", "ACME-WS-001", managed, licensed, last_seen)


FIRST_SIGHTINGS = [
    # (name, sighting, psabridge's last look in the month, verdict, reason)
    (
        "connected mid-month",
        seen(utc(2026, 10, 14, 9)),
        LOOK,
        COUNTED,
        "connected 2026-10-14, licensed",
    ),
    (
        "last seen before the month",
        seen(utc(2026, 9, 20)),
        LOOK,
        NOT_COUNTED,
        "last seen 2026-09-20, before October 2026",
    ),
    ("never seen", seen(None), LOOK, NOT_COUNTED, "never connected"),
    ("unmanaged", seen(utc(2026, 10, 14), managed=False), LOOK, NOT_COUNTED, "not managed"),
    ("unlicensed", seen(utc(2026, 10, 14), licensed=False), LOOK, NOT_COUNTED, "no active licence"),
    (
        "seen after the month, psabridge never looked during it",
        seen(utc(2026, 11, 5)),
        None,
        UNKNOWN,
        "last seen 2026-11-05, after October 2026; psabridge was not collecting during the "
        "month, so whether it connected then is not known",
    ),
    (
        "seen after the month, psabridge looked during it",
        seen(utc(2026, 11, 1, 0, 5)),
        LOOK,
        UNKNOWN,
        "seen 2026-11-01, after October 2026; not seen connecting while psabridge collected "
        "the month (last look 2026-10-31), it may have connected after",
    ),
    (
        "00:30 BST on the 1st is 23:30 UTC on Sept 30th",
        seen(utc(2026, 9, 30, 23, 30)),
        LOOK,
        COUNTED,
        "connected 2026-10-01, licensed",
    ),
    (
        "the first moment counts",
        seen(OCTOBER.start),
        LOOK,
        COUNTED,
        "connected 2026-10-01, licensed",
    ),
    (
        "one moment before does not",
        seen(OCTOBER.start - timedelta(microseconds=1)),
        LOOK,
        NOT_COUNTED,
        "last seen 2026-09-30, before October 2026",
    ),
    (
        "the end is not in the month",
        seen(OCTOBER.end),
        LOOK,
        UNKNOWN,
        "seen 2026-11-01, after October 2026; not seen connecting while psabridge collected "
        "the month (last look 2026-10-31), it may have connected after",
    ),
    (
        "naive GravityZone time is UTC (2.4)",
        seen(datetime(2026, 10, 14, 9)),
        LOOK,
        COUNTED,
        "connected 2026-10-14, licensed",
    ),
]


@pytest.mark.parametrize(
    ("name", "sighting", "last_look", "verdict", "reason"),
    FIRST_SIGHTINGS,
    ids=[row[0] for row in FIRST_SIGHTINGS],
)
def test_a_first_sighting(name, sighting, last_look, verdict, reason):
    record = record_sighting(None, sighting, OCTOBER, last_look)
    assert (record.verdict, record.reason) == (verdict, reason)


def test_a_counted_endpoint_stays_counted_when_seen_after_the_month():
    counted = record_sighting(None, seen(utc(2026, 10, 20, 8)), OCTOBER, LOOK)
    later = record_sighting(counted, seen(utc(2026, 11, 3)), OCTOBER, LOOK)
    assert later.counted and later.reason == "connected 2026-10-20, licensed"
    assert later.first_seen == later.last_seen == utc(2026, 10, 20, 8)
    assert later.latest_seen == utc(2026, 11, 3)


def test_sightings_widen_the_connected_span():
    record = record_sighting(None, seen(utc(2026, 10, 4, 8)), OCTOBER, LOOK)
    record = record_sighting(record, seen(utc(2026, 10, 29, 18)), OCTOBER, LOOK)
    assert record.reason == "connected 2026-10-04 .. 2026-10-29, licensed"
    assert (record.first_seen, record.last_seen) == (utc(2026, 10, 4, 8), utc(2026, 10, 29, 18))


def test_a_licence_lost_in_the_month_is_noted_and_still_counted():
    record = record_sighting(None, seen(utc(2026, 10, 4, 8)), OCTOBER, LOOK)
    record = record_sighting(record, seen(utc(2026, 10, 9), licensed=False), OCTOBER, LOOK)
    assert record.counted and record.licence_lost


def test_a_not_counted_endpoint_becomes_counted_when_it_connects():
    record = record_sighting(None, seen(utc(2026, 9, 2)), OCTOBER, LOOK)
    assert record.verdict == NOT_COUNTED
    record = record_sighting(record, seen(utc(2026, 10, 30)), OCTOBER, LOOK)
    assert record.counted and record.reason == "connected 2026-10-30, licensed"


def test_merge_keeps_endpoints_missing_from_a_later_collection():
    first = merge({}, [seen(utc(2026, 10, 4))], OCTOBER, LOOK)
    later = merge(
        first, [Sighting("e2", "ACME-WS-002", True, True, utc(2026, 10, 6))], OCTOBER, LOOK
    )
    assert set(later) == {"e1", "e2"} and all(r.counted for r in later.values())


def test_unknown_verdicts_are_refused_at_construction():
    with pytest.raises(ValueError, match="verdict"):
        EndpointRecord("e1", "x", "maybe", "why")


def test_the_tally_allows_counted_up_to_counted_plus_unknown():
    records = [
        EndpointRecord("a", "a", COUNTED, ""),
        EndpointRecord("b", "b", COUNTED, ""),
        EndpointRecord("c", "c", UNKNOWN, ""),
        EndpointRecord("d", "d", NOT_COUNTED, ""),
    ]
    tally = Tally.of(records)
    assert (tally.counted, tally.not_counted, tally.unknown) == (2, 1, 1)
    assert [q for q in range(5) if tally.explains(q)] == [2, 3]


MOMENTS = st.datetimes(
    min_value=datetime(2026, 9, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)
SIGHTINGS = st.builds(
    Sighting,
    st.sampled_from(["e1", "e2", "e3"]),
    st.just("host"),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), MOMENTS),
)


@given(st.lists(st.lists(SIGHTINGS, max_size=4), max_size=6))
def test_evidence_only_gains_certainty(collections):
    """Counted stays counted, whatever later collections read (property)."""
    records: dict[str, EndpointRecord] = {}
    for sightings in collections:
        before = {key for key, record in records.items() if record.counted}
        records = merge(records, sightings, OCTOBER, LOOK)
        assert before <= {key for key, record in records.items() if record.counted}
