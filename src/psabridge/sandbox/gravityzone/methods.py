"""Method table of the JSON-RPC services, plus the small `general` and `companies` methods."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import licensing, network, pushapi
from .clock import api_time
from .context import CallContext
from .errors import invalid_params
from .params import opt_id, reject_unknown, req_str
from .state import ALL_SERVICES, CUSTOMER, MONTHLY, PARTNER, Company, Licence

Handler = Callable[[CallContext, dict[str, Any]], Any]
SERVICES = ALL_SERVICES
VERSIONS = ("v1.0", "v1.1")


@dataclass(frozen=True)
class Method:
    """A handler and the API versions that serve it."""

    handler: Handler
    versions: tuple[str, ...] = ("v1.0",)


def get_api_key_details(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return our choice of shape (undocumented): the key's enabled services."""
    reject_unknown(params, set())
    return {"enabledApis": sorted(ctx.key.services | {"general"})}


def _company_details(ctx: CallContext, company: Company) -> dict[str, Any]:
    path = ctx.world.company_path(company.id)
    details: dict[str, Any] = {
        "id": company.id,
        "name": company.name,
        "type": company.type,
        "address": company.address,
        "phone": company.phone,
        "canBeManagedByAbove": True,
        "enforce2FA": False,
        "skip2FAPeriod": 0,
        "isSuspended": company.suspended,
        "createdAt": api_time(company.created_at),
        "country": company.country,
        "state": company.state,
        "industry": company.industry,
        "riskScore": dict(company.risk_score),
        "parentCompanyId": company.parent_id,
        "companyPath": [{"id": c.id, "name": c.name} for c in path],
    }
    if company.type == PARTNER and company.contact is not None:
        details["contactPerson"] = dict(company.contact)  # partners only (reference 2.2)
    return details


def get_company_details(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return a company's details (reference 2.2)."""
    reject_unknown(params, {"companyId"})
    return _company_details(ctx, ctx.company(opt_id(params, "companyId")))


def find_companies_by_name(ctx: CallContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the managed companies whose name contains nameFilter (case-insensitive)."""
    reject_unknown(params, {"nameFilter"})
    needle = req_str(params, "nameFilter").strip().lower()
    if not needle:
        raise invalid_params("'nameFilter' must not be blank")
    return [
        {"id": c.id, "name": c.name}
        for c in ctx.world.subtree(ctx.key.company_id)
        if c.id != ctx.key.company_id and needle in c.name.lower()
    ]


_create_lock = threading.Lock()


def create_company(ctx: CallContext, params: dict[str, Any]) -> str:
    """Create a customer company under a partner; our choice of shape: the new id (README)."""
    reject_unknown(
        params,
        {
            "type",
            "name",
            "parentId",
            "address",
            "phone",
            "country",
            "assignedProductType",
            "additionalProductTypes",
        },
    )
    if params.get("type", 1) != CUSTOMER:
        raise invalid_params("Only customer companies (type 1) can be created here")
    name = req_str(params, "name").strip()
    parent = ctx.parent_company(opt_id(params, "parentId"))
    if not name:
        raise invalid_params("Invalid value for 'name'")
    with _create_lock:
        if any(c.name.lower() == name.lower() for c in ctx.world.companies.values()):
            raise invalid_params(f"A company named '{name}' already exists")
        company = Company(
            id=secrets.token_hex(12),
            name=name,
            type=CUSTOMER,
            parent_id=parent.id,
            created_at=ctx.clock.now().replace(microsecond=0),
            licence=Licence(MONTHLY, 3, "mspSecure"),
            group_id=secrets.token_hex(12),
            policy_id=secrets.token_hex(12),
            address=str(params.get("address", "")),
            phone=str(params.get("phone", "")),
            country=str(params.get("country", "N/A")),
        )
        ctx.world.companies[company.id] = company
        ctx.world.build_indexes()
    return company.id


METHODS: dict[tuple[str, str], Method] = {
    ("general", "getApiKeyDetails"): Method(get_api_key_details),
    ("network", "getCompaniesList"): Method(network.get_companies_list),
    ("network", "getEndpointsList"): Method(network.get_endpoints_list, ("v1.0", "v1.1")),
    ("network", "getManagedEndpointDetails"): Method(network.get_managed_endpoint_details),
    ("companies", "getCompanyDetails"): Method(get_company_details),
    ("companies", "findCompaniesByName"): Method(find_companies_by_name),
    ("companies", "createCompany"): Method(create_company),
    ("licensing", "getLicenseInfo"): Method(licensing.get_license_info),
    ("licensing", "getMonthlyUsage"): Method(licensing.get_monthly_usage),
    ("licensing", "getMonthlyUsagePerProductType"): Method(
        licensing.get_monthly_usage_per_product_type
    ),
    ("push", "setPushEventSettings"): Method(pushapi.set_push_event_settings),
    ("push", "getPushEventSettings"): Method(pushapi.get_push_event_settings),
    ("push", "sendTestPushEvent"): Method(pushapi.send_test_push_event),
    ("push", "getPushEventStats"): Method(pushapi.get_push_event_stats),
    ("push", "resetPushEventStats"): Method(pushapi.reset_push_event_stats),
}


def find_method(service: str, method: str, version: str) -> Method | None:
    """Return the method served at this service and version, if any."""
    found = METHODS.get((service, method))
    if found is None or version not in found.versions:
        return None
    return found
