"""The seeded PSA world: names from GravityZone, R4.1 cases, statuses, configurations."""

from __future__ import annotations

import time

from psabridge.sandbox.connectwise import ConnectWiseSimulator, sources_from_gravityzone
from psabridge.sandbox.gravityzone import GravityZoneSimulator
from psabridge.sandbox.runner import Sandbox

from .helpers import CwApi

EXPECTED = {
    "active_only": ["Active"],
    "expired_only": ["Expired"],
    "inactive_only": ["Inactive"],
    "cancelled_only": ["Cancelled"],
    "active_expired": ["Active", "Expired"],
    "expired_inactive_cancelled": ["Cancelled", "Expired", "Inactive"],
    "other_type_only": [],
    "future_bill_start": ["Active"],
    "not_approved": ["Active"],
}


def statuses(cw: CwApi, company: int, type_id: int = 1) -> list[str]:
    rows = cw.ok(cw.get("/finance/agreements", conditions=f"company/id={company}"))
    return sorted(r["agreementStatus"] for r in rows if r["type"]["id"] == type_id)


def test_every_r41_case(cw: CwApi) -> None:
    for case, expected in EXPECTED.items():
        assert statuses(cw, cw.case(case)) == expected, case
    assert statuses(cw, cw.case("other_type_only"), 2) == ["Active"]
    future = cw.ok(
        cw.get("/finance/agreements", conditions=f"company/id={cw.case('future_bill_start')}")
    )[0]
    assert future["billStartDate"] > cw.sandbox("GET", "state")["now"]
    company = cw.ok(cw.get(f"/company/companies/{cw.case('not_approved')}"))
    assert company["status"]["name"] == "Not Approved"


def test_plain_companies_have_one_active_managed_security_agreement(cw: CwApi) -> None:
    plan = cw.sim.store.scenario["companies"]
    plain = [row for row in plan if row["case"] == "plain"]
    assert plain
    for row in plain:
        assert statuses(cw, row["psa_company_id"]) == ["Active"]


def test_names_match_gravityzone_exactly_or_with_variants(cw: CwApi) -> None:
    plan = cw.sim.store.scenario["companies"]
    matches = [row["match"] for row in plan]
    assert {"exact", "variant"} <= set(matches)
    for row in plan:
        if row["match"] == "exact":
            assert row["psa_name"] == row["gravityzone_name"]
        elif row["match"] == "variant":
            assert row["psa_name"] != row["gravityzone_name"]
    psa_only = {c["name"]: c for c in cw.sim.store.scenario["psa_only"]}
    assert psa_only["Contoso Pharmaceuticals"]["status"]["name"] == "Inactive"
    assert [n for n, c in psa_only.items() if c["deleted"]] == ["Globex Corporation"]


def test_configurations_come_from_gravityzone_endpoints(cw: CwApi) -> None:
    world = cw.box.gravityzone.world
    names = {e.name for e in world.endpoints.values()}
    rows = cw.ok(cw.get("/company/configurations", pageSize=1000))
    assert rows and all(r["name"] in names for r in rows)


def test_catalog_and_agreement_types(cw: CwApi) -> None:
    catalog = {r["identifier"]: r for r in cw.ok(cw.get("/procurement/catalog"))}
    assert catalog["GZ-ENDPOINT"]["productClass"] == "NonInventory"
    assert catalog["AV-LEGACY"]["inactiveFlag"] is True
    assert catalog["SEC-BUNDLE"]["productClass"] == "Bundle"


def test_the_scenario_is_deterministic_per_seed() -> None:
    gz = GravityZoneSimulator(companies=12, endpoints=120)
    sources = sources_from_gravityzone(gz.world)
    one = ConnectWiseSimulator(seed=3, sources=sources, clock=gz.clock)
    two = ConnectWiseSimulator(seed=3, sources=sources, clock=gz.clock)
    other = ConnectWiseSimulator(seed=4, sources=sources, clock=gz.clock)
    assert one.store.scenario == two.store.scenario
    assert one.credentials == two.credentials != other.credentials


def test_small_worlds_build() -> None:
    for companies in (0, 1, 3):
        Sandbox(rate_limits=False, companies=companies, endpoints=10)


def test_large_world_builds_fast() -> None:
    started = time.monotonic()
    box = Sandbox(rate_limits=False, companies=2000, endpoints=4000)
    assert time.monotonic() - started < 8
    scenario = box.connectwise.store.scenario
    mapped = [row for row in scenario["companies"] if row["psa_company_id"]]
    assert len(mapped) >= 1850
    active = {
        a["company"]["id"]
        for a in box.connectwise.store.rows("agreements")
        if a["type"]["id"] == 1 and not a.get("cancelledFlag") and not a.get("__stored_status")
    }
    plain = [row for row in mapped if row["case"] == "plain"]
    assert all(row["psa_company_id"] in active for row in plain)
    assert len(box.automate.clients) >= 1850
