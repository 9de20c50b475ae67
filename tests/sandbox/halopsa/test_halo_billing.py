"""Items and recurring invoices, kept simple (reference 6; the billing issue completes them)."""

from __future__ import annotations

from .helpers import HaloApi


def test_items_crud(halo: HaloApi) -> None:
    items = halo.ok(halo.get("/api/Item"))["items"]
    assert items[0]["name"] == "Bitdefender GravityZone Business Security"
    created = halo.ok(halo.post("/api/Item", [{"name": "Backup", "recurringprice": "3.5"}]), 201)
    assert created["recurringprice"] == 3.5
    renamed = halo.ok(halo.post("/api/Item", [{"id": created["id"], "name": "Backup Pro"}]))
    assert renamed["name"] == "Backup Pro" and renamed["recurringprice"] == 3.5
    assert halo.ok(halo.get("/api/Item", search="backup"))["record_count"] == 1
    assert halo.post("/api/Item", [{"baseprice": 1}]).status_code == 400
    halo.sandbox("POST", "items/delete", {"id": created["id"]})
    assert halo.get(f"/api/Item/{created['id']}").status_code == 404


def test_seeded_recurring_invoice(halo: HaloApi) -> None:
    listed = halo.ok(halo.get("/api/RecurringInvoice"))["invoices"]
    assert len(listed) == 1 and "lines" not in listed[0]
    invoice = halo.ok(halo.get(f"/api/RecurringInvoice/{listed[0]['id']}"))
    assert [line["_itemid"] for line in invoice["lines"]] == [1, 4]
    line = invoice["lines"][0]
    assert {"id", "ihid", "item_code", "item_shortdescription", "qty_order", "unit_price"} <= set(
        line
    )
    assert invoice["total"] == sum(x["net_amount"] for x in invoice["lines"])
    with_lines = halo.ok(
        halo.get("/api/RecurringInvoice", includelines="true", client_id=invoice["client_id"])
    )
    assert with_lines["invoices"][0]["lines"] == invoice["lines"]


def test_lines_replace_all_and_add_lines_append(halo: HaloApi) -> None:
    invoice = halo.ok(halo.get("/api/RecurringInvoice/1"))
    first, second = invoice["lines"]
    changed = halo.ok(
        halo.post(
            "/api/RecurringInvoice", [{"id": 1, "lines": [{"id": first["id"], "qty_order": 7}]}]
        )
    )
    assert [(x["id"], x["qty_order"]) for x in changed["lines"]] == [(first["id"], 7.0)]
    grown = halo.ok(
        halo.post(
            "/api/RecurringInvoice", [{"id": 1, "add_lines": [{"_itemid": 2, "qty_order": 3}]}]
        )
    )
    assert [x["_itemid"] for x in grown["lines"]] == [1, 2]
    assert second["id"] not in {x["id"] for x in grown["lines"]}
    bad = halo.post("/api/RecurringInvoice", [{"id": 1, "add_lines": [{"_itemid": 99}]}])
    assert bad.status_code == 400


def test_create_invoice(halo: HaloApi) -> None:
    client_id = halo.client_id(index=1)
    created = halo.post(
        "/api/RecurringInvoice",
        [{"client_id": client_id, "lines": [{"_itemid": 3, "qty_order": 5}]}],
    )
    invoice = halo.ok(created, 201)
    assert invoice["client_id"] == client_id and invoice["total"] == 7.5
    assert halo.post("/api/RecurringInvoice", [{"client_id": 999}]).status_code == 400
