"""The `licensing` service: licence info and monthly usage (reference 2.6-2.8)."""

from __future__ import annotations

from typing import Any

from .clock import api_time
from .context import CallContext
from .params import opt_bool, opt_id, reject_unknown
from .state import ENDPOINT_SECURITY, MONTHLY, Company
from .usage import monthly_usage, parse_target_month, usage_per_product_type

SERVICE_NAMES = {"edr": "edr", "ats": "ats", "patch": "patchManagement"}


def _used_slots(ctx: CallContext, company: Company) -> int:
    """Return the managed, licensed Endpoint Security endpoints in the company's subtree."""
    return sum(
        1
        for member in ctx.world.subtree(company.id)
        for e in ctx.world.endpoints_of(member.id)
        if e.is_managed and e.licensed == 1 and e.product_type == ENDPOINT_SECURITY
    )


def get_license_info(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return the company's licence (reference 2.6)."""
    reject_unknown(params, {"companyId", "returnAllProducts"})
    company = ctx.company(opt_id(params, "companyId"))
    opt_bool(params, "returnAllProducts")
    licence = company.licence
    addons = licence.addons
    return {
        "subscriptionType": licence.subscription_type,
        "isAddon": False,
        "expiryDate": api_time(licence.expiry),
        "usedSlots": _used_slots(ctx, company),
        "totalSlots": licence.total_slots,
        "licenseKey": licence.licence_key,
        "endSubscription": None,
        "autoRenewPeriod": licence.auto_renew_period,
        "manageExchange": False,
        "manageEncryption": False,
        "manageRemoteEnginesScanning": False,
        "manageHyperDetect": "ats" in addons,
        "manageSandboxAnalyzer": "ats" in addons,
        "managePatchManagement": "patch" in addons,
        "manageEventCorrelator": "edr" in addons,
        "assignedProtectionModel": licence.protection_model,
        "additionalProductTypes": list(licence.additional_product_types),
        "licensedServices": _licensed_services(company),
    }


def _licensed_services(company: Company) -> list[str]:
    """Return our choice of shape for licensedServices: service names (undocumented)."""
    base = ["endpointSecurity"] if company.licence.license_type == MONTHLY else ["endpoint"]
    return base + sorted(SERVICE_NAMES[a] for a in company.licence.addons)


def get_monthly_usage(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return the month's counters for Endpoint Security endpoints (reference 2.7)."""
    reject_unknown(params, {"companyId", "targetMonth"})
    company = ctx.company(opt_id(params, "companyId"))
    now = ctx.clock.now()
    year, month = parse_target_month(params.get("targetMonth"), now)
    return monthly_usage(ctx.world, company, year, month, now)


def get_monthly_usage_per_product_type(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return the month's counters per product type (reference 2.8)."""
    reject_unknown(params, {"companyId", "targetMonth"})
    company = ctx.company(opt_id(params, "companyId"))
    now = ctx.clock.now()
    year, month = parse_target_month(params.get("targetMonth"), now)
    return usage_per_product_type(ctx.world, company, year, month, now)
