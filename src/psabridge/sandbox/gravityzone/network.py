"""The `network` service: companies list, endpoints list, endpoint details (2.1, 2.3, 2.4)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from .clock import api_time
from .context import CallContext
from .errors import RpcError, invalid_params
from .params import opt_bool, opt_choice, opt_id, opt_int, opt_obj, reject_unknown, req_str
from .state import Company, Endpoint

PER_PAGE_MAX = {"v1.0": 100, "v1.1": 1000}  # reference 1.5: cloud v1.1 1-1000, older 100
INVALID_PARENT = "Invalid value for 'parentId'"


def get_companies_list(ctx: CallContext, params: dict[str, Any]) -> list[dict[str, str]]:
    """Return one level of child companies as {id, name}; not paginated (reference 2.1)."""
    reject_unknown(params, {"parentId", "filters"})
    parent = ctx.parent_company(opt_id(params, "parentId"))
    filters = opt_obj(params, "filters")
    reject_unknown(filters, {"companyType", "licenseType"})
    company_type = opt_choice(filters, "companyType", (0, 1))
    licence_type = opt_choice(filters, "licenseType", (1, 2, 3))
    return [
        {"id": c.id, "name": c.name}
        for c in ctx.world.children(parent.id)
        if company_type in (None, c.type) and licence_type in (None, c.licence.license_type)
    ]


def _endpoint_parent(ctx: CallContext, parent_id: str | None) -> Company:
    """Return the company whose endpoints are listed (a company id or its group id)."""
    if parent_id is None:
        return ctx.world.companies[ctx.key.company_id]
    for company in ctx.world.companies.values():
        if parent_id in (company.id, company.group_id) and ctx.world.visible(ctx.key, company.id):
            return company
    raise RpcError(-32602, INVALID_PARENT, "parentId must be a company or group id")


def _name_matches(pattern: str | None, name: str) -> bool:
    """Match a prefix; a leading `*` matches a substring (reference 2.3)."""
    if not pattern:
        return True
    if pattern.startswith("*"):
        return pattern[1:].lower() in name.lower()
    return name.lower().startswith(pattern.lower())


def _list_item(endpoint: Endpoint, company: Company) -> dict[str, Any]:
    """Return a getEndpointsList item: no lastSeen, no state (reference 2.3)."""
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "label": "",
        "fqdn": endpoint.fqdn,
        "groupId": company.group_id,
        "isManaged": endpoint.is_managed,
        "machineType": endpoint.machine_type,
        "operatingSystemVersion": endpoint.os,
        "ip": endpoint.ips[0],
        "macs": list(endpoint.macs),
        "ssid": "",
        "managedWithBest": endpoint.is_managed,
        "policy": {
            "id": company.policy_id,
            "name": "Default policy",
            "applied": endpoint.is_managed,
        },
    }


def get_endpoints_list(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return one page of a company's endpoints (v1.0 perPage <= 100, v1.1 <= 1000)."""
    reject_unknown(params, {"parentId", "isManaged", "page", "perPage", "filters", "options"})
    company = _endpoint_parent(ctx, opt_id(params, "parentId"))
    is_managed = opt_bool(params, "isManaged")
    page = opt_int(params, "page", 1, 10**9) or 1
    per_page = opt_int(params, "perPage", 1, PER_PAGE_MAX[ctx.version]) or 30
    filters = opt_obj(params, "filters")
    opt_obj(params, "options")
    name = opt_obj(filters, "details").get("name")
    if name is not None and not isinstance(name, str):
        raise invalid_params("'filters.details.name' must be a string")
    matching = [
        e
        for e in ctx.world.endpoints_of(company.id)
        if is_managed in (None, e.is_managed) and _name_matches(name, e.name)
    ]
    start = (page - 1) * per_page
    return {
        "page": page,
        "pagesCount": math.ceil(len(matching) / per_page),
        "perPage": per_page,
        "total": len(matching),
        "items": [_list_item(e, company) for e in matching[start : start + per_page]],
    }


def _details(ctx: CallContext, endpoint: Endpoint) -> dict[str, Any]:
    now = ctx.clock.now()
    last_seen = endpoint.seen_at(now)
    company = ctx.world.companies[endpoint.company_id]
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "companyId": endpoint.company_id,
        "operatingSystem": endpoint.os,
        # Open question 22: physical endpoints show 1 (0 while authentication is pending).
        "state": 0 if endpoint.licensed == 0 else 1,
        "ip": endpoint.ips[0],
        "macs": list(endpoint.macs),
        "fqdn": endpoint.fqdn,
        "label": "",
        "groupId": company.group_id,
        "lastSeen": api_time(last_seen),
        "machineType": endpoint.machine_type,
        "managedWithBest": True,
        "policy": {"id": company.policy_id, "name": "Default policy", "applied": True},
        "malwareStatus": {"detection": False, "infected": False},
        "agent": _agent(endpoint, last_seen - timedelta(minutes=17)),
        "modules": dict(endpoint.modules),
    }


def _agent(endpoint: Endpoint, last_update: Any) -> dict[str, Any]:
    return {
        "engineVersion": "7.9.13.355",
        "primaryEngine": 1,
        "fallbackEngine": 2,
        "lastUpdate": api_time(last_update),
        "licensed": endpoint.licensed,
        "productOutdated": False,
        "productUpdateDisabled": False,
        "productVersion": "7.9.13.355",
        "signatureOutdated": False,
        "signatureUpdateDisabled": False,
        "type": 3,
    }


def get_managed_endpoint_details(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Return a managed endpoint's details, incl. lastSeen and agent.licensed (2.4)."""
    reject_unknown(params, {"endpointId", "options"})
    endpoint_id = req_str(params, "endpointId")
    options = opt_obj(params, "options")
    endpoint = ctx.world.endpoints.get(endpoint_id)
    # Open question 4: only the API id (= event endpointId) is accepted, not computer_id.
    if (
        endpoint is None
        or not endpoint.is_managed
        or not ctx.world.visible(ctx.key, endpoint.company_id)
    ):
        raise invalid_params(f"Managed endpoint {endpoint_id} was not found")
    result = _details(ctx, endpoint)
    if opt_bool(options, "includeScanLogs"):
        scan = endpoint.seen_at(ctx.clock.now()) - timedelta(hours=6)
        result["lastSuccessfulScan"] = {"name": "Quick Scan", "date": api_time(scan)}
    return result
