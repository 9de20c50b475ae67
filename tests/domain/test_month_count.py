"""The month's count: finality, watching, disagreement, month change (R4.6-R4.8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psabridge.domain.evidence import COUNTED, NOT_COUNTED, UNKNOWN, EndpointRecord
from psabridge.domain.month_count import (
    CHECK_LIST_MAX,
    Watch,
    disagreement,
    month_change,
    month_ended,
    month_started,
    month_window,
    partial_reason,
)
from psabridge.domain.usage import Month

NOVEMBER = month_window(Month(2026, 11), ZoneInfo("UTC"))
AUCKLAND_NOVEMBER = month_window(Month(2026, 11), ZoneInfo("Pacific/Auckland"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def every_4_hours(start: datetime, end: datetime, watch: Watch | None = None) -> Watch:
    watch, moment = watch or Watch(), start
    while moment < end:
        watch = watch.looked(moment)
        moment += timedelta(hours=4)
    return watch


@pytest.mark.parametrize(
    ("now", "started", "ended"),
    [
        (utc(2026, 10, 31, 23, 59), False, False),
        (utc(2026, 11, 1), True, False),
        (utc(2026, 11, 30, 23, 59, 59), True, False),
        (utc(2026, 12, 1), True, True),
    ],
)
def test_month_started_and_ended(now, started, ended):
    assert (month_started(NOVEMBER, now), month_ended(NOVEMBER, now)) == (started, ended)


def test_the_msp_zone_decides_when_the_month_ends():
    # 2026-11-30 11:00Z is 2026-12-01 00:00 in Auckland (UTC+13 in summer).
    assert month_ended(AUCKLAND_NOVEMBER, utc(2026, 11, 30, 11))
    assert not month_ended(AUCKLAND_NOVEMBER, utc(2026, 11, 30, 10, 59))


def test_a_naive_now_is_read_as_utc():
    assert month_ended(NOVEMBER, datetime(2026, 12, 1))


WATCHES = [
    ("watched all month", every_4_hours(utc(2026, 11, 1, 0, 15), NOVEMBER.end), True, ""),
    (
        "never watched",
        Watch(),
        True,
        "psabridge did not collect November 2026 while it ran: the count is GravityZone's "
        "counter, and endpoints seen only after the month could not be checked",
    ),
    (
        "installed mid-month",
        every_4_hours(utc(2026, 11, 14, 9), NOVEMBER.end),
        True,
        "psabridge started collecting November 2026 on 2026-11-14",
    ),
    (
        "a three-day outage",
        every_4_hours(
            utc(2026, 11, 12, 23, 15),
            NOVEMBER.end,
            every_4_hours(utc(2026, 11, 1, 0, 15), utc(2026, 11, 10)),
        ),
        True,
        "collections of November 2026 stopped for 75 hours at one point",
    ),
    (
        "stopped before the end",
        every_4_hours(utc(2026, 11, 1, 0, 15), utc(2026, 11, 20)),
        True,
        "psabridge's last collection inside November 2026 was on 2026-11-19",
    ),
    (
        "a running month watched so far",
        every_4_hours(utc(2026, 11, 1, 0, 15), utc(2026, 11, 20)),
        False,
        "",
    ),
    (
        "five hours late is still watching",
        Watch().looked(utc(2026, 11, 1, 5)).looked(utc(2026, 11, 1, 10)),
        False,
        "",
    ),
]


@pytest.mark.parametrize(
    ("name", "watch", "ended", "reason"), WATCHES, ids=[row[0] for row in WATCHES]
)
def test_partial_reason(name, watch, ended, reason):
    assert partial_reason(watch, NOVEMBER, ended) == reason


def records(counted: int = 0, unknown: int = 0, not_counted: int = 0) -> list[EndpointRecord]:
    rows = [(COUNTED, counted), (UNKNOWN, unknown), (NOT_COUNTED, not_counted)]
    return [
        EndpointRecord(f"{verdict}-{n}", f"{verdict.upper()}-{n:02d}", verdict, "why")
        for verdict, count in rows
        for n in range(count)
    ]


def test_no_disagreement_inside_what_the_evidence_allows():
    assert disagreement(12, records(12, 0, 3), "November 2026") is None
    assert disagreement(13, records(12, 1, 3), "November 2026") is None  # one connected late


def test_the_counter_above_the_evidence_lists_the_endpoints_ruled_out():
    found = disagreement(14, records(12, 1, 2), "November 2026")
    assert found is not None and (found.counter, found.tally.counted) == (14, 12)
    assert "GravityZone counts 14" in found.text and "saw only 12" in found.text
    assert [r.verdict for r in found.check] == [NOT_COUNTED, NOT_COUNTED]


def test_the_counter_below_the_evidence_lists_the_counted_licence_lost_first():
    rows = records(3)
    rows[2] = EndpointRecord("x", "ZZZ-LAST", COUNTED, "why", licence_lost=True)
    found = disagreement(2, rows, "November 2026")
    assert found is not None and found.check[0].name == "ZZZ-LAST"
    assert "saw 3 endpoint(s) connect" in found.text


def test_a_long_list_is_cut_and_says_how_many_more():
    found = disagreement(0, records(CHECK_LIST_MAX + 7), "November 2026")
    assert found is not None and len(found.check) == CHECK_LIST_MAX and found.more == 7


def record(key: str, counted: bool, first=None, last=None, latest=None) -> EndpointRecord:
    verdict = COUNTED if counted else NOT_COUNTED
    return EndpointRecord(
        key, key, verdict, "why", first_seen=first, last_seen=last, latest_seen=latest
    )


def test_month_change_names_arrivals_and_departures_with_their_dates():
    october = [
        record("KEEP-1", True, utc(2026, 10, 2), utc(2026, 10, 30)),
        record("OLD-LT-7", True, utc(2026, 10, 1), utc(2026, 10, 28)),
    ]
    november = [
        record("KEEP-1", True, utc(2026, 11, 1), utc(2026, 11, 30)),
        record("OLD-LT-7", False, latest=utc(2026, 10, 28)),
        record("NEW-PC-1", True, utc(2026, 11, 4)),
        record("NEW-PC-2", True, utc(2026, 11, 6)),
        record("NEW-PC-3", True, utc(2026, 11, 9)),
    ]
    change = month_change({"seats": 2}, {"seats": 4}, october, november, NOVEMBER)
    assert change.text == (
        "+3: NEW-PC-1, NEW-PC-2, NEW-PC-3 first connected 2026-11-04..09; "
        "-1: OLD-LT-7 last seen 2026-10-28"
    )
    assert change.quantities == {"seats": (2, 4)}


def test_month_change_without_an_earlier_month():
    change = month_change(None, {"seats": 4}, None, [], NOVEMBER)
    assert change.quantities == {"seats": (None, 4)}
    assert change.text == "no earlier month collected to compare with"


def test_month_change_of_the_same_endpoints():
    same = [record("A", True, utc(2026, 11, 2))]
    assert month_change({"seats": 1}, {"seats": 1}, same, same, NOVEMBER).text == (
        "the same endpoints as the month before"
    )


def test_a_departed_endpoint_deleted_from_gravityzone_keeps_its_last_date():
    october = [record("GONE-1", True, utc(2026, 10, 1), utc(2026, 10, 12))]
    change = month_change({"seats": 1}, {"seats": 0}, october, [], NOVEMBER)
    assert change.text == "-1: GONE-1 last seen 2026-10-12"


def test_an_endpoint_one_month_could_not_check_is_neither_arrival_nor_departure():
    october = [
        EndpointRecord("a", "SEEN-LATE", UNKNOWN, "why"),
        record("GONE", True, utc(2026, 10, 1), utc(2026, 10, 3)),
    ]
    november = [
        record("SEEN-LATE", True, utc(2026, 11, 2)),
        EndpointRecord("GONE", "GONE", UNKNOWN, "why"),
    ]
    november[0] = EndpointRecord("a", "SEEN-LATE", COUNTED, "why", first_seen=utc(2026, 11, 2))
    change = month_change({"seats": 1}, {"seats": 1}, october, november, NOVEMBER)
    assert (change.arrivals, change.departures) == ((), ())
    assert change.text == (
        "the same endpoints as the month before "
        "(2 endpoint(s) could not be checked in one of the two months)"
    )
