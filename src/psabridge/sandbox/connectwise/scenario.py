"""Seeded PSA world built from the GravityZone one: companies, agreements, configurations."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..gravityzone.state import CUSTOMER
from ..halopsa.scenario import vary_name
from . import config
from .agreements import new_agreement
from .store import CwStore, Record
from .values import cw_time, month_start

if TYPE_CHECKING:
    from ..gravityzone.state import World

EXACT_SHARE, VARIANT_SHARE = 0.70, 0.25  # the rest of the GZ companies are missing in the PSA
CONFIGURATION_SHARE = 0.9
FIRST_COMPANY_ID = 250
OWNER = "Bluewave IT"
# name, status, deleted, has an Automate client
PSA_ONLY = (
    ("Northwind Traders", config.STATUS_ACTIVE, False, False),
    ("Contoso Pharmaceuticals", config.STATUS_INACTIVE, False, True),
    ("Tailspin Toys", config.STATUS_ACTIVE, False, True),
    ("Globex Corporation", config.STATUS_ACTIVE, True, False),
)
# The R4.1 cases (agreement statuses of type Managed Security), then the Not Approved company.
CASES: dict[str, tuple[str, ...]] = {
    "active_only": ("Active",),
    "expired_only": ("Expired",),
    "inactive_only": ("Inactive",),
    "cancelled_only": ("Cancelled",),
    "active_expired": ("Active", "Expired"),
    "expired_inactive_cancelled": ("Expired", "Inactive", "Cancelled"),
    "other_type_only": ("Other",),
    "future_bill_start": ("FutureBill",),
    "not_approved": ("Active",),
}


@dataclass(frozen=True)
class Device:
    """A GravityZone endpoint a configuration is made from."""

    name: str
    ip: str
    mac: str
    os: str


@dataclass(frozen=True)
class Source:
    """A GravityZone customer company and its endpoints."""

    company_id: str
    name: str
    devices: tuple[Device, ...]


def sources_from_gravityzone(world: World) -> list[Source]:
    """Return the GravityZone customer companies with their endpoints, in world order."""
    return [
        Source(
            company.id,
            company.name,
            tuple(
                Device(e.name, e.ips[0] if e.ips else "", e.macs[0] if e.macs else "", e.os)
                for e in world.endpoints_of(company.id)
            ),
        )
        for company in world.companies.values()
        if company.type == CUSTOMER
    ]


def build_store(seed: int, sources: Sequence[Source], now: datetime) -> CwStore:
    """Return a fresh store: configuration, companies, agreements, configurations."""
    rng = random.Random(f"connectwise:{seed}")
    store = CwStore()
    config.install(store)
    store.start_ids_at("companies", FIRST_COMPANY_ID)
    plan = _plan(rng, sources)
    add_company(store, OWNER, now, identifier="Bluewave")
    matched = [(name, source, match) for name, source, match in plan if match != "missing"]
    order = list(range(len(matched) + len(PSA_ONLY)))
    rng.shuffle(order)
    companies: dict[int, Record] = {}
    for index in order:
        if index < len(matched):
            companies[index] = add_company(store, matched[index][0], now)
        else:
            name, status, deleted, _ = PSA_ONLY[index - len(matched)]
            companies[index] = add_company(store, name, now, status=status, deleted=deleted)
    cases = _assign_cases(matched)
    for index, (_, source, _) in enumerate(matched):
        company = companies[index]
        case = cases.get(index, "plain")
        if case == "not_approved":
            set_company_status(store, company, config.STATUS_NOT_APPROVED)
        _add_agreements(store, company, CASES.get(case, ("Active",)), now)
        _add_configurations(store, rng, company, source.devices)
    store.scenario = _describe(plan, matched, companies, cases)
    _seed_addition(store, store.scenario, now)
    store.start_ids_at("tickets", 5001)
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


def _assign_cases(matched: list[tuple[str, Source, str]]) -> dict[int, str]:
    """Give the special cases to the first matched companies, exact names first."""
    exact = [i for i, (_, _, match) in enumerate(matched) if match == "exact"]
    variant = [i for i, (_, _, match) in enumerate(matched) if match != "exact"]
    return dict(zip(exact + variant, CASES, strict=False))


def identifier_for(store: CwStore, name: str) -> str:
    """Return a unique company identifier (≤30) made of the name's letters and digits."""
    stem = re.sub(r"[^A-Za-z0-9]", "", name)[:25] or "Company"
    candidate, serial = stem, 1
    taken = {c["identifier"].lower() for c in store.tables["companies"].values()}
    while candidate.lower() in taken:
        serial += 1
        candidate = f"{stem}{serial}"
    return candidate


def add_company(
    store: CwStore,
    name: str,
    now: datetime,
    *,
    identifier: str | None = None,
    status: int = config.STATUS_ACTIVE,
    deleted: bool = False,
) -> Record:
    """Insert a company (reference 3.2) and return it."""
    stamp = cw_time(now)
    company = store.insert(
        "companies",
        {
            "identifier": identifier or identifier_for(store, name),
            "name": name,
            "status": None,
            "types": [{"id": 1, "name": "Client"}],
            "addressLine1": "1 Main Street",
            "city": "Springfield",
            "deletedFlag": deleted,
            "dateDeleted": stamp if deleted else None,
            "deletedBy": "admin" if deleted else None,
            "customFields": [],
            "_info": {"lastUpdated": stamp, "dateEntered": stamp, "enteredBy": "admin"},
        },
    )
    set_company_status(store, company, status)
    return company


def set_company_status(store: CwStore, company: Record, status_id: int) -> None:
    """Point a company at a status (a `{id, name}` reference)."""
    status = store.get("company_statuses", status_id)
    assert status is not None
    company["status"] = {"id": status["id"], "name": status["name"]}


def _add_agreements(store: CwStore, company: Record, kinds: tuple[str, ...], now: datetime) -> None:
    for kind in kinds:
        new_agreement(store, company, kind, now)


def _add_configurations(
    store: CwStore, rng: random.Random, company: Record, devices: Sequence[Device]
) -> None:
    """Insert a configuration for most of a company's endpoints (contract: configurations)."""
    ref = {k: company[k] for k in ("id", "identifier", "name")}
    for device in devices:
        if rng.random() >= CONFIGURATION_SHARE:
            continue
        server = "-SRV-" in device.name
        store.insert(
            "configurations",
            {
                "name": device.name,
                "type": {"id": 2 if server else 1, "name": "Server" if server else "Workstation"},
                "status": {"id": 1, "name": "Active"},
                "company": dict(ref),
                "deviceIdentifier": device.name,
                "ipAddress": device.ip,
                "macAddress": _mac(device.mac),
                "serialNumber": f"SN{rng.getrandbits(40):010X}",
                "tagNumber": "",
                "osType": device.os,
                "activeFlag": True,
            },
        )


def _mac(raw: str) -> str:
    """Return GravityZone's 12 hex digits as PSA's `AA:BB:CC:DD:EE:FF` (upper case)."""
    if len(raw) != 12:
        return raw
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2)).upper()


def _describe(
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
            "name": companies[i]["name"],
            "gravityzone_id": matched[i][1].company_id,
        }
        for i, case in cases.items()
    }
    psa_only = [companies[i] for i in sorted(companies) if i >= len(matched)]
    return {
        "companies": rows,
        "cases": special,
        "psa_only": [
            {"id": c["id"], "name": c["name"], "deleted": c["deletedFlag"], "status": c["status"]}
            for c in psa_only
        ],
        "automate": _automate_plan(rows, psa_only),
    }


def _automate_plan(rows: list[dict[str, Any]], psa_only: list[Record]) -> dict[str, Any]:
    """Return the Automate clients to seed: (name, ExternalId) with one unlinked, one moved."""
    mapped = [r for r in rows if r["psa_company_id"]]
    clients = [{"name": r["psa_name"], "external_id": r["psa_company_id"]} for r in mapped]
    clients += [
        {"name": c["name"], "external_id": c["id"]} for c in psa_only if _has_client(c["name"])
    ]
    plain = [i for i, r in enumerate(mapped) if r["case"] == "plain"]
    target = next((c for c in psa_only if c["name"] == PSA_ONLY[0][0]), None)
    unlinked: str | None = None
    mislinked: dict[str, Any] | None = None
    if plain:
        clients[plain[0]]["external_id"] = 0
        unlinked = clients[plain[0]]["name"]
    if len(plain) > 1 and target is not None:
        clients[plain[1]]["external_id"] = target["id"]
        mislinked = {"name": clients[plain[1]]["name"], "external_id": target["id"]}
    return {"clients": clients, "unlinked": unlinked, "mislinked": mislinked}


def _has_client(name: str) -> bool:
    return any(n == name and has for n, _, _, has in PSA_ONLY)


def _seed_addition(store: CwStore, scenario: dict[str, Any], now: datetime) -> None:
    """Give the `active_only` company's agreement one MS-DEVICE addition (a neighbour line)."""
    case = scenario["cases"].get("active_only")
    if case is None:
        return
    agreement = store.find("agreements", "name", f"{case['name']} - Managed Security")
    if agreement is None:
        return
    store.insert(
        "additions",
        {
            "agreementId": agreement["id"],
            "product": {"id": 3, "identifier": "MS-DEVICE", "serializedFlag": False},
            "billCustomer": "Billable",
            "quantity": 10.0,
            "lessIncluded": 0.0,
            "unitPrice": 12.0,
            "unitCost": 0.0,
            "effectiveDate": cw_time(month_start(now, -6)),
            "cancelledDate": None,
            "description": "Managed services - per device",
            "invoiceDescription": "Managed services - per device",
            "taxableFlag": True,
            "sequenceNumber": 1.0,
            "uom": "Each",
            "serialNumber": "",
            "_info": {"lastUpdated": cw_time(now - timedelta(days=30))},
        },
    )
