"""Monthly usage counters computed from endpoint history (reference 2.7, 2.8)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .clock import month_start, next_month_start
from .errors import invalid_params
from .state import BITDEFENDER_EDR, CUSTOMER, ENDPOINT_SECURITY, Company, Endpoint, World

TARGET_MONTH = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
# Every counter name the reference lists (2.7); emitted with zeros (open question 21).
COUNTERS = (
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
    "xdrProductivitySensorsMonthlyUsage",
    "sveVsMonthlyUsage",
    "sveVdiMonthlyUsage",
)
TIER_COUNTERS = {
    "mspSecure": "mspSecureMonthlyUsage",
    "mspSecurePlus": "mspSecurePlusMonthlyUsage",
    "mspSecureExtra": "mspSecureExtraMonthlyUsage",
}
ADDON_COUNTERS = {
    "edr": "edrMonthlyUsage",
    "ats": "atsMonthlyUsage",
    "patch": "patchManagementMonthlyUsage",
}


def parse_target_month(value: Any, now: datetime) -> tuple[int, int]:
    """Return (year, month) of a `mm/yyyy` targetMonth; absent means the current month."""
    if value is None:
        return now.year, now.month
    match = TARGET_MONTH.match(value) if isinstance(value, str) else None
    if match is None:
        raise invalid_params("'targetMonth' must be a string in the format mm/yyyy")
    return int(match.group(2)), int(match.group(1))


def counts_in_month(endpoint: Endpoint, year: int, month: int, now: datetime) -> bool:
    """Return whether an endpoint is billed for the month: managed, licensed, seen in it."""
    start, end = month_start(year, month), next_month_start(year, month)
    return (
        endpoint.is_managed and endpoint.licensed == 1 and endpoint.active_between(start, end, now)
    )


def counted_endpoints(
    world: World, company: Company, year: int, month: int, now: datetime, product_type: int
) -> list[Endpoint]:
    """Return the endpoints a monthly-licensed customer is billed for in the month."""
    if company.type != CUSTOMER or not company.licence.is_monthly:
        return []
    return [
        e
        for e in world.endpoints_of(company.id)
        if e.product_type == product_type and counts_in_month(e, year, month, now)
    ]


def _zeros() -> dict[str, Any]:
    return dict.fromkeys(COUNTERS, 0)


def _company_counters(
    world: World, company: Company, year: int, month: int, now: datetime, product_type: int
) -> dict[str, Any]:
    counters = _zeros()
    count = len(counted_endpoints(world, company, year, month, now, product_type))
    counters["endpointMonthlyUsage"] = count
    if product_type == BITDEFENDER_EDR:
        counters["edrMonthlyUsage"] = count
        return counters
    tier = TIER_COUNTERS.get(company.licence.protection_model or "")
    if tier:
        # The overlap of reference 2.8: the tier counter equals endpointMonthlyUsage.
        counters[tier] = count
    for addon in company.licence.addons:
        counters[ADDON_COUNTERS[addon]] = count
    return counters


def _summed(
    world: World, company: Company, year: int, month: int, now: datetime, product_type: int
) -> dict[str, Any]:
    """Return the counters of a company; a partner sums its whole subtree (our choice)."""
    total = _zeros()
    if not company.licence.is_monthly:
        return total
    for member in world.subtree(company.id):
        for name, value in _company_counters(world, member, year, month, now, product_type).items():
            total[name] += value
    return total


def monthly_usage(
    world: World, company: Company, year: int, month: int, now: datetime
) -> dict[str, Any]:
    """Return the getMonthlyUsage result (Endpoint Security product type only, reference 2.7)."""
    result = _summed(world, company, year, month, now, ENDPOINT_SECURITY)
    minimum = company.licence.minimum_usage if company.licence.is_monthly else 0
    result["minimumUsage"] = {"endpointMonthlyUsage": minimum}
    return result


def usage_per_product_type(
    world: World, company: Company, year: int, month: int, now: datetime
) -> dict[str, Any]:
    """Return the getMonthlyUsagePerProductType result: one entry per product type (2.8)."""
    product_types = {ENDPOINT_SECURITY}
    for member in world.subtree(company.id):
        product_types.update(member.licence.additional_product_types)
    usages = []
    for product_type in sorted(product_types):
        entry: dict[str, Any] = {"productType": product_type}
        entry.update(_summed(world, company, year, month, now, product_type))
        usages.append(entry)
    return {"usages": usages}
