"""Agreements (derived statuses on the simulated clock) and additions (validation, PATCH)."""

from __future__ import annotations

from typing import Any

from psabridge.sandbox.connectwise.values import cw_time, month_start

from .helpers import CwApi


def agreement_of(cw: CwApi, case: str, status: str | None = None) -> dict[str, Any]:
    conditions = f"company/id={cw.case(case)} and type/id=1"
    rows = cw.ok(cw.get("/finance/agreements", conditions=conditions))
    return next(r for r in rows if status is None or r["agreementStatus"] == status)


def additions_path(agreement: dict[str, Any]) -> str:
    return f"/finance/agreements/{agreement['id']}/additions"


def this_month(cw: CwApi) -> str:
    return cw_time(month_start(cw.sim.clock.now())) or ""


def post_addition(cw: CwApi, agreement: dict[str, Any], **fields: Any) -> Any:
    body = {"product": {"identifier": "GZ-ENDPOINT"}, "billCustomer": "Billable", **fields}
    return cw.post(additions_path(agreement), body)


def test_agreement_types(cw: CwApi) -> None:
    rows = {r["name"]: r for r in cw.ok(cw.get("/finance/agreements/types"))}
    assert rows["Managed Security"]["inactiveFlag"] is False
    assert "Block Time" in rows
    assert [n for n, r in rows.items() if r["inactiveFlag"]] == ["Legacy Support"]


def test_derived_statuses_follow_the_simulated_clock(cw: CwApi) -> None:
    company = cw.sim.store.get("companies", cw.case("active_only"))
    assert company is not None
    now = cw.sim.clock.now()
    future = cw.sim.add_agreement(company["id"], startDate=cw_time(month_start(now, 1)))
    ending = cw.sim.add_agreement(
        company["id"], endDate=cw_time(month_start(now, 1)), noEndingDateFlag=False
    )
    assert (future["agreementStatus"], ending["agreementStatus"]) == ("Inactive", "Active")
    cw.sandbox("POST", "clock", {"advance_seconds": 62 * 86400})  # the shared GZ clock
    future_now = cw.ok(cw.get(f"/finance/agreements/{future['id']}"))
    ending_now = cw.ok(cw.get(f"/finance/agreements/{ending['id']}"))
    assert future_now["agreementStatus"] == "Active"
    assert ending_now["agreementStatus"] == "Expired"
    assert cw.box.gravityzone.clock is cw.sim.clock


def test_stored_inactive_and_cancelled_and_no_ending(cw: CwApi) -> None:
    assert agreement_of(cw, "inactive_only")["agreementStatus"] == "Inactive"
    cancelled = agreement_of(cw, "cancelled_only")
    assert cancelled["agreementStatus"] == "Cancelled" and cancelled["cancelledFlag"] is True
    expired = agreement_of(cw, "expired_only")
    assert expired["agreementStatus"] == "Expired" and expired["noEndingDateFlag"] is False


def test_post_addition_defaults_and_derived_fields(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    created = cw.ok(
        post_addition(cw, agreement, quantity=12, lessIncluded=2, effectiveDate=this_month(cw)),
        201,
    )
    assert created["product"]["identifier"] == "GZ-ENDPOINT"
    assert created["unitPrice"] == 4.5 and created["unitCost"] == 2.1
    assert created["billedQuantity"] == 10
    assert created["extPrice"] == 45.0
    assert created["agreementId"] == agreement["id"]
    assert created["agreementStatus"] == "Active"
    assert created["effectiveDate"] == this_month(cw)
    rows = cw.ok(cw.get(additions_path(agreement), conditions="product/identifier='GZ-ENDPOINT'"))
    assert [r["id"] for r in rows] == [created["id"]]
    one = cw.ok(cw.get(f"{additions_path(agreement)}/{created['id']}"))
    assert one == created
    assert cw.ok(cw.get(f"{additions_path(agreement)}/count")) == {"count": 2}


def test_addition_status_inactive_before_effective_and_cancelled_after(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    now = cw.sim.clock.now()
    later = cw.ok(post_addition(cw, agreement, effectiveDate=cw_time(month_start(now, 1))), 201)
    assert later["agreementStatus"] == "Inactive"
    gone = cw.ok(
        post_addition(
            cw,
            agreement,
            effectiveDate=cw_time(month_start(now, -2)),
            cancelledDate=cw_time(month_start(now, -1)),
        ),
        201,
    )
    assert gone["agreementStatus"] == "Cancelled"


def test_post_addition_validation_errors(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    path = additions_path(agreement)
    assert set(cw.invalid_fields(cw.post(path, {}))) == {
        ("Required", "product"),
        ("Required", "billCustomer"),
    }
    bad = {"product": {"id": 999}, "billCustomer": "Sometimes", "quantity": "many"}
    assert set(cw.invalid_fields(cw.post(path, bad))) == {
        ("NotFound", "product"),
        ("OutOfRange", "billCustomer"),
        ("OutOfRange", "quantity"),
    }
    inactive = {"product": {"identifier": "AV-LEGACY"}, "billCustomer": "Billable"}
    assert cw.invalid_fields(cw.post(path, inactive)) == [("InvalidStatus", "product")]
    bundle = {"product": {"identifier": "SEC-BUNDLE"}, "billCustomer": "Billable"}
    assert cw.invalid_fields(cw.post(path, bundle)) == [("OutOfRange", "product")]
    dates = cw.invalid_fields(post_addition(cw, agreement, effectiveDate="soon"))
    assert dates == [("InvalidDate", "effectiveDate")]
    backwards = post_addition(
        cw, agreement, effectiveDate=this_month(cw), cancelledDate="2020-01-01"
    )
    assert cw.invalid_fields(backwards) == [("InvalidDate", "cancelledDate")]
    assert cw.post("/finance/agreements/999999/additions", {}).status_code == 404


def test_bill_start_refusal(cw: CwApi) -> None:
    agreement = agreement_of(cw, "future_bill_start")
    assert agreement["agreementStatus"] == "Active"
    answer = post_addition(cw, agreement, effectiveDate=this_month(cw))
    body = cw.ok(answer, 400)
    assert body["errors"][0]["code"] == "InvalidDate"
    assert body["errors"][0]["field"] == "effectiveDate"
    assert "billing start date" in body["errors"][0]["message"]
    ok = post_addition(cw, agreement, effectiveDate=agreement["billStartDate"][:10])
    assert ok.status_code == 201


def test_disallow_saving_refuses_addition_writes(cw: CwApi) -> None:
    agreement = agreement_of(cw, "not_approved", "Active")
    body = cw.ok(post_addition(cw, agreement, effectiveDate=this_month(cw)), 400)
    assert body["message"] == "addition object is invalid"
    error = body["errors"][0]
    assert (error["code"], error["field"], error["resource"]) == (
        "InvalidStatus",
        "status",
        "company",
    )
    assert error["message"] == "The company's status 'Not Approved' does not allow saving."


def test_inactive_status_does_not_block_writes(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    cw.sim.set_company_status(agreement["company"]["id"], "Inactive")
    assert post_addition(cw, agreement, effectiveDate=this_month(cw)).status_code == 201


def test_patch_quantity_and_rules(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    created = cw.ok(post_addition(cw, agreement, quantity=3, effectiveDate=this_month(cw)), 201)
    path = f"{additions_path(agreement)}/{created['id']}"
    patched = cw.ok(cw.patch(path, [{"op": "replace", "path": "quantity", "value": 42}]))
    assert patched["quantity"] == 42 and patched["extPrice"] == 42 * 4.5
    nested = cw.patch(path, [{"op": "replace", "path": "product/id", "value": 2}])
    assert cw.ok(nested, 400)["code"] == "InvalidObject"
    unknown = cw.patch(path, [{"op": "move", "path": "quantity", "value": 1}])
    assert unknown.status_code == 400
    assert cw.patch(path, {"op": "replace"}).status_code == 400
    readonly = cw.patch(path, [{"op": "replace", "path": "extPrice", "value": 1}])
    assert cw.invalid_fields(readonly) == [("OutOfRange", "extPrice")]
    bad = cw.patch(path, [{"op": "replace", "path": "cancelledDate", "value": "2020-01-01"}])
    assert cw.invalid_fields(bad) == [("InvalidDate", "cancelledDate")]
    assert cw.ok(cw.get(path))["quantity"] == 42  # a refused PATCH changes nothing
    product = cw.ok(cw.patch(path, [{"op": "replace", "path": "product", "value": {"id": 2}}]))
    assert product["product"]["identifier"] == "GZ-EDR"


def test_put_replaces_and_resets_left_out_fields(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    created = cw.ok(
        post_addition(
            cw, agreement, quantity=3, description="custom", effectiveDate=this_month(cw)
        ),
        201,
    )
    path = f"{additions_path(agreement)}/{created['id']}"
    body = {"product": {"id": 1}, "billCustomer": "NoCharge", "quantity": 7}
    replaced = cw.ok(cw.request("PUT", path, json=body))
    assert replaced["id"] == created["id"]
    assert replaced["quantity"] == 7 and replaced["billCustomer"] == "NoCharge"
    assert replaced["description"] == "Bitdefender GravityZone endpoint"
    assert replaced["effectiveDate"] is None
    assert cw.request("PUT", path, json={"product": {"id": 1}}).status_code == 400


def test_delete_addition(cw: CwApi) -> None:
    agreement = agreement_of(cw, "active_only", "Active")
    created = cw.ok(post_addition(cw, agreement, effectiveDate=this_month(cw)), 201)
    path = f"{additions_path(agreement)}/{created['id']}"
    answer = cw.request("DELETE", path)
    assert answer.status_code == 204 and answer.content == b""
    assert cw.get(path).status_code == 404
    other = agreement_of(cw, "active_expired", "Active")
    assert cw.get(f"{additions_path(other)}/{created['id']}").status_code == 404
