"""Seeded GravityZone world: partner tree, customer companies, licences and endpoints."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .state import (
    ALL_SERVICES,
    BITDEFENDER_EDR,
    CUSTOMER,
    ENDPOINT_SECURITY,
    MONTHLY,
    PARTNER,
    TRIAL,
    YEARLY,
    ApiKey,
    Company,
    Endpoint,
    Licence,
    World,
)

ROOT_NAME = "Bluewave IT Services Ltd"
RESELLER_NAME = "Kestrel Reseller GmbH"
RESELLER_CUSTOMERS = 3
NAME_STEMS = (
    "Acme", "Birchwood", "Cobalt", "Dunmore", "Evergreen", "Fairview", "Granite", "Harbor",
    "Ironbridge", "Juniper", "Kingsley", "Lakeside", "Meridian", "Northgate", "Oakridge",
    "Pinecrest", "Quarry", "Riverside", "Summit", "Thornbury", "Upland", "Valley", "Westfield",
    "Yardley", "Zenith", "Ashford", "Brookline", "Crestview", "Driftwood", "Elmstead",
)  # fmt: skip
NAME_TRADES = (
    "Dental", "Logistics", "Legal", "Engineering", "Bakery", "Accounting", "Clinic", "Motors",
    "Architects", "Foods", "Insurance", "Consulting", "Hotels", "Printing", "Pharmacy",
)  # fmt: skip
NAME_SUFFIXES = ("Ltd", "LLC", "GmbH", "Inc", "", "& Co", "Ltd.", "Group")
OPERATING_SYSTEMS = (
    "Windows 11 Pro", "Windows 10 Enterprise", "Windows 11 Enterprise",
    "Windows Server 2022 Standard", "macOS Sonoma", "Ubuntu 22.04.4 LTS",
)  # fmt: skip
PROTECTION_MODELS = ("mspSecure", "mspSecurePlus", "mspSecureExtra")
COUNTRIES = ("GB", "US", "DE", "NL", "IE", "N/A")


def build_world(*, seed: int, companies: int, endpoints: int, now: datetime) -> World:
    """Return a deterministic world for the seed (absolute times are relative to `now`)."""
    builder = _Builder(random.Random(seed), now)
    root = builder.company(ROOT_NAME, PARTNER, None, _partner_licence())
    world = World(root_id=root.id)
    world.companies[root.id] = root
    reseller = builder.company(RESELLER_NAME, PARTNER, root.id, _partner_licence())
    world.companies[reseller.id] = reseller
    customers = builder.customers(companies, root.id, reseller.id)
    for company in customers:
        world.companies[company.id] = company
    for endpoint in builder.endpoints(customers, endpoints):
        world.endpoints[endpoint.id] = endpoint
    world.main_key = builder.hex_id() + builder.hex_id()[:8]
    world.keys[world.main_key] = ApiKey(world.main_key, root.id, frozenset(ALL_SERVICES))
    world.build_indexes()
    return world


def _partner_licence() -> Licence:
    # The MSP's own licence holds every add-on its customers can be given (R5.3 reads it).
    return Licence(MONTHLY, 3, "mspSecurePlus", frozenset({"edr", "ats", "patch"}))


class _Builder:
    """Draw ids, names, licences and endpoints from one seeded random stream."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.ids: set[str] = set()
        self.names: set[str] = set()

    def hex_id(self) -> str:
        """Return a fresh 24-character lowercase hex id (reference 4.2)."""
        while True:
            value = f"{self.rng.getrandbits(96):024x}"
            if value not in self.ids:
                self.ids.add(value)
                return value

    def company(self, name: str, kind: int, parent: str | None, licence: Licence) -> Company:
        """Return a company with contact details (contact only on partners, reference 2.2)."""
        created = self.now - timedelta(days=self.rng.randint(200, 2400))
        slug = name.split()[0].lower()
        contact = None
        if kind == PARTNER:
            contact = {
                "fullName": "Alex Morgan",
                "email": f"alex.morgan@{slug}.example",
                "phoneNumber": "+44 20 7946 0000",
                "companyRole": "Owner",
            }
        return Company(
            id=self.hex_id(),
            name=name,
            type=kind,
            parent_id=parent,
            created_at=created.replace(microsecond=0),
            licence=licence,
            group_id=self.hex_id(),
            policy_id=self.hex_id(),
            address=f"{self.rng.randint(1, 220)} High Street",
            phone=f"+44 1632 {self.rng.randint(100000, 999999)}",
            country=self.rng.choice(COUNTRIES),
            industry=self.rng.randint(1, 40),
            contact=contact,
            risk_score=self.risk_score(),
        )

    def risk_score(self) -> dict[str, object]:
        """Return the 77211 riskScore object (reference 2.2)."""
        parts = [self.rng.randint(0, 40) for _ in range(3)]
        return {
            "value": f"{sum(parts) // 3}%",
            "impact": self.rng.choice(("Low", "Medium", "High")),
            "misconfigurations": f"{parts[0]}%",
            "appVulnerabilities": f"{parts[1]}%",
            "humanRisks": f"{parts[2]}%",
            "industryModifier": f"{self.rng.randint(0, 20)}%",
        }

    def customer_name(self) -> str:
        """Return a unique realistic company name, some with Ltd/LLC/GmbH/Inc."""
        while True:
            parts = [self.rng.choice(NAME_STEMS), self.rng.choice(NAME_TRADES)]
            suffix = self.rng.choice(NAME_SUFFIXES)
            name = " ".join([*parts, suffix]).strip()
            if name not in self.names:
                self.names.add(name)
                return name

    def customers(self, count: int, root_id: str, reseller_id: str) -> list[Company]:
        """Return the customer companies: a few under the reseller, the rest under the root."""
        result = []
        for index in range(count):
            parent = reseller_id if index < min(RESELLER_CUSTOMERS, count - 1) else root_id
            licence = self.licence(index)
            result.append(self.company(self.customer_name(), CUSTOMER, parent, licence))
        return result

    def licence(self, index: int) -> Licence:
        """Return the licence of the index-th customer: one trial, ~20% yearly, rest monthly."""
        if index == 1:
            expiry = (self.now + timedelta(days=21)).replace(microsecond=0)
            return Licence(TRIAL, 1, None, expiry=expiry, total_slots=25, licence_key="TRIAL01")
        if index % 5 == 3:
            expiry = (self.now + timedelta(days=self.rng.randint(30, 330))).replace(microsecond=0)
            key = "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
            slots = self.rng.choice((25, 50, 100))
            return Licence(YEARLY, 2, None, frozenset(), (), expiry, slots, key, 0, 12)
        addons = {
            name
            for name, p in (("edr", 0.35), ("ats", 0.25), ("patch", 0.3))
            if self.rng.random() < p
        }
        extra = (BITDEFENDER_EDR,) if index == 4 else ()
        model = self.rng.choice(PROTECTION_MODELS)
        minimum = self.rng.choice((0, 0, 5, 10))
        return Licence(MONTHLY, 3, model, frozenset(addons), extra, minimum_usage=minimum)

    def endpoints(self, customers: list[Company], total: int) -> list[Endpoint]:
        """Return `total` endpoints spread unevenly over the customers."""
        if not customers:
            return []
        weights = [self.rng.lognormvariate(0, 0.8) for _ in customers]
        picks = self.rng.choices(customers, weights=weights, k=total)
        counters: dict[str, int] = {}
        result = []
        for company in picks:
            counters[company.id] = counters.get(company.id, 0) + 1
            result.append(self.endpoint(company, counters[company.id]))
        return result

    def endpoint(self, company: Company, number: int) -> Endpoint:
        """Return one endpoint with a realistic lastSeen history."""
        rng = self.rng
        server = rng.random() < 0.12
        code = "".join(ch for ch in company.name.upper() if ch.isalpha())[:5]
        name = f"{code}-{'SRV' if server else rng.choice(('WS', 'LT'))}-{number:03d}"
        domain = company.name.split()[0].lower() + ".local"
        ips = [f"10.{rng.randint(0, 254)}.{rng.randint(0, 254)}.{rng.randint(2, 254)}"]
        if rng.random() < 0.15:
            ips.append(f"192.168.{rng.randint(0, 254)}.{rng.randint(2, 254)}")
        managed = rng.random() >= 0.04
        first_seen, last_seen = self.history()
        product_type = ENDPOINT_SECURITY
        if BITDEFENDER_EDR in company.licence.additional_product_types and rng.random() < 0.3:
            product_type = BITDEFENDER_EDR
        return Endpoint(
            id=self.hex_id(),
            computer_id=self.hex_id(),
            company_id=company.id,
            name=name,
            fqdn=f"{name.lower()}.{domain}",
            ips=ips,
            macs=[f"{rng.getrandbits(48):012x}"],
            machine_type=2 if server and rng.random() < 0.5 else 1,
            os=OPERATING_SYSTEMS[3]
            if server
            else rng.choice(OPERATING_SYSTEMS[:3] + OPERATING_SYSTEMS[4:]),
            is_managed=managed,
            licensed=self.licensed_state() if managed else 6,
            product_type=product_type,
            first_seen=first_seen,
            last_seen=last_seen,
            live_lag=timedelta(seconds=rng.randint(5, 3 * 3600)),
            hwid=self.hex_id() + "-" + f"{rng.getrandbits(32):08x}",
            modules=self.modules(company),
        )

    def history(self) -> tuple[datetime, datetime | None]:
        """Return (first_seen, last_seen); last_seen None means still syncing."""
        roll = self.rng.random()
        if roll < 0.70:
            last: datetime | None = None
            anchor = self.now
        elif roll < 0.85:
            anchor = self.now - timedelta(hours=self.rng.randint(24, 6 * 24))
            last = anchor
        elif roll < 0.93:
            anchor = self.now - timedelta(days=self.rng.randint(7, 28))
            last = anchor
        else:
            anchor = self.now - timedelta(days=self.rng.randint(35, 150))
            last = anchor
        if self.rng.random() < 0.06:
            first = anchor - timedelta(hours=self.rng.randint(1, 72))
        else:
            first = anchor - timedelta(days=self.rng.randint(30, 900))
        if last is not None:
            last = last.replace(microsecond=0)
        return first.replace(microsecond=0), last

    def licensed_state(self) -> int:
        """Return agent.licensed: mostly 1 (active), a few 0, 2 or 6 (reference 2.4)."""
        roll = self.rng.random()
        if roll < 0.94:
            return 1
        return 0 if roll < 0.96 else (2 if roll < 0.98 else 6)

    def modules(self, company: Company) -> dict[str, bool]:
        """Return the per-endpoint module flags, following the company add-ons (2.4, 2.6)."""
        addons = company.licence.addons
        return {
            "advancedThreatControl": True,
            "antimalware": True,
            "contentControl": True,
            "deviceControl": self.rng.random() < 0.5,
            "firewall": True,
            "powerUser": False,
            "encryption": False,
            "edrSensor": "edr" in addons,
            "hyperDetect": "ats" in addons,
            "sandboxAnalyzer": "ats" in addons,
            "advancedAntiExploit": True,
            "networkAttackDefense": True,
            "antiphishing": True,
            "trafficScan": True,
            "patchManagement": "patch" in addons,
            "ransomwareMitigation": True,
        }
