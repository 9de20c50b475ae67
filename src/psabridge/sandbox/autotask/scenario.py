"""Seeded Autotask world built from the GravityZone one: companies, contracts, devices."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..connectwise.scenario import Device, Source
from ..halopsa.scenario import vary_name
from . import config
from .contracts import new_contract_service, rebuild_units, record_adjustment
from .store import AtStore, Record
from .values import at_time, month_start

EXACT_SHARE, VARIANT_SHARE = 0.70, 0.25  # the rest of the GZ companies are missing here
CONFIGURATION_SHARE = 0.9
FIRST_COMPANY_ID = 174
OWNER_RESOURCE_ID = 29682885
API_RESOURCE_ID = 29682890
BILLING_CODE_ID = 29682801  # "Recurring Services" work type
ENDPOINT_SERVICE, EDR_SERVICE, MANAGED_SERVICE, LEGACY_SERVICE = 1, 2, 3, 4
# id, name, price, cost, active
SERVICES = (
    (ENDPOINT_SERVICE, "Bitdefender GravityZone Endpoint Security", 4.5, 2.1, True),
    (EDR_SERVICE, "Bitdefender GravityZone EDR", 2.0, 0.9, True),
    (MANAGED_SERVICE, "Managed Services - per device", 12.0, 0.0, True),
    (LEGACY_SERVICE, "Legacy Antivirus Seat (removed)", 3.0, 1.5, False),
)
WORKSTATION_PRODUCT, SERVER_PRODUCT = 29683601, 29683602
PSA_ONLY = (("Northwind Traders", True), ("Contoso Pharmaceuticals", False))
# case -> contracts: (kind, services); kinds below, services with their seeded units
CASES: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = {
    "no_contract": (),
    "two_contracts": (("active", (ENDPOINT_SERVICE,)), ("active_second", (EDR_SERVICE,))),
    "future_contract": (("next_month", ()),),
    "inactive_company": (("active", (ENDPOINT_SERVICE,)),),
    "removed_service": (("active", (ENDPOINT_SERVICE, LEGACY_SERVICE)),),
    "inactive_contract": (("inactive", (ENDPOINT_SERVICE,)),),
    "expired_contract": (("expired", (ENDPOINT_SERVICE,)),),
    "block_hours_only": (("block_hours", ()),),
}
PLAIN = (("active", (ENDPOINT_SERVICE,)),)


def build_store(seed: int, sources: Sequence[Source], now: datetime) -> AtStore:
    """Return a fresh store: picklists, services, companies, contracts, devices."""
    rng = random.Random(f"autotask:{seed}")
    store = AtStore()
    config.install(store)
    for service in SERVICES:
        add_service(store, *service, now=now)
    add_company(store, "Bluewave IT", now, company_id=0)  # open question 18
    store.start_ids_at("Companies", FIRST_COMPANY_ID)
    plan = _plan(rng, sources)
    matched = [row for row in plan if row[2] != "missing"]
    companies = _add_companies(store, rng, [row[0] for row in matched], now)
    cases = dict(zip(_case_order(matched), CASES, strict=False))
    for index, (_, source, _) in enumerate(matched):
        company = companies[index]
        case = cases.get(index, "plain")
        company["isActive"] = case != "inactive_company"
        for kind, services in CASES.get(case, PLAIN):
            add_contract(store, rng, company, kind, services, len(source.devices), now)
        _add_items(store, rng, company, source.devices, now)
    store.scenario = _describe(store, plan, matched, companies, cases)
    store.start_ids_at("Tickets", 128900)
    store.start_ids_at("TicketNotes", 30777600)
    return store


def _plan(rng: random.Random, sources: Sequence[Source]) -> list[tuple[str, Source, str]]:
    """Return (PSA name, source, match) per GZ company: exact, variant or missing."""
    order = list(range(len(sources)))
    rng.shuffle(order)
    exact, varied = round(len(sources) * EXACT_SHARE), round(len(sources) * VARIANT_SHARE)
    plan: dict[int, tuple[str, Source, str]] = {}
    for rank, index in enumerate(order):
        source = sources[index]
        if rank < exact:
            plan[index] = (source.name, source, "exact")
        elif rank < exact + varied:
            plan[index] = (vary_name(rng, source.name), source, "variant")
        else:
            plan[index] = (source.name, source, "missing")
    return [plan[i] for i in sorted(plan)]


def _add_companies(
    store: AtStore, rng: random.Random, names: list[str], now: datetime
) -> dict[int, Record]:
    """Insert the matched and the PSA-only companies in shuffled id order."""
    order = list(range(len(names) + len(PSA_ONLY)))
    rng.shuffle(order)
    companies: dict[int, Record] = {}
    for index in order:
        if index < len(names):
            companies[index] = add_company(store, names[index], now)
        else:
            name, active = PSA_ONLY[index - len(names)]
            companies[index] = add_company(store, name, now, active=active)
    return companies


def _case_order(matched: list[tuple[str, Source, str]]) -> list[int]:
    """Return matched indexes, exact names first: the special cases go to the first ones."""
    exact = [i for i, row in enumerate(matched) if row[2] == "exact"]
    return exact + [i for i, row in enumerate(matched) if row[2] != "exact"]


def add_service(
    store: AtStore, sid: int, name: str, price: float, cost: float, active: bool, *, now: datetime
) -> Record:
    """Insert a monthly Service of the catalogue (reference 3.3)."""
    stamp = at_time(now)
    return store.insert(
        "Services",
        {
            "id": sid,
            "name": name,
            "description": name,
            "invoiceDescription": name,
            "billingCodeID": BILLING_CODE_ID,
            "periodType": config.MONTHLY,
            "unitPrice": price,
            "unitCost": cost,
            "isActive": active,
            "createDate": stamp,
            "lastModifiedDate": stamp,
        },
    )


def add_company(
    store: AtStore, name: str, now: datetime, *, company_id: int | None = None, active: bool = True
) -> Record:
    """Insert a customer company (reference 3.1) and return it."""
    stamp = at_time(now)
    return store.insert(
        "Companies",
        {
            "id": company_id,
            "companyName": name,
            "companyNumber": None,
            "companyType": 1,
            "ownerResourceID": OWNER_RESOURCE_ID,
            "phone": "555-0100",
            "isActive": active,
            "parentCompanyID": None,
            "webAddress": None,
            "address1": "1 Main Street",
            "city": "Springfield",
            "postalCode": "01101",
            "createDate": stamp,
            "lastActivityDate": stamp,
            "lastTrackedModifiedDateTime": stamp,
            "userDefinedFields": [],
        },
    )


def _contract_shape(kind: str, now: datetime) -> tuple[str, int, int, datetime, datetime]:
    """Return (name suffix, type, status, start, end) of a seeded contract kind."""
    start, end = month_start(now, -12), month_start(now, 12) - timedelta(days=1)
    recurring, active = config.RECURRING_SERVICE, config.CONTRACT_ACTIVE
    shapes = {
        "active": ("Managed Security", recurring, active, start, end),
        "active_second": ("Security Add-ons", recurring, active, month_start(now, -6), end),
        "next_month": ("Managed Security", recurring, active, month_start(now, 1), end),
        "inactive": ("Managed Security", recurring, config.CONTRACT_INACTIVE, start, end),
        "expired": (
            "Managed Security",
            recurring,
            active,
            start,
            month_start(now) - timedelta(days=1),
        ),
        "block_hours": ("Block Hours", 3, active, start, end),
    }
    return shapes[kind]


def add_contract(
    store: AtStore,
    rng: random.Random,
    company: Record,
    kind: str,
    services: tuple[int, ...],
    devices: int,
    now: datetime,
) -> Record:
    """Insert a contract of a seeded kind with its services and their starting units."""
    suffix, contract_type, status, start, end = _contract_shape(kind, now)
    contract = store.insert(
        "Contracts",
        {
            "companyID": company["id"],
            "contractName": f"{company['companyName']} - {suffix}",
            "contractNumber": None,
            "contractType": contract_type,
            "contractPeriodType": config.MONTHLY,
            "status": status,
            "startDate": at_time(start),
            "endDate": at_time(end),
            "timeReportingRequiresStartAndStopTimes": 0,
            "description": None,
            "isDefaultContract": False,
            "lastModifiedDateTime": at_time(now),
        },
    )
    for service_id in services:
        catalog = store.get("Services", service_id)
        assert catalog is not None
        units = max(1, devices - rng.randint(0, 3)) if service_id == ENDPOINT_SERVICE else 5
        service = new_contract_service(store, contract, catalog, rebuild=False)
        add_units(store, service, start, units, now)
    return contract


def add_units(store: AtStore, service: Record, day: datetime, change: int, now: datetime) -> None:
    """Record an adjustment without the API's checks (seeding, test hooks)."""
    record_adjustment(
        store,
        {
            "contractID": service["contractID"],
            "serviceID": service["serviceID"],
            "contractServiceID": service["id"],
            "effectiveDate": at_time(day),
            "unitChange": change,
            "adjustedUnitPrice": None,
            "adjustedUnitCost": None,
            "allowRepeatService": None,
            "quoteItemID": None,
            "__created": at_time(now),
        },
    )
    rebuild_units(store, service)


def _add_items(
    store: AtStore, rng: random.Random, company: Record, devices: Sequence[Device], now: datetime
) -> None:
    """Insert a configuration item for most of a company's endpoints (reference 3.11)."""
    for device in devices:
        if rng.random() >= CONFIGURATION_SHARE:
            continue
        server = "-SRV-" in device.name
        store.insert(
            "ConfigurationItems",
            {
                "companyID": company["id"],
                "productID": SERVER_PRODUCT if server else WORKSTATION_PRODUCT,
                "isActive": True,
                "configurationItemType": 2 if server else 1,
                "referenceTitle": device.name,
                "referenceNumber": None,
                "serialNumber": f"SN{rng.getrandbits(40):010X}",
                "rmmDeviceAuditHostname": device.name,
                "rmmDeviceAuditIPAddress": device.ip,
                "rmmDeviceAuditMacAddress": _mac(device.mac),
                "rmmDeviceAuditOperatingSystem": device.os,
                "contractID": None,
                "installDate": None,
                "createDate": at_time(now),
                "lastModifiedTime": at_time(now),
                "userDefinedFields": [],
            },
        )


def _mac(raw: str) -> str:
    """Return GravityZone's 12 hex digits as `AA:BB:CC:DD:EE:FF` (upper case)."""
    if len(raw) != 12:
        return raw
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2)).upper()


def _describe(
    store: AtStore,
    plan: list[tuple[str, Source, str]],
    matched: list[tuple[str, Source, str]],
    companies: dict[int, Record],
    cases: dict[int, str],
) -> dict[str, Any]:
    """Return the plan shown by `/_sandbox/state`: matches, special cases, PSA-only."""
    by_gz = {source.company_id: i for i, (_, source, _) in enumerate(matched)}
    rows = []
    for name, source, match in plan:
        index = by_gz.get(source.company_id) if match != "missing" else None
        company = companies[index] if index is not None else None
        rows.append(
            {
                "gravityzone_id": source.company_id,
                "gravityzone_name": source.name,
                "match": match,
                "psa_company_id": company["id"] if company else None,
                "psa_name": name if company else None,
                "case": cases.get(index, "plain") if index is not None else None,
            }
        )
    special = {
        case: {
            "psa_company_id": companies[i]["id"],
            "name": companies[i]["companyName"],
            "gravityzone_id": matched[i][1].company_id,
            "contract_ids": [
                c["id"] for c in store.rows("Contracts") if c["companyID"] == companies[i]["id"]
            ],
        }
        for i, case in cases.items()
    }
    psa_only = [companies[i] for i in sorted(companies) if i >= len(matched)]
    return {
        "companies": rows,
        "cases": special,
        "psa_only": [
            {"id": c["id"], "name": c["companyName"], "isActive": c["isActive"]} for c in psa_only
        ],
        "services": {"endpoint": ENDPOINT_SERVICE, "edr": EDR_SERVICE, "removed": LEGACY_SERVICE},
        "api_resource_id": API_RESOURCE_ID,
    }
