"""Inspection actions over HTTP (and their Python twins) change what the API shows."""

from __future__ import annotations

from .helpers import CwApi


def test_state_lists_tickets_agreements_additions_and_plan(cw: CwApi) -> None:
    state = cw.sandbox("GET", "state")
    assert {"now", "tickets", "agreements", "additions", "companies", "counts", "scenario"} <= (
        state.keys()
    )
    assert state["counts"]["agreement_types"] == 3
    assert set(state["scenario"]["cases"]) >= {"active_only", "not_approved"}


def test_set_company_status(cw: CwApi) -> None:
    company = cw.case("active_only")
    answer = cw.sandbox(
        "POST", "companies/status", {"company_id": company, "status": "Not Approved"}
    )
    assert answer["status"]["name"] == "Not Approved"
    assert cw.ok(cw.get(f"/company/companies/{company}"))["status"]["id"] == 3
    assert "error" in cw.sandbox("POST", "companies/status", {"company_id": 1, "status": 1})


def test_soft_delete_company(cw: CwApi) -> None:
    company = cw.case("active_only")
    assert cw.sandbox("POST", "companies/delete", {"company_id": company})["deletedFlag"] is True
    ids = [c["id"] for c in cw.ok(cw.get("/company/companies", pageSize=1000))]
    assert company not in ids


def test_create_company(cw: CwApi) -> None:
    created = cw.sandbox("POST", "companies", {"name": "Fabrikam Inc", "status": "Inactive"})
    found = cw.ok(cw.get("/company/companies", conditions='name="Fabrikam Inc"'))
    assert [c["id"] for c in found] == [created["id"]]
    assert found[0]["identifier"] == "FabrikamInc" and found[0]["status"]["name"] == "Inactive"
    assert "error" in cw.sandbox("POST", "companies", {"name": ""})


def test_remove_product_inactivate_or_delete(cw: CwApi) -> None:
    cw.sandbox("POST", "catalog/remove", {"product": "GZ-ENDPOINT"})
    assert cw.ok(cw.get("/procurement/catalog/1"))["inactiveFlag"] is True
    cw.sandbox("POST", "catalog/remove", {"product": 1, "mode": "delete"})
    assert cw.get("/procurement/catalog/1").status_code == 404
    assert "error" in cw.sandbox("POST", "catalog/remove", {"product": 2, "mode": "burn"})


def test_delete_agreement_type(cw: CwApi) -> None:
    cw.sandbox("POST", "agreement-types/delete", {"type": "Managed Security"})
    names = [t["name"] for t in cw.ok(cw.get("/finance/agreements/types"))]
    assert "Managed Security" not in names
    agreements = cw.ok(cw.get("/finance/agreements", conditions="type/id=1"))
    assert agreements  # agreements keep their reference


def test_remove_priority_and_default(cw: CwApi) -> None:
    cw.sandbox("POST", "priorities/remove", {"priority": "Priority 3 - Normal Response"})
    rows = cw.ok(cw.get("/service/priorities"))
    assert not any(r["defaultFlag"] for r in rows)
    body = {"summary": "x", "company": {"id": cw.case("active_only")}, "board": {"id": 1}}
    assert cw.ok(cw.post("/service/tickets", body), 201)["priority"] is None


def test_deny_module_python_twin(cw: CwApi) -> None:
    cw.sim.deny("service")
    assert cw.get("/service/tickets").status_code == 403
    cw.sim.allow("service")
    assert cw.get("/service/tickets").status_code == 200
    assert "error" in cw.sandbox("POST", "modules/deny", {})


def test_add_agreement(cw: CwApi) -> None:
    company = cw.case("other_type_only")
    created = cw.sandbox(
        "POST", "agreements", {"company_id": company, "kind": "Expired", "name": "Old deal"}
    )
    assert created["agreementStatus"] == "Expired" and created["name"] == "Old deal"
    block = cw.sandbox("POST", "agreements", {"company_id": company, "type_id": 2})
    assert block["type"]["name"] == "Block Time"
    assert "error" in cw.sandbox("POST", "agreements", {"company_id": company, "kind": "Weird"})


def test_set_addition(cw: CwApi) -> None:
    agreement = cw.ok(cw.get("/finance/agreements", conditions="agreementStatus='Active'"))[0]
    created = cw.sandbox("POST", "additions", {"agreement_id": agreement["id"], "quantity": 9})
    path = f"/finance/agreements/{agreement['id']}/additions/{created['id']}"
    assert cw.ok(cw.get(path))["quantity"] == 9
    cw.sandbox(
        "POST", "additions", {"agreement_id": agreement["id"], "id": created["id"], "quantity": 4}
    )
    assert cw.ok(cw.get(path))["quantity"] == 4


def test_reset_rebuilds_the_scenario(cw: CwApi) -> None:
    cw.sim.remove_product("GZ-ENDPOINT", "delete")
    cw.sim.limit_priorities()
    cw.sim.deny("finance")
    cw.sandbox("POST", "reset")
    assert cw.get("/procurement/catalog/1").status_code == 200
    assert "defaultFlag" in cw.ok(cw.get("/service/priorities"))[0]


def test_unknown_inspection_route(cw: CwApi) -> None:
    assert cw.sandbox("GET", "nothing") == {"error": "not found"}
