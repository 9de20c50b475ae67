"""The seeded world: GravityZone companies, contracts with the awkward cases, devices."""

from __future__ import annotations

from psabridge.sandbox.autotask import AutotaskSimulator, sources_from_gravityzone
from psabridge.sandbox.autotask.store import AtStore
from psabridge.sandbox.gravityzone import GravityZoneSimulator

from .helpers import ALL, AtApi


def _contracts(at: AtApi, case: str) -> list[dict[str, object]]:
    company = at.case(case)["psa_company_id"]
    return at.query("Contracts", {"op": "eq", "field": "companyID", "value": company})


def _recurring_active(at: AtApi, case: str) -> list[dict[str, object]]:
    return [c for c in _contracts(at, case) if c["contractType"] == 7 and c["status"] == 1]


def test_companies_follow_gravityzone(at: AtApi) -> None:
    scenario = at.sim.store.scenario
    names = {c["companyName"] for c in at.query("Companies", ALL)}
    exact = [row for row in scenario["companies"] if row["match"] == "exact"]
    assert exact and all(row["gravityzone_name"] in names for row in exact)
    missing = [row for row in scenario["companies"] if row["match"] == "missing"]
    assert missing and all(row["psa_company_id"] is None for row in missing)
    variants = [row for row in scenario["companies"] if row["match"] == "variant"]
    assert all(row["psa_name"] != row["gravityzone_name"] for row in variants)
    assert {"Northwind Traders", "Contoso Pharmaceuticals", "Bluewave IT"} <= names


def test_awkward_contract_cases(at: AtApi) -> None:
    assert _contracts(at, "no_contract") == []
    assert len(_recurring_active(at, "two_contracts")) == 2
    future = _recurring_active(at, "future_contract")
    assert len(future) == 1 and str(future[0]["startDate"]) > at.sandbox("GET", "state")["now"]
    inactive = at.item("Companies", at.case("inactive_company")["psa_company_id"])
    assert inactive["isActive"] is False and _recurring_active(at, "inactive_company")
    assert [c["status"] for c in _contracts(at, "inactive_contract")] == [0]
    assert [c["contractType"] for c in _contracts(at, "block_hours_only")] == [3]
    expired = _contracts(at, "expired_contract")[0]
    assert str(expired["endDate"]) < at.sandbox("GET", "state")["now"]


def test_removed_service_is_on_a_contract(at: AtApi) -> None:
    assert at.item("Services", 4)["isActive"] is False
    contract = at.case("removed_service")["contract_ids"][0]
    lines = at.query("ContractServices", {"op": "eq", "field": "contractID", "value": contract})
    assert sorted(line["serviceID"] for line in lines) == [1, 4]


def test_plain_companies_have_one_recurring_contract_with_endpoint_units(at: AtApi) -> None:
    plain = [r for r in at.sim.store.scenario["companies"] if r["case"] == "plain"]
    assert plain
    company = plain[0]["psa_company_id"]
    contracts = at.query("Contracts", {"op": "eq", "field": "companyID", "value": company})
    assert [(c["contractType"], c["status"]) for c in contracts] == [(7, 1)]
    units = at.query(
        "ContractServiceUnits",
        {"op": "eq", "field": "contractID", "value": contracts[0]["id"]},
        {"op": "lte", "field": "startDate", "value": at.sandbox("GET", "state")["now"]},
        {"op": "gte", "field": "endDate", "value": at.sandbox("GET", "state")["now"][:10]},
    )
    assert len(units) == 1 and units[0]["units"] >= 1 and units[0]["serviceID"] == 1


def test_configuration_items_for_endpoints(at: AtApi) -> None:
    items = at.query("ConfigurationItems", ALL)
    assert len(items) > 100
    item = items[0]
    assert item["referenceTitle"] == item["rmmDeviceAuditHostname"]
    assert item["configurationItemType"] in (1, 2) and item["isActive"] is True
    mac = item["rmmDeviceAuditMacAddress"]
    assert len(mac) == 17 and mac.count(":") == 5


def test_same_seed_same_world() -> None:
    sources = sources_from_gravityzone(GravityZoneSimulator(seed=3, companies=12).world)
    first = AutotaskSimulator(seed=3, sources=sources).store
    second = AutotaskSimulator(seed=3, sources=sources).store

    def names(store: AtStore) -> list[tuple[object, ...]]:
        return [(c["id"], c["companyName"], c["isActive"]) for c in store.rows("Companies")]

    assert names(first) == names(second)
    assert first.scenario == second.scenario
    assert len(first.scenario["cases"]) == 8
