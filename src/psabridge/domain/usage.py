"""Billing months in the MSP's time zone, the push schedule, and GravityZone counters -> lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; ordered by time."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range (1-9999)")
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range (1-12)")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Read "YYYY-MM" (the CLI's `--month`)."""
        found = _MONTH_TEXT.fullmatch(text)
        if found is None:
            raise ValueError(f"month must look like YYYY-MM (e.g. 2026-10), got {text!r}")
        year, month = int(found[1]), int(found[2])
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 01-12, got {found[2]} in {text!r}")
        if year < 1:
            raise ValueError(f"year must be 0001 or later, got {text!r}")
        return cls(year, month)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def label(self) -> str:
        """The month's English name and year, e.g. October 2026, for explanations."""
        return f"{_MONTH_NAMES[self.month - 1]} {self.year}"

    def gravityzone(self) -> str:
        """The `targetMonth` parameter of getMonthlyUsage: "mm/yyyy" (reference 2.7)."""
        return f"{self.month:02d}/{self.year:04d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# --- Months, instants and the schedule (SPEC R3.3, R3.4) ---------------------------------------


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    # fold=0 picks the day's first moment in both DST oddities: when midnight is skipped (a gap,
    # e.g. America/Asuncion 2023-10-01) it resolves to the transition instant, and when midnight
    # happens twice (America/Havana 2026-11-01) to the earlier one.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _local(now: datetime, tz: tzinfo) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (domain rules take aware instants)")
    return now.astimezone(tz)


def month_bounds(month: Month, tz: tzinfo) -> tuple[datetime, datetime]:
    """Aware UTC instants [start, end) of `month` in the MSP's zone `tz` (setting, default UTC)."""
    return _local_midnight(month.first_day(), tz), _local_midnight(month.next().first_day(), tz)


def month_containing(now: datetime, tz: tzinfo) -> Month:
    """The month of `now`'s local date in `tz` (ConnectWise bills the current month, R4.4)."""
    local = _local(now, tz)
    return Month(local.year, local.month)


def last_month(now: datetime, tz: tzinfo) -> Month:
    """The month before `now`'s local month: what Recalculate usage pushes (R3.4)."""
    return month_containing(now, tz).previous()


def billing_run_date(month: Month, tz: tzinfo) -> datetime:
    """When `month` is pushed (R3.3): the 2nd of the next month at 00:00 local, as a UTC instant."""
    return _local_midnight(month.next().first_day() + timedelta(days=1), tz)


def month_to_push(now: datetime, tz: tzinfo) -> Month | None:
    """The month due on `now` (R3.3): last month when the local date is the 2nd, else None."""
    local = _local(now, tz)
    return last_month(now, tz) if local.day == 2 else None


# --- GravityZone counters -> billable quantities (SPEC R3.1, R4.3; reference 2.6-2.8) -----------

MONTHLY_SUBSCRIPTION = 3  # getLicenseInfo.subscriptionType (reference 2.6)
_SUBSCRIPTION_NAMES = {
    1: "trial",
    2: "licensed",
    3: "monthly subscription",
    4: "monthly licence trial",
    5: "monthly subscription trial",
    6: "FRAT",
}

SEATS = "seats"
# The protection-model seat count: endpoints with local engines, counted once (reference 2.7).
SEATS_COUNTER = "endpointMonthlyUsage"

# Package-tier counters OVERLAP the seat counter: every endpoint is also counted under its tier,
# so on a live tenant mspSecurePlusMonthlyUsage == endpointMonthlyUsage (reference 2.8 WARNING).
# Adding them to the seats would double-bill, so they are never billed; the tier only names the
# seat line. aLaCarte is the "pick your modules" tier (one page spells it aLaCarteMonhtly...).
OVERLAPPING_TIER_COUNTERS = {
    "aLaCarteMonthlyUsage": "aLaCarte",
    "aLaCarteMonhtlyUsage": "aLaCarte",
    "mspSecureMonthlyUsage": "mspSecure",
    "mspSecurePlusMonthlyUsage": "mspSecurePlus",
    "mspSecureExtraMonthlyUsage": "mspSecureExtra",
}
# Read but not billed: the contracted minimum is between the MSP and Bitdefender, not usage.
NOT_BILLED_COUNTERS = frozenset({"minimumUsage"})

_MODEL_LABELS = {
    "aLaCarte": "à la carte",
    "mspSecure": "MSP Secure",
    "mspSecurePlus": "MSP Secure Plus",
    "mspSecureExtra": "MSP Secure Extra",
}


@dataclass(frozen=True)
class AddOn:
    """An add-on billed as its own line: product key (R3.1 mapping slug) and its counter names."""

    key: str
    counters: tuple[str, ...]  # the first present is read; later names are spelling variants
    label: str


# Each add-on counter counts the endpoints (or mailboxes, hours...) using that add-on; add-ons are
# separate products and do not overlap the seat counter or one another, so each is its own line.
ADDONS = (
    AddOn("edr", ("edrMonthlyUsage",), "EDR"),
    AddOn("ats", ("atsMonthlyUsage",), "Advanced Threat Security (HyperDetect, Sandbox Analyzer)"),
    AddOn("patch_management", ("patchManagementMonthlyUsage",), "Patch Management"),
    AddOn("encryption", ("encryptionMonthlyUsage",), "Full Disk Encryption"),
    AddOn("exchange", ("exchangeMonthlyUsage",), "Security for Exchange"),
    AddOn("email_security", ("emailSecurityMonthlyUsage",), "Email Security"),
    AddOn("mobile_security", ("mobileSecurityMonthlyUsage",), "Mobile Security"),
    AddOn("container_protection", ("containerProtectionMonthlyUsage",), "Container Protection"),
    # MDR tiers are alternatives; mdrFoundations read 0 on a tenant with MDR active (2.8), so a
    # zero there is billed as zero, never guessed.
    AddOn("mdr_foundations", ("mdrFoundationsMonthlyUsage",), "MDR Foundations"),
    AddOn("mdr_response", ("mdrResponseMonthlyUsage",), "MDR Response"),
    # Integrity monitoring retention plans are billed as distinct products [INF: no source says
    # whether integrityMonitoringUsage includes the 90-day/180-day/1-year counters].
    AddOn("integrity_monitoring", ("integrityMonitoringUsage",), "Integrity Monitoring"),
    AddOn(
        "integrity_monitoring_90d",
        ("integrityMonitoring90DaysUsage",),
        "Integrity Monitoring, 90-day retention",
    ),
    AddOn(
        "integrity_monitoring_180d",
        ("integrityMonitoring180DaysUsage",),
        "Integrity Monitoring, 180-day retention",
    ),
    AddOn(
        "integrity_monitoring_1y",
        ("integrityMonitoring1YearUsage",),
        "Integrity Monitoring, 1-year retention",
    ),
    AddOn("xdr_identity", ("xdrIdentitySensorsMonthlyUsage",), "XDR identity sensors"),
    # The full name is not confirmed (reference 2.7): both spellings are read, never summed.
    AddOn(
        "xdr_productivity",
        ("xdrProductivitySensorsMonthlyUsage", "xdrProductivitySensorsMonthly"),
        "XDR productivity sensors",
    ),
    AddOn("sve_vs", ("sveVsMonthlyUsage",), "Security for Virtualized Environments, servers"),
    AddOn("sve_vdi", ("sveVdiMonthlyUsage",), "Security for Virtualized Environments, VDI (hours)"),
)
_ADDON_KEYS = frozenset(addon.key for addon in ADDONS)
PRODUCT_LABELS = {SEATS: "Endpoint security seats", **{addon.key: addon.label for addon in ADDONS}}
PRODUCT_KEYS = (SEATS, *(addon.key for addon in ADDONS))

# getLicenseInfo manage* flags -> add-on keys (reference 2.6). The email flag's full name is not
# confirmed, so it is matched by prefix. manageRemoteEnginesScanning -> SVE is [INF].
_FLAG_ADDONS = (
    ("manageEventCorrelator", ("edr",)),
    ("manageHyperDetect", ("ats",)),
    ("manageSandboxAnalyzer", ("ats",)),
    ("managePatchManagement", ("patch_management",)),
    ("manageEncryption", ("encryption",)),
    ("manageExchange", ("exchange",)),
    ("manageEmailSecuri", ("email_security",)),
    ("manageRemoteEnginesScanning", ("sve_vs", "sve_vdi")),
)


@dataclass(frozen=True)
class LicenceFacts:
    """What getLicenseInfo says of a company (reference 2.6); `addons` are product keys."""

    subscription_type: int
    protection_model: str | None = None  # assignedProtectionModel, e.g. "mspSecurePlus"
    addons: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = set(self.addons) - _ADDON_KEYS
        if unknown:
            raise ValueError(f"unknown add-on keys: {', '.join(sorted(unknown))}")


@dataclass(frozen=True)
class BillableLine:
    """One billable quantity of a company's month, keyed by a product slug (R3.1)."""

    product_key: str
    quantity: int
    description: str


def addons_from_flags(flags: Mapping[str, object]) -> frozenset[str]:
    """Add-on keys of getLicenseInfo's true manage* flags (reference 2.6)."""
    keys: set[str] = set()
    for name, value in flags.items():
        for prefix, addon_keys in _FLAG_ADDONS:
            if value is True and name.startswith(prefix):
                keys.update(addon_keys)
    return frozenset(keys)


def not_billed_reason(licence: LicenceFacts) -> str | None:
    """Why a company bills nothing (R4.3: only monthly subscriptions are billed), or None."""
    if licence.subscription_type == MONTHLY_SUBSCRIPTION:
        return None
    name = _SUBSCRIPTION_NAMES.get(licence.subscription_type, "unknown")
    return f"subscription type {licence.subscription_type} ({name}) is not a monthly subscription"


def billable_quantities(
    counters: Mapping[str, int], licence: LicenceFacts, *, keep_zero: bool = False
) -> list[BillableLine]:
    """A company's monthly counters -> one line for the seats and one per add-on it has.

    An add-on is "had" when getLicenseInfo lists it or its counter is positive: monthly usage,
    not the point-in-time licence, is the source of truth (reference 2.8), so an add-on dropped
    mid-month still bills what it was used. Zero lines are kept only with `keep_zero` (e.g. to
    list the licences a company has, R3.5).
    """
    if not_billed_reason(licence) is not None:
        return []
    lines = [_seats_line(counters, licence)]
    for addon in ADDONS:
        quantity = _read(counters, addon.counters)
        if quantity > 0 or addon.key in licence.addons:
            lines.append(BillableLine(addon.key, quantity, addon.label))
    return [line for line in lines if keep_zero or line.quantity > 0]


def unknown_counters(counters: Mapping[str, object]) -> list[str]:
    """Counter names psabridge neither bills nor knows to ignore (worth a log line)."""
    known = {SEATS_COUNTER, *OVERLAPPING_TIER_COUNTERS, *NOT_BILLED_COUNTERS, "productType"}
    known.update(name for addon in ADDONS for name in addon.counters)
    return sorted(set(counters) - known)


def _seats_line(counters: Mapping[str, int], licence: LicenceFacts) -> BillableLine:
    # endpointMonthlyUsage ONCE; the tier counters overlap it and are never added (2.8 WARNING).
    model = _MODEL_LABELS.get(licence.protection_model or "", licence.protection_model)
    label = "Endpoint security seats" + (f" ({model})" if model else "")
    return BillableLine(SEATS, _read(counters, (SEATS_COUNTER,)), label)


def _read(counters: Mapping[str, int], names: tuple[str, ...]) -> int:
    for name in names:
        if name in counters:
            value = counters[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"counter {name} must be a non-negative integer, got {value!r}")
            return value
    return 0  # absent: GravityZone reports 0 for what a company does not use (reference 2.7)
