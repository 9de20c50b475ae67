"""In-memory GravityZone world: companies, licences, endpoints and API keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

PARTNER = 0
CUSTOMER = 1
TRIAL, YEARLY, MONTHLY = 1, 2, 3
ALL_SERVICES = ("network", "companies", "licensing", "push", "general")
ENDPOINT_SECURITY, BITDEFENDER_EDR = 0, 3


@dataclass
class Licence:
    """A company's licence (reference 2.6) and the getCompaniesList licenseType (2.1)."""

    license_type: int
    subscription_type: int
    protection_model: str | None = None
    addons: frozenset[str] = frozenset()  # "edr", "ats", "patch"
    additional_product_types: tuple[int, ...] = ()
    expiry: datetime | None = None
    total_slots: int | None = None
    licence_key: str | None = None
    minimum_usage: int = 0
    auto_renew_period: int | None = None

    @property
    def is_monthly(self) -> bool:
        """Return whether usage counters apply (reference 2.7: 0 without a monthly licence)."""
        return self.license_type == MONTHLY


@dataclass
class Company:
    """A partner or customer company (reference 2.2)."""

    id: str
    name: str
    type: int
    parent_id: str | None
    created_at: datetime
    licence: Licence
    group_id: str
    policy_id: str
    address: str = ""
    phone: str = ""
    country: str = "N/A"
    state: str = "N/A"
    industry: int = 0
    contact: dict[str, str] | None = None
    risk_score: dict[str, Any] = field(default_factory=dict)
    suspended: bool = False


@dataclass
class Endpoint:
    """An endpoint; `id` is the API id (= event endpointId), `computer_id` differs (4.2)."""

    id: str
    computer_id: str
    company_id: str
    name: str
    fqdn: str
    ips: list[str]
    macs: list[str]
    machine_type: int
    os: str
    is_managed: bool
    licensed: int
    product_type: int
    first_seen: datetime
    # None while the endpoint keeps syncing: lastSeen is then `now - live_lag`.
    last_seen: datetime | None
    live_lag: timedelta
    hwid: str
    modules: dict[str, bool] = field(default_factory=dict)

    def seen_at(self, now: datetime) -> datetime:
        """Return lastSeen as of `now`."""
        return self.last_seen if self.last_seen is not None else now - self.live_lag

    def active_between(self, start: datetime, end: datetime, now: datetime) -> bool:
        """Return whether the endpoint connected at some point in [start, end)."""
        return self.first_seen < end and self.seen_at(now) >= start and start <= now


@dataclass(frozen=True)
class ApiKey:
    """An API key, its owning company and its enabled services (reference 1.2)."""

    key: str
    company_id: str
    services: frozenset[str]


@dataclass
class World:
    """Everything the API reads; built by `scenario.build_world`."""

    root_id: str
    companies: dict[str, Company] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    main_key: str = ""
    _children: dict[str, list[Company]] = field(default_factory=dict, repr=False)
    _by_company: dict[str, list[Endpoint]] = field(default_factory=dict, repr=False)

    def build_indexes(self) -> None:
        """Index children and endpoints per company (the world is fixed once built)."""
        self._children = {c.id: [] for c in self.companies.values()}
        for company in self.companies.values():
            if company.parent_id is not None:
                self._children[company.parent_id].append(company)
        self._by_company = {c.id: [] for c in self.companies.values()}
        for endpoint in self.endpoints.values():
            self._by_company[endpoint.company_id].append(endpoint)

    def children(self, parent_id: str) -> list[Company]:
        """Return the direct children of a company."""
        return list(self._children.get(parent_id, ()))

    def subtree(self, company_id: str) -> Iterator[Company]:
        """Yield a company and all its descendants, depth first."""
        yield self.companies[company_id]
        for child in self.children(company_id):
            yield from self.subtree(child.id)

    def visible(self, key: ApiKey, company_id: str) -> bool:
        """Return whether the key's company is the company or one of its ancestors."""
        company = self.companies.get(company_id)
        while company is not None:
            if company.id == key.company_id:
                return True
            company = self.companies.get(company.parent_id or "")
        return False

    def endpoints_of(self, company_id: str) -> list[Endpoint]:
        """Return the endpoints that belong directly to a company."""
        return list(self._by_company.get(company_id, ()))

    def company_path(self, company_id: str) -> list[Company]:
        """Return the ancestors of a company, root first (excluding the company)."""
        path: list[Company] = []
        parent = self.companies[company_id].parent_id
        while parent is not None:
            path.insert(0, self.companies[parent])
            parent = self.companies[parent].parent_id
        return path


def install_endpoints(world: World, company_id: str, count: int, now: datetime) -> list[Endpoint]:
    """Add `count` managed, licensed endpoints to a company, first seen `now` and syncing."""
    template = next((e for e in world.endpoints_of(company_id) if e.is_managed), None)
    added: list[Endpoint] = []
    for _ in range(count):
        number = len(world.endpoints_of(company_id)) + len(added) + 1
        code = "".join(ch for ch in world.companies[company_id].name.upper() if ch.isalpha())[:5]
        name = f"{code}-NEW-{number:03d}"
        added.append(
            Endpoint(
                id=secrets.token_hex(12),
                computer_id=secrets.token_hex(12),
                company_id=company_id,
                name=name,
                fqdn=f"{name.lower()}.local",
                ips=[f"10.99.{number // 250}.{number % 250 + 2}"],
                macs=[secrets.token_hex(6)],
                machine_type=1,
                os=template.os if template else "Windows 11 Pro",
                is_managed=True,
                licensed=1,
                product_type=template.product_type if template else ENDPOINT_SECURITY,
                first_seen=now.replace(microsecond=0),
                last_seen=None,
                live_lag=timedelta(seconds=30),
                hwid=secrets.token_hex(16),
                modules=dict(template.modules) if template else {},
            )
        )
    for endpoint in added:
        world.endpoints[endpoint.id] = endpoint
    world.build_indexes()
    return added
