"""Billing months, the push schedule and counters -> lines, as tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psabridge.domain.usage import (
    ADDONS,
    OVERLAPPING_TIER_COUNTERS,
    PRODUCT_KEYS,
    SEATS_COUNTER,
    BillableLine,
    LicenceFacts,
    Month,
    addons_from_flags,
    billable_quantities,
    billing_run_date,
    last_month,
    month_bounds,
    month_containing,
    month_to_push,
    not_billed_reason,
    unknown_counters,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TONGA = ZoneInfo("Pacific/Tongatapu")  # UTC+13, no DST
HONOLULU = ZoneInfo("Pacific/Honolulu")  # UTC-10, no DST
SYDNEY = ZoneInfo("Australia/Sydney")
ZONES = [ZoneInfo("UTC"), LONDON, NEW_YORK, TONGA, HONOLULU, SYDNEY, ZoneInfo("America/Havana")]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Month -------------------------------------------------------------------------------------

PARSE_OK = [("2026-10", Month(2026, 10)), ("2028-02", Month(2028, 2)), ("0001-01", Month(1, 1))]
PARSE_BAD = [
    ("2026-13", "01-12"),
    ("2026-00", "01-12"),
    ("0000-05", "0001 or later"),
    ("2026-1", "YYYY-MM"),
    ("26-10", "YYYY-MM"),
    ("2026/10", "YYYY-MM"),
    ("10/2026", "YYYY-MM"),
    ("2026-10-01", "YYYY-MM"),
    (" 2026-10", "YYYY-MM"),
    ("", "YYYY-MM"),
    ("２０２６-10", "YYYY-MM"),  # noqa: RUF001 (full-width digits)
]


@pytest.mark.parametrize(("text", "month"), PARSE_OK)
def test_parse(text, month):
    assert Month.parse(text) == month
    assert str(month) == text


@pytest.mark.parametrize(("text", "message"), PARSE_BAD)
def test_parse_rejects_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Month.parse(text)


@pytest.mark.parametrize(("year", "month"), [(2026, 0), (2026, 13), (0, 1), (10000, 1)])
def test_constructor_validates(year, month):
    with pytest.raises(ValueError, match="out of range"):
        Month(year, month)


MONTH_STEPS = [
    # (month, previous, next)
    (Month(2026, 10), Month(2026, 9), Month(2026, 11)),
    (Month(2026, 12), Month(2026, 11), Month(2027, 1)),
    (Month(2027, 1), Month(2026, 12), Month(2027, 2)),
]


@pytest.mark.parametrize(("month", "before", "after"), MONTH_STEPS)
def test_previous_and_next_roll_over_years(month, before, after):
    assert (month.previous(), month.next()) == (before, after)
    assert before < month < after


def test_formats():
    assert str(Month(2026, 9)) == "2026-09"
    assert Month(2026, 9).gravityzone() == "09/2026"  # getMonthlyUsage targetMonth (2.7)
    assert Month(2026, 10).label() == "October 2026"
    assert sorted([Month(2027, 1), Month(2026, 12), Month(2026, 2)]) == [
        Month(2026, 2),
        Month(2026, 12),
        Month(2027, 1),
    ]


# --- month_bounds ------------------------------------------------------------------------------

BOUNDS = [
    # (name, month, zone, start UTC, end UTC)
    ("UTC October", "2026-10", "UTC", utc(2026, 10, 1), utc(2026, 11, 1)),
    ("London March: BST from the 29th", "2026-03", LONDON, utc(2026, 3, 1), utc(2026, 3, 31, 23)),
    (
        "London October: BST until the 25th",
        "2026-10",
        LONDON,
        utc(2026, 9, 30, 23),
        utc(2026, 11, 1),
    ),
    (
        "New York March: EDT from the 8th",
        "2026-03",
        NEW_YORK,
        utc(2026, 3, 1, 5),
        utc(2026, 4, 1, 4),
    ),
    ("New York October: all EDT", "2026-10", NEW_YORK, utc(2026, 10, 1, 4), utc(2026, 11, 1, 4)),
    (
        "New York November: EST from the 1st 02:00",
        "2026-11",
        NEW_YORK,
        utc(2026, 11, 1, 4),
        utc(2026, 12, 1, 5),
    ),
    ("New York December -> January", "2026-12", NEW_YORK, utc(2026, 12, 1, 5), utc(2027, 1, 1, 5)),
    ("UTC December -> January", "2026-12", "UTC", utc(2026, 12, 1), utc(2027, 1, 1)),
    ("February 2028, leap", "2028-02", "UTC", utc(2028, 2, 1), utc(2028, 3, 1)),
    ("February 2026, not leap", "2026-02", "UTC", utc(2026, 2, 1), utc(2026, 3, 1)),
    ("February 2100, century not leap", "2100-02", "UTC", utc(2100, 2, 1), utc(2100, 3, 1)),
    ("February 2000, 400-year leap", "2000-02", "UTC", utc(2000, 2, 1), utc(2000, 3, 1)),
    ("February 2028 in New York", "2028-02", NEW_YORK, utc(2028, 2, 1, 5), utc(2028, 3, 1, 5)),
    (
        "Tonga UTC+13 starts the day before in UTC",
        "2026-10",
        TONGA,
        utc(2026, 9, 30, 11),
        utc(2026, 10, 31, 11),
    ),
    ("Honolulu UTC-10", "2026-10", HONOLULU, utc(2026, 10, 1, 10), utc(2026, 11, 1, 10)),
    (
        "Sydney October: DST from the 4th",
        "2026-10",
        SYDNEY,
        utc(2026, 9, 30, 14),
        utc(2026, 10, 31, 13),
    ),
    # Midnight skipped (00:00 -> 01:00): the month starts at the transition instant.
    (
        "Asuncion 2023-10: midnight skipped",
        "2023-10",
        "America/Asuncion",
        utc(2023, 10, 1, 4),
        utc(2023, 11, 1, 3),
    ),
    # Midnight happens twice (01:00 -> 00:00): the month starts at the first one.
    (
        "Havana 2026-11: midnight twice",
        "2026-11",
        "America/Havana",
        utc(2026, 11, 1, 4),
        utc(2026, 12, 1, 5),
    ),
]


@pytest.mark.parametrize(
    ("name", "month", "zone", "start", "end"), BOUNDS, ids=[b[0] for b in BOUNDS]
)
def test_month_bounds(name, month, zone, start, end):
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    bounds = month_bounds(Month.parse(month), tz)
    assert bounds == (start, end)
    assert all(moment.tzinfo is UTC for moment in bounds)


@pytest.mark.parametrize(
    ("month", "zone", "days", "hours"),
    [
        ("2028-02", "UTC", 29, 0),
        ("2026-02", "UTC", 28, 0),
        ("2026-03", LONDON, 31, -1),
        ("2026-10", LONDON, 31, 1),
        ("2026-03", NEW_YORK, 31, -1),
        ("2026-11", NEW_YORK, 30, 1),
    ],
)
def test_month_lengths_include_the_dst_hour(month, zone, days, hours):
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    start, end = month_bounds(Month.parse(month), tz)
    assert end - start == timedelta(days=days, hours=hours)


months = st.builds(Month, st.integers(1990, 2090), st.integers(1, 12))
zones = st.sampled_from(ZONES)


@given(month=months, tz=zones)
def test_bounds_tile_time(month, tz):
    start, end = month_bounds(month, tz)
    assert month_bounds(month.next(), tz)[0] == end
    assert timedelta(days=28, hours=-2) <= end - start <= timedelta(days=31, hours=2)
    local = start.astimezone(tz)
    assert (local.year, local.month, local.day) == (month.year, month.month, 1)
    assert month_containing(start, tz) == month
    assert month_containing(end - timedelta(microseconds=1), tz) == month


# --- the schedule (R3.3, R3.4) -----------------------------------------------------------------

RUN_DATES = [
    ("September -> October 2nd, UTC", "2026-09", "UTC", utc(2026, 10, 2)),
    ("September -> October 2nd 00:00 BST", "2026-09", LONDON, utc(2026, 10, 1, 23)),
    ("December -> January 2nd, New York", "2026-12", NEW_YORK, utc(2027, 1, 2, 5)),
    ("January 2028 -> February 2nd", "2028-01", "UTC", utc(2028, 2, 2)),
    ("September in UTC+13", "2026-09", TONGA, utc(2026, 10, 1, 11)),
    ("September in UTC-10", "2026-09", HONOLULU, utc(2026, 10, 2, 10)),
]


@pytest.mark.parametrize(
    ("name", "month", "zone", "when"), RUN_DATES, ids=[r[0] for r in RUN_DATES]
)
def test_billing_run_date(name, month, zone, when):
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    run = billing_run_date(Month.parse(month), tz)
    assert run == when
    local = run.astimezone(tz)
    assert (local.day, local.hour, local.minute) == (2, 0, 0)


DUE = [
    # (name, now, zone, month due or None)
    ("the 2nd 00:00 UTC", utc(2026, 10, 2), "UTC", "2026-09"),
    ("the 1st 23:59 UTC: not yet", utc(2026, 10, 1, 23, 59), "UTC", None),
    ("the 2nd 23:59:59 UTC: still due", utc(2026, 10, 2, 23, 59, 59), "UTC", "2026-09"),
    ("the 3rd: not due", utc(2026, 10, 3), "UTC", None),
    ("mid-month: not due", utc(2026, 10, 15, 12), "UTC", None),
    ("the 2nd 00:00 BST is the 1st 23:00 UTC", utc(2026, 10, 1, 23), LONDON, "2026-09"),
    ("the 1st 23:59 BST: not yet", utc(2026, 10, 1, 22, 59), LONDON, None),
    ("January 2nd pushes December", utc(2027, 1, 2, 5), NEW_YORK, "2026-12"),
    ("January 1st 23:59 New York: not yet", utc(2027, 1, 2, 4, 59), NEW_YORK, None),
    ("UTC+13: 2nd local while the 1st in UTC", utc(2026, 10, 1, 11), TONGA, "2026-09"),
    ("UTC+13: the 1st 23:59 local", utc(2026, 10, 1, 10, 59), TONGA, None),
    ("UTC-10: 1st 23:59 local while the 2nd in UTC", utc(2026, 10, 2, 9, 59), HONOLULU, None),
    ("UTC-10: the 2nd 00:00 local", utc(2026, 10, 2, 10), HONOLULU, "2026-09"),
    ("UTC-10: the 2nd 23:59 local is the 3rd in UTC", utc(2026, 10, 3, 9, 59), HONOLULU, "2026-09"),
    ("March 2nd pushes leap February", utc(2028, 3, 2, 8), "UTC", "2028-02"),
]


@pytest.mark.parametrize(("name", "now", "zone", "due"), DUE, ids=[d[0] for d in DUE])
def test_month_to_push(name, now, zone, due):
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    expected = Month.parse(due) if due else None
    assert month_to_push(now, tz) == expected
    assert month_to_push(now.astimezone(tz), tz) == expected  # any aware representation


@given(month=months, tz=zones)
def test_a_month_is_due_exactly_from_its_run_date(month, tz):
    run = billing_run_date(month, tz)
    assert month_to_push(run, tz) == month
    assert month_to_push(run - timedelta(microseconds=1), tz) is None
    assert run > month_bounds(month, tz)[1]


LAST_MONTH = [
    ("mid-January -> December", utc(2026, 1, 15), "UTC", "2025-12"),
    ("the 1st in UTC+13 is already November", utc(2026, 10, 31, 12), TONGA, "2026-10"),
    ("the 1st in UTC is still October in UTC-10", utc(2026, 11, 1, 5), HONOLULU, "2026-09"),
    ("first moment of March 2028", utc(2028, 3, 1), "UTC", "2028-02"),
]


@pytest.mark.parametrize(
    ("name", "now", "zone", "month"), LAST_MONTH, ids=[c[0] for c in LAST_MONTH]
)
def test_last_month(name, now, zone, month):
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    assert last_month(now, tz) == Month.parse(month)


@pytest.mark.parametrize("rule", [month_to_push, last_month, month_containing])
def test_naive_now_is_refused(rule):
    with pytest.raises(ValueError, match="timezone-aware"):
        rule(datetime(2026, 10, 2), LONDON)


# --- counters -> billable quantities (R3.1, R4.3; reference 2.6-2.8) ---------------------------

MONTHLY, LICENSED, MONTHLY_TRIAL, SUBSCRIPTION_TRIAL = 3, 2, 4, 5
# A live-like usage entry: the full counter set, zeros included, with the tier overlap (2.8).
TENANT = {
    "endpointMonthlyUsage": 12,
    "aLaCarteMonthlyUsage": 0,
    "mspSecureMonthlyUsage": 0,
    "mspSecurePlusMonthlyUsage": 12,
    "mspSecureExtraMonthlyUsage": 0,
    "edrMonthlyUsage": 5,
    "patchManagementMonthlyUsage": 12,
    "atsMonthlyUsage": 0,
    "encryptionMonthlyUsage": 0,
    "exchangeMonthlyUsage": 0,
    "emailSecurityMonthlyUsage": 0,
    "mdrFoundationsMonthlyUsage": 0,
}


def licence(
    subscription=MONTHLY, *addons: str, model: str | None = "mspSecurePlus"
) -> LicenceFacts:
    return LicenceFacts(subscription, model, frozenset(addons))


QUANTITIES = [
    # (name, counters, licence, keep_zero, expected {product key: quantity})
    (
        "tier counter overlaps the seats: billed once",
        TENANT,
        licence(MONTHLY, "edr", "patch_management"),
        False,
        {"seats": 12, "edr": 5, "patch_management": 12},
    ),
    (
        "every tier counter overlapping at once",
        {
            "endpointMonthlyUsage": 4,
            "aLaCarteMonthlyUsage": 4,
            "mspSecureMonthlyUsage": 4,
            "mspSecurePlusMonthlyUsage": 4,
            "mspSecureExtraMonthlyUsage": 4,
        },
        licence(),
        False,
        {"seats": 4},
    ),
    (
        "a tier counter alone bills nothing",
        {"endpointMonthlyUsage": 0, "mspSecurePlusMonthlyUsage": 7},
        licence(),
        False,
        {},
    ),
    (
        "misspelled a-la-carte counter is a tier too",
        {"endpointMonthlyUsage": 3, "aLaCarteMonhtlyUsage": 3},
        licence(model="aLaCarte"),
        False,
        {"seats": 3},
    ),
    ("licensed (yearly): nothing", TENANT, licence(LICENSED, "edr"), False, {}),
    ("monthly licence trial: nothing", TENANT, licence(MONTHLY_TRIAL, "edr"), True, {}),
    ("monthly subscription trial: nothing", TENANT, licence(SUBSCRIPTION_TRIAL, "edr"), True, {}),
    (
        "add-on had but unused: no line",
        TENANT,
        licence(MONTHLY, "edr", "ats"),
        False,
        {"seats": 12, "edr": 5, "patch_management": 12},
    ),
    (
        "add-on had but unused: zero line when asked",
        TENANT,
        licence(MONTHLY, "edr", "ats"),
        True,
        {"seats": 12, "edr": 5, "patch_management": 12, "ats": 0},
    ),
    (
        "add-on not had and unused: no line even when asked",
        TENANT,
        licence(MONTHLY),
        True,
        {"seats": 12, "edr": 5, "patch_management": 12},
    ),
    (
        "add-on not in the licence but used: billed (usage is the truth, 2.8)",
        {"endpointMonthlyUsage": 2, "encryptionMonthlyUsage": 2},
        licence(),
        False,
        {"seats": 2, "encryption": 2},
    ),
    ("no usage: nothing", {}, licence(), False, {}),
    (
        "no usage, zero lines asked: the seats at 0",
        {},
        licence(MONTHLY, "exchange"),
        True,
        {"seats": 0, "exchange": 0},
    ),
    (
        "xdr productivity: either spelling, never summed",
        {
            "endpointMonthlyUsage": 1,
            "xdrProductivitySensorsMonthlyUsage": 6,
            "xdrProductivitySensorsMonthly": 6,
        },
        licence(),
        False,
        {"seats": 1, "xdr_productivity": 6},
    ),
    (
        "xdr productivity: the short spelling alone",
        {"xdrProductivitySensorsMonthly": 2},
        licence(),
        False,
        {"xdr_productivity": 2},
    ),
    (
        "the contracted minimum is not usage",
        {"endpointMonthlyUsage": 3, "minimumUsage": 10},
        licence(),
        False,
        {"seats": 3},
    ),
    (
        "each add-on its own line",
        {
            "endpointMonthlyUsage": 9,
            "emailSecurityMonthlyUsage": 4,
            "mobileSecurityMonthlyUsage": 2,
            "containerProtectionMonthlyUsage": 1,
            "mdrResponseMonthlyUsage": 9,
            "integrityMonitoringUsage": 3,
            "integrityMonitoring90DaysUsage": 1,
            "xdrIdentitySensorsMonthlyUsage": 2,
            "sveVsMonthlyUsage": 5,
            "sveVdiMonthlyUsage": 720,
        },
        licence(),
        False,
        {
            "seats": 9,
            "email_security": 4,
            "mobile_security": 2,
            "container_protection": 1,
            "mdr_response": 9,
            "integrity_monitoring": 3,
            "integrity_monitoring_90d": 1,
            "xdr_identity": 2,
            "sve_vs": 5,
            "sve_vdi": 720,
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "counters", "facts", "keep_zero", "expected"),
    QUANTITIES,
    ids=[q[0] for q in QUANTITIES],
)
def test_billable_quantities(name, counters, facts, keep_zero, expected):
    lines = billable_quantities(counters, facts, keep_zero=keep_zero)
    assert {line.product_key: line.quantity for line in lines} == expected
    assert len(lines) == len(expected)


def test_seat_line_names_the_protection_model():
    (seats,) = billable_quantities({"endpointMonthlyUsage": 3}, licence())
    assert seats == BillableLine("seats", 3, "Endpoint security seats (MSP Secure Plus)")
    (plain,) = billable_quantities({"endpointMonthlyUsage": 3}, licence(model=None))
    assert plain.description == "Endpoint security seats"


@given(
    seats=st.integers(0, 10_000),
    tiers=st.fixed_dictionaries(
        {name: st.integers(0, 10_000) for name in OVERLAPPING_TIER_COUNTERS}
    ),
    addons=st.dictionaries(st.sampled_from([a.counters[0] for a in ADDONS]), st.integers(0, 500)),
)
def test_tiers_never_add_to_the_bill(seats, tiers, addons):
    lines = billable_quantities({SEATS_COUNTER: seats, **tiers, **addons}, licence())
    assert sum(line.quantity for line in lines) == seats + sum(addons.values())
    assert len({line.product_key for line in lines}) == len(lines)


# Every counter of reference 2.7 is billed once, or known to overlap, or known not to be usage.
REFERENCE_COUNTERS = [
    "endpointMonthlyUsage",
    "aLaCarteMonthlyUsage",
    "mspSecureMonthlyUsage",
    "mspSecurePlusMonthlyUsage",
    "mspSecureExtraMonthlyUsage",
    "emailSecurityMonthlyUsage",
    "mobileSecurityMonthlyUsage",
    "exchangeMonthlyUsage",
    "encryptionMonthlyUsage",
    "atsMonthlyUsage",
    "edrMonthlyUsage",
    "mdrFoundationsMonthlyUsage",
    "mdrResponseMonthlyUsage",
    "patchManagementMonthlyUsage",
    "containerProtectionMonthlyUsage",
    "integrityMonitoringUsage",
    "integrityMonitoring90DaysUsage",
    "integrityMonitoring180DaysUsage",
    "integrityMonitoring1YearUsage",
    "xdrIdentitySensorsMonthlyUsage",
    "sveVsMonthlyUsage",
    "sveVdiMonthlyUsage",
    "minimumUsage",
    "aLaCarteMonhtlyUsage",
]


def test_every_reference_counter_is_accounted_for():
    assert unknown_counters(dict.fromkeys(REFERENCE_COUNTERS, 0)) == []
    assert unknown_counters({"quantumMonthlyUsage": 1, "endpointMonthlyUsage": 1}) == [
        "quantumMonthlyUsage"
    ]


def test_product_keys_are_stable_unique_slugs():
    assert PRODUCT_KEYS[0] == "seats"
    assert len(set(PRODUCT_KEYS)) == len(PRODUCT_KEYS)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in PRODUCT_KEYS)
    assert {"edr", "ats", "patch_management", "encryption", "exchange"} <= set(PRODUCT_KEYS)


@pytest.mark.parametrize("value", [-1, True, 2.5, "3"])
def test_bad_counter_values_are_refused(value):
    with pytest.raises(ValueError, match="edrMonthlyUsage"):
        billable_quantities({"edrMonthlyUsage": value}, licence())


def test_unknown_addon_keys_are_refused():
    with pytest.raises(ValueError, match="edrMonthlyUsage"):
        LicenceFacts(MONTHLY, None, frozenset({"edrMonthlyUsage"}))


@pytest.mark.parametrize(
    ("subscription", "reason"),
    [
        (3, None),
        (1, "(trial)"),
        (2, "(licensed)"),
        (5, "monthly subscription trial"),
        (9, "unknown"),
    ],
)
def test_not_billed_reason(subscription, reason):
    text = not_billed_reason(licence(subscription))
    if reason is None:
        assert text is None
    else:
        assert text is not None and reason in text and "not a monthly subscription" in text


def test_addons_from_licence_flags():
    flags = {
        "manageEventCorrelator": True,
        "manageExchange": False,
        "manageEmailSecurity": True,
        "manageHyperDetect": True,
        "manageSandboxAnalyzer": True,
        "managePatchManagement": None,
        "isAddon": True,
    }
    assert addons_from_flags(flags) == {"edr", "email_security", "ats"}
