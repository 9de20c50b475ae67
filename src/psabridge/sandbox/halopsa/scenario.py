"""Seeded Halo world: clients named after the GravityZone companies (exact, varied, missing)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..gravityzone.state import CUSTOMER
from . import catalog
from .billing import new_invoice
from .params import halo_time
from .store import HaloStore, Record

if TYPE_CHECKING:
    from ..gravityzone.state import World

EXACT_SHARE, VARIANT_SHARE = 0.60, 0.25  # the rest of the GZ companies are missing in Halo
ASSET_SHARE = 0.85
INTERNAL_CLIENT = "Bluewave IT (Internal)"
HALO_ONLY = ("Northwind Traders", "Contoso Pharmaceuticals", "Globex Corporation")
INACTIVE_CLIENT = "Initech Ltd"
SUFFIX_SWAPS = {
    "Ltd": "Limited",
    "Ltd.": "Ltd",
    "LLC": "L.L.C.",
    "GmbH": "G.m.b.H.",
    "Inc": "Inc.",
    "Group": "Group Ltd",
    "& Co": "and Co",
}
FIRST_TICKET_ID = 1001


@dataclass(frozen=True)
class SourceDevice:
    """A GravityZone endpoint a Halo asset is made from."""

    name: str
    ip: str
    mac: str
    fqdn: str


@dataclass(frozen=True)
class SourceCompany:
    """A GravityZone customer company and its endpoints."""

    name: str
    devices: tuple[SourceDevice, ...]
    company_id: str = ""  # the GravityZone company id, shown in the scenario plan


@dataclass(frozen=True)
class Credentials:
    """The tenant and the main API application's client id and secret."""

    tenant: str
    client_id: str
    client_secret: str


def sources_from_gravityzone(world: World) -> list[SourceCompany]:
    """Return the GravityZone customer companies with their endpoints, in world order."""
    return [
        SourceCompany(
            company.name,
            tuple(
                SourceDevice(e.name, e.ips[0], e.macs[0], e.fqdn)
                for e in world.endpoints_of(company.id)
            ),
            company.id,
        )
        for company in world.companies.values()
        if company.type == CUSTOMER
    ]


def credentials(seed: int) -> Credentials:
    """Return the seed's tenant and main app credentials (GUID-like, as Halo shows them)."""
    rng = random.Random(f"halopsa-credentials:{seed}")
    client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    secret = "-".join(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(2))
    return Credentials("bluewave", client_id, secret)


def build_store(seed: int, sources: Sequence[SourceCompany], now: datetime) -> HaloStore:
    """Return a fresh store: fixed configuration, clients, sites, assets, one invoice."""
    rng = random.Random(f"halopsa:{seed}")
    store = HaloStore()
    catalog.install(store)
    stamp = halo_time(now)
    add_client(store, INTERNAL_CLIENT, stamp)
    plan = _plan_clients(rng, sources)
    clients: list[tuple[str, SourceCompany | None, bool]] = [
        (name, source, False) for name, source, match in plan if match != "missing"
    ]
    clients += [(name, None, False) for name in HALO_ONLY] + [(INACTIVE_CLIENT, None, True)]
    rng.shuffle(clients)
    for index, (name, source, inactive) in enumerate(clients):
        client = add_client(store, name, stamp, inactive=inactive, branch=index % 5 == 4)
        if source is not None:
            _add_assets(store, rng, client, source.devices)
    store.scenario = _describe(store, plan)
    _add_invoice(store, [name for name, _, match in plan if match != "missing"], stamp)
    store.start_ids_at("tickets", FIRST_TICKET_ID)
    return store


def _plan_clients(
    rng: random.Random, sources: Sequence[SourceCompany]
) -> list[tuple[str, SourceCompany, str]]:
    """Return (Halo name, source, match) per GZ company: ~60% exact, ~25% varied, rest missing."""
    order = list(range(len(sources)))
    rng.shuffle(order)
    exact = round(len(sources) * EXACT_SHARE)
    varied = round(len(sources) * VARIANT_SHARE)
    plan: dict[int, tuple[str, SourceCompany, str]] = {}
    for rank, index in enumerate(order):
        source = sources[index]
        if rank < exact:
            plan[index] = (source.name, source, "exact")
        elif rank < exact + varied:
            plan[index] = (vary_name(rng, source.name), source, "variant")
        else:
            plan[index] = (source.name, source, "missing")
    return [plan[i] for i in sorted(plan)]


def _describe(store: HaloStore, plan: list[tuple[str, SourceCompany, str]]) -> dict[str, Any]:
    """Return the name-matching plan shown by `/_sandbox/state` (for tests and the demo)."""
    matches = []
    for name, source, match in plan:
        client = None if match == "missing" else store.by_name("clients", name)
        matches.append(
            {
                "gravityzone_id": source.company_id,
                "gravityzone_name": source.name,
                "match": match,
                "halo_client_id": None if client is None else client["id"],
                "halo_name": None if client is None else client["name"],
            }
        )
    halo_only = [
        store.by_name("clients", n) for n in (INTERNAL_CLIENT, *HALO_ONLY, INACTIVE_CLIENT)
    ]
    return {
        "companies": matches,
        "halo_only": [{k: c[k] for k in ("id", "name", "inactive")} for c in halo_only if c],
    }


def vary_name(rng: random.Random, name: str) -> str:
    """Return a near match of a company name: another suffix, upper case, punctuation."""
    words = name.split()
    stem = " ".join(w for w in words if w not in SUFFIX_SWAPS)
    suffix = " ".join(w for w in words if w in SUFFIX_SWAPS) or name[len(stem) :].strip()
    candidates = [
        f"{stem} {SUFFIX_SWAPS.get(suffix, 'Ltd')}",  # "Acme Dental Ltd" -> "... Limited"
        f"{stem.upper()}, {suffix.upper() or 'LLC'}",  # "ACME DENTAL, LLC"
        name.lower(),
        f"{stem.replace(' ', '-')} {suffix}".strip(),
        name.rstrip(".") + ".",
    ]
    choices = [c for c in candidates if c != name]
    return rng.choice(choices)


def add_client(
    store: HaloStore, name: str, stamp: str, *, inactive: bool = False, branch: bool = False
) -> Record:
    """Insert a client with its main site (and maybe a branch site); return the client."""
    client = store.insert(
        "clients",
        {
            "name": name,
            "toplevel_id": 1,
            "toplevel_name": "Clients",
            "inactive": inactive,
            "main_site_id": None,
            "main_site_name": "Main",
            "ref": "",
            "is_vip": False,
            "datecreated": stamp,
        },
    )
    main = add_site(store, client, "Main")
    client["main_site_id"] = main["id"]
    if branch:
        add_site(store, client, "Branch Office")
    return client


def add_site(store: HaloStore, client: Record, name: str) -> Record:
    """Insert a site; `client_id` is a double (reference 3.1 quirk)."""
    return store.insert(
        "sites",
        {
            "name": name,
            "client_id": float(client["id"]),
            "client_name": client["name"],
            "clientsite_name": f"{client['name']} - {name}",
            "inactive": False,
            "sla_id": 0,
            "phonenumber": "",
            "timezone": "GMT Standard Time",
            "isinvoicesite": name == "Main",
            "maincontact_id": 0,
        },
    )


def _add_assets(
    store: HaloStore, rng: random.Random, client: Record, devices: Iterable[SourceDevice]
) -> None:
    """Insert `Device` assets for most of a client's endpoints (contract: key_field* meanings)."""
    for device in devices:
        if rng.random() >= ASSET_SHARE:
            continue
        type_id, type_name = _asset_type(device.name)
        store.insert(
            "assets",
            {
                "inventory_number": device.name,
                "key_field": device.ip,
                "key_field2": device.mac,
                "key_field3": _fqdn_variant(rng, device),
                "client_id": client["id"],
                "client_name": client["name"],
                "site_id": client["main_site_id"],
                "site_name": "Main",
                "assettype_id": type_id,
                "assettype_name": type_name,
                "inactive": rng.random() < 0.03,
            },
        )


def _fqdn_variant(rng: random.Random, device: SourceDevice) -> str | None:
    """Return key_field3: the FQDN, upper-cased, the bare host name, or nothing."""
    roll = rng.random()
    if roll < 0.60:
        return device.fqdn
    if roll < 0.75:
        return device.fqdn.upper()  # case-sensitivity modes
    if roll < 0.90:
        return device.fqdn.split(".")[0]  # contained in the GZ FQDN
    return None


def _asset_type(device_name: str) -> tuple[int, str]:
    if "-SRV-" in device_name:
        return 2, "Server"
    return (3, "Laptop") if "-LT-" in device_name else (1, "Workstation")


def _add_invoice(store: HaloStore, mapped_names: list[str], stamp: str) -> None:
    """Insert one recurring invoice for the first mapped client (reference 6.2, 6.3)."""
    client = store.by_name("clients", (mapped_names or [INTERNAL_CLIENT])[0])
    assert client is not None
    new_invoice(
        store,
        {
            "client_id": client["id"],
            "reference": "Monthly security services",
            "lines": [{"_itemid": 1, "qty_order": 20}, {"_itemid": 4, "qty_order": 20}],
        },
        stamp,
    )
