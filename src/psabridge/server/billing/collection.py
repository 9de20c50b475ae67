"""Collect each mapped company's monthly usage and endpoint evidence from GravityZone (R4.6, R7.3).

The month's quantities are GravityZone's own counters for it; the evidence is merged in at every
collection while the month runs; the first collection after the month ended makes both final,
and later collections of that month make no call and change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.domain.evidence import Sighting
from psabridge.domain.month_count import month_ended, month_started, month_window
from psabridge.domain.usage import (
    LicenceFacts,
    Month,
    addons_from_flags,
    billable_quantities,
    month_containing,
)
from psabridge.server.billing import snapshots
from psabridge.server.billing.models import UsageCollection, UsageSnapshot
from psabridge.server.core import connections, systems
from psabridge.server.mappings.models import Mapping

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (company name, done, total)


class MonthNotStartedError(ValueError):
    """A month that has not begun has no usage to collect."""


@dataclass
class CollectionResult:
    """What one collection did."""

    month: str
    companies: int = 0  # read from GravityZone
    failed: int = 0
    endpoints: int = 0
    finalized: int = 0  # made final by this collection (the month had ended)
    already_final: int = 0  # final before: no call made, nothing changed


def msp_zone() -> ZoneInfo:
    """Return the MSP's time zone (PSABRIDGE_TIME_ZONE)."""
    return ZoneInfo(settings.MSP_TIME_ZONE)


def companies_to_collect(billing_only: bool = False) -> list[tuple[str, str]]:
    """Return (id, name) of every mapped GravityZone company (or only those with Billing on)."""
    mappings = Mapping.objects.filter(billing=True) if billing_only else Mapping.objects.all()
    rows = mappings.order_by("company_name").values_list("company_id", "company_name")
    return list(dict.fromkeys(rows))


def collect(
    month: Month,
    progress: Progress | None = None,
    platform: GravityZonePlatform | None = None,
    billing_only: bool = False,
    now: datetime | None = None,
) -> CollectionResult:
    """Read usage, licence and endpoint evidence of each mapped company for a month.

    Companies whose month is final are skipped without a call. Raises MonthNotStartedError for
    a month that has not begun in the MSP's zone.
    """
    now = now or timezone.now()
    window = month_window(month, msp_zone())
    if not month_started(window, now):
        raise MonthNotStartedError(f"{month.label()} has not started yet: nothing to collect")
    companies = companies_to_collect(billing_only)
    final = set(
        UsageSnapshot.objects.filter(month=str(month), final=True).values_list(
            "company_id", flat=True
        )
    )
    result = CollectionResult(str(month))
    record = UsageCollection.objects.create(
        month=str(month), started_at=timezone.now(), companies=len(companies)
    )
    try:
        for done, (company_id, name) in enumerate(companies, start=1):
            if company_id in final:
                result.already_final += 1
            else:
                platform = platform or connections.gravityzone_platform()
                _collect_one(platform, company_id, name, month, now, result)
            UsageCollection.objects.filter(pk=record.pk).update(
                done=done, failed=result.failed, updated_at=timezone.now()
            )
            if progress:
                progress(name, done, len(companies))
    finally:
        UsageCollection.objects.filter(pk=record.pk).update(finished_at=timezone.now())
    return result


def latest_collection(month: Month) -> UsageCollection | None:
    """Return the month's latest collection (running or finished), if any."""
    return UsageCollection.objects.filter(month=str(month)).first()


def _collect_one(
    platform: GravityZonePlatform,
    company_id: str,
    name: str,
    month: Month,
    now: datetime,
    result: CollectionResult,
) -> None:
    try:
        result.endpoints += collect_company(platform, company_id, name, month, now)
        result.companies += 1
    except ConnectorError as exc:
        # One company's failure must not stop the others; it is retried next run.
        log.warning("usage collection failed for company %s: %s", company_id, exc)
        result.failed += 1
        return
    if month_ended(month_window(month, msp_zone()), now):
        result.finalized += 1


def collect_company(
    platform: GravityZonePlatform,
    company_id: str,
    name: str,
    month: Month,
    now: datetime | None = None,
) -> int:
    """Collect one company's month; return how many endpoints were examined."""
    now = now or timezone.now()
    licence_info = platform.license_info(company_id)
    usage = platform.monthly_usage(company_id, str(month))
    licence = LicenceFacts(
        licence_info.subscription_type or 0,
        licence_info.protection_model,
        addons_from_flags(licence_info.addons),
    )
    sightings = _sightings(platform, company_id)
    reading = snapshots.Reading(
        company_id=company_id,
        name=name,
        licence=licence,
        counters=dict(usage.counters),
        lines=billable_quantities(usage.counters, licence),
        sightings=sightings,
    )
    snapshots.store(reading, month_window(month, msp_zone()), str(month), now)
    return len(sightings)


def _sightings(platform: GravityZonePlatform, company_id: str) -> list[Sighting]:
    rows = []
    for endpoint in platform.endpoints(company_id):
        details = platform.endpoint_details(endpoint.id) if endpoint.is_managed else None
        rows.append(
            Sighting(
                endpoint.id,
                endpoint.name,
                endpoint.is_managed,
                bool(details and details.licensed == "active"),
                details.last_seen if details else None,
            )
        )
    return rows


def current_month(now: datetime | None = None) -> Month:
    """Return the month running now in the MSP's zone."""
    return month_containing(now or timezone.now(), msp_zone())


def last_finished_month(now: datetime | None = None) -> Month:
    """Return the month before the running one: the month an invoice push bills (R3.3, R3.4)."""
    return current_month(now).previous()


def month_to_bill(system: str | None, now: datetime | None = None) -> Month:
    """The month a push bills by default: the last finished one (invoice lines, R3.3), or the
    running one for a PSA whose quantities follow the running month (additions, R4.4)."""
    running = bool(system) and systems.psa(str(system)).month_billed == "running"
    return current_month(now) if running else last_finished_month(now)
