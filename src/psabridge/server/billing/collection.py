"""Collect each mapped company's monthly usage and endpoint evidence from GravityZone (R3, R7.3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.gravityzone.adapter import GravityZonePlatform
from psabridge.domain.usage import (
    BillableLine,
    LicenceFacts,
    Month,
    addons_from_flags,
    billable_quantities,
    endpoint_counted,
    month_bounds,
    month_containing,
    not_billed_reason,
)
from psabridge.server.billing.models import EndpointEvidence, UsageSnapshot
from psabridge.server.core import connections
from psabridge.server.mappings.models import Mapping

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (company name, done, total)


@dataclass
class CollectionResult:
    """What one collection did."""

    month: str
    companies: int = 0
    failed: int = 0
    endpoints: int = 0


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
) -> CollectionResult:
    """Read usage, licence and endpoint evidence of each mapped company for a month."""
    platform = platform or connections.gravityzone_platform()
    companies = companies_to_collect(billing_only)
    result = CollectionResult(str(month))
    for done, (company_id, name) in enumerate(companies, start=1):
        try:
            result.endpoints += collect_company(platform, company_id, name, month)
            result.companies += 1
        except ConnectorError as exc:
            # One company's failure must not stop the others; it is retried next run.
            log.warning("usage collection failed for company %s: %s", company_id, exc)
            result.failed += 1
        if progress:
            progress(name, done, len(companies))
    return result


def collect_company(platform: GravityZonePlatform, company_id: str, name: str, month: Month) -> int:
    """Collect one company's month; return how many endpoints were examined."""
    licence_info = platform.license_info(company_id)
    usage = platform.monthly_usage(company_id, str(month))
    licence = LicenceFacts(
        licence_info.subscription_type or 0,
        licence_info.protection_model,
        addons_from_flags(licence_info.addons),
    )
    evidence = _evidence(platform, company_id, month)
    lines = billable_quantities(usage.counters, licence)
    _store(company_id, name, month, licence, usage.counters, lines, evidence)
    return len(evidence)


def _evidence(
    platform: GravityZonePlatform, company_id: str, month: Month
) -> list[tuple[str, str, bool, str]]:
    bounds = month_bounds(month, msp_zone())
    rows = []
    for endpoint in platform.endpoints(company_id):
        details = platform.endpoint_details(endpoint.id) if endpoint.is_managed else None
        counted, reason = endpoint_counted(
            details.last_seen if details else None,
            None,
            endpoint.is_managed,
            bool(details and details.licensed == "active"),
            bounds,
            msp_zone(),
        )
        rows.append((endpoint.id, endpoint.name, counted, reason))
    return rows


@transaction.atomic
def _store(
    company_id: str,
    name: str,
    month: Month,
    licence: LicenceFacts,
    counters: dict[str, int],
    lines: list[BillableLine],
    evidence: list[tuple[str, str, bool, str]],
) -> None:
    snapshot, _ = UsageSnapshot.objects.update_or_create(
        company_id=company_id,
        month=str(month),
        defaults={
            "company_name": name[:200],
            "subscription_type": licence.subscription_type,
            "protection_model": licence.protection_model or "",
            "counters": dict(counters),
            "lines": [
                {
                    "product_key": ln.product_key,
                    "quantity": ln.quantity,
                    "description": ln.description,
                }
                for ln in lines
            ],
            "not_billed_reason": (not_billed_reason(licence) or "")[:200],
            "endpoints_counted": sum(1 for row in evidence if row[2]),
            "collected_at": timezone.now(),
        },
    )
    snapshot.evidence.all().delete()
    EndpointEvidence.objects.bulk_create(
        EndpointEvidence(
            snapshot=snapshot,
            endpoint_id=eid,
            endpoint_name=ename[:200],
            counted=counted,
            reason=reason[:200],
        )
        for eid, ename, counted, reason in evidence
    )


def current_month(now: datetime | None = None) -> Month:
    """Return the month running now in the MSP's zone."""
    return month_containing(now or timezone.now(), msp_zone())
