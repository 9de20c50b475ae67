"""Items and recurring invoices over real HTTP: items, headers, line semantics (reference 6)."""

from __future__ import annotations

from typing import Any

from .helpers import HaloApi


def invoice(halo: HaloApi, invoice_id: int) -> dict[str, Any]:
    return dict(halo.ok(halo.get(f"/api/RecurringInvoice/{invoice_id}")))


def save(halo: HaloApi, *elements: dict[str, Any], status: int = 200) -> Any:
    return halo.ok(halo.post("/api/RecurringInvoice", list(elements)), status)


def test_items_crud(halo: HaloApi) -> None:
    items = halo.ok(halo.get("/api/Item"))["items"]
    assert items[0]["name"] == "Bitdefender GravityZone Business Security"
    created = halo.ok(halo.post("/api/Item", [{"name": "Backup", "recurringprice": "3.5"}]), 201)
    assert created["recurringprice"] == 3.5
    renamed = halo.ok(halo.post("/api/Item", [{"id": created["id"], "name": "Backup Pro"}]))
    assert renamed["name"] == "Backup Pro" and renamed["recurringprice"] == 3.5
    assert halo.ok(halo.get("/api/Item", search="backup"))["record_count"] == 1
    assert halo.ok(halo.get("/api/Item", excluderecurring="true"))["items"] == [renamed]
    assert halo.post("/api/Item", [{"baseprice": 1}]).status_code == 400
    halo.sandbox("POST", "items/delete", {"id": created["id"]})
    assert halo.get(f"/api/Item/{created['id']}").status_code == 404


def test_item_paging(halo: HaloApi) -> None:
    page = halo.ok(halo.get("/api/Item", pageinate="true", page_size=3, page_no=2))
    assert (page["record_count"], page["page_no"], len(page["items"])) == (4, 2, 1)


def test_deleted_item_is_404_and_its_lines_stay(halo: HaloApi) -> None:
    assert halo.request("DELETE", "/api/Item/4").status_code == 200
    assert halo.get("/api/Item/4").status_code == 404
    assert 4 not in {i["id"] for i in halo.ok(halo.get("/api/Item"))["items"]}
    lines = invoice(halo, 1)["lines"]
    assert [(x["_itemid"], x["item_code"]) for x in lines] == [(1, "GZ-BS"), (4, "MS-DEVICE")]
    # Sending every line back (item 4 included) is accepted: the line already exists.
    kept = save(halo, {"id": 1, "lines": [{**x, "qty_order": 9} for x in lines]})
    assert [(x["_itemid"], x["qty_order"]) for x in kept["lines"]] == [(1, 9.0), (4, 9.0)]
    # A new line, or a line changed to the deleted item, is refused (R3.7).
    for bad in ({"_itemid": 4, "qty_order": 1}, {"id": lines[0]["id"], "_itemid": 4}):
        response = halo.post("/api/RecurringInvoice", [{"id": 1, "lines": [bad]}])
        assert response.status_code == 400 and "Item 4 does not exist" in response.text
    assert halo.request("DELETE", "/api/Item/4").status_code == 404


def test_seeded_recurring_invoice(halo: HaloApi) -> None:
    listed = halo.ok(halo.get("/api/RecurringInvoice"))["invoices"]
    assert len(listed) == 1 and "lines" not in listed[0]
    seeded = invoice(halo, listed[0]["id"])
    assert [line["_itemid"] for line in seeded["lines"]] == [1, 4]
    line = seeded["lines"][0]
    assert {"id", "ihid", "item_code", "item_shortdescription", "qty_order", "unit_price"} <= set(
        line
    )
    assert line["comment_1"] == "" and [x["sequenceid"] for x in seeded["lines"]] == [1, 2]
    assert seeded["total"] == sum(x["net_amount"] for x in seeded["lines"])
    with_lines = halo.ok(
        halo.get("/api/RecurringInvoice", includelines="true", client_id=seeded["client_id"])
    )
    assert with_lines["invoices"][0]["lines"] == seeded["lines"]


def test_create_named_invoice_and_filters(halo: HaloApi) -> None:
    first, second = halo.client_id(index=1), halo.client_id(index=2)
    body = {"client_id": first, "name": "Acme Ltd", "lines": [{"_itemid": 3, "qty_order": 5}]}
    created = save(halo, body, status=201)
    assert (created["client_id"], created["name"], created["total"]) == (first, "Acme Ltd", 7.5)
    assert created["lines"][0]["ihid"] == created["id"]
    # Halo does not refuse a second invoice of the same name: the lookup is the client's job.
    again = save(halo, {"client_id": first, "name": "Acme Ltd"}, status=201)
    assert again["id"] != created["id"]
    save(halo, {"client_id": second, "name": "Other"}, status=201)
    by_client = halo.ok(halo.get("/api/RecurringInvoice", client_id=first))["invoices"]
    assert [i["id"] for i in by_client] == [created["id"], again["id"]]
    both = halo.ok(halo.get("/api/RecurringInvoice", client_ids=f"{first},{second}"))
    assert both["record_count"] == 3
    assert halo.ok(halo.get("/api/RecurringInvoice", search="acme"))["record_count"] == 2
    assert halo.post("/api/RecurringInvoice", [{"client_id": 999}]).status_code == 400
    assert halo.post("/api/RecurringInvoice", [{"name": "no client"}]).status_code == 400


def test_lines_replace_all_and_add_lines_append(halo: HaloApi) -> None:
    first, second = invoice(halo, 1)["lines"]
    changed = save(halo, {"id": 1, "lines": [{"id": first["id"], "qty_order": 7}]})
    assert [(x["id"], x["qty_order"]) for x in changed["lines"]] == [(first["id"], 7.0)]
    assert changed["lines"][0]["item_code"] == first["item_code"]  # merged, not rebuilt
    grown = save(halo, {"id": 1, "add_lines": [{"_itemid": 2, "qty_order": 3}]})
    assert [x["_itemid"] for x in grown["lines"]] == [1, 2]
    assert second["id"] not in {x["id"] for x in grown["lines"]}
    assert (
        halo.post("/api/RecurringInvoice", [{"id": 1, "add_lines": [{"_itemid": 99}]}]).status_code
        == 400
    )


def test_line_without_id_is_a_new_line_even_when_it_repeats_one(halo: HaloApi) -> None:
    lines = invoice(halo, 1)["lines"]
    copies = [{k: v for k, v in x.items() if k != "id"} for x in lines]
    doubled = save(halo, {"id": 1, "lines": lines + copies})
    assert len(doubled["lines"]) == 4  # the duplicate risk of reference 6.4
    assert [x["id"] for x in doubled["lines"][:2]] == [x["id"] for x in lines]


def test_lines_null_keeps_and_empty_array_deletes(halo: HaloApi) -> None:
    kept = save(halo, {"id": 1, "name": "Renamed", "lines": None})
    assert kept["name"] == "Renamed" and len(kept["lines"]) == 2
    emptied = save(halo, {"id": 1, "lines": []})
    assert emptied["lines"] == [] and emptied["total"] == 0


def test_bad_lines_write_nothing(halo: HaloApi) -> None:
    before = invoice(halo, 1)
    other = save(
        halo, {"client_id": halo.client_id(index=1), "add_lines": [{"_itemid": 1}]}, status=201
    )
    foreign_line = other["lines"][0]["id"]
    first = before["lines"][0]["id"]
    for lines in (
        [{"id": 999, "qty_order": 1}],  # not a line at all
        [{"id": foreign_line, "qty_order": 1}],  # a line of another invoice
        [{"id": first}, {"id": first}],  # the same line twice
        [{"id": first, "qty_order": "many"}],
        "not an array",
    ):
        response = halo.post("/api/RecurringInvoice", [{"id": 1, "name": "X", "lines": lines}])
        assert response.status_code == 400, lines
    assert invoice(halo, 1) == before


def test_marker_and_line_fields(halo: HaloApi) -> None:
    body = {
        "_itemid": 2,
        "qty_order": "4",
        "comment_1": "psabridge:m7:edr",
        "item_shortdescription": "EDR seats, May",
        "unit_price": 1.25,
    }
    saved = save(halo, {"id": 1, "add_lines": [body]})
    line = saved["lines"][-1]
    assert (line["comment_1"], line["item_shortdescription"], line["net_amount"]) == (
        "psabridge:m7:edr",
        "EDR seats, May",
        5.0,
    )
    assert (line["item_code"], line["unit_cost"], line["sequenceid"]) == ("GZ-EDR", 1.1, 3)
    # Changing the item of a line takes the new item's text and prices unless given.
    moved = save(halo, {"id": 1, "lines": [*saved["lines"][:2], {"id": line["id"], "_itemid": 3}]})
    assert (moved["lines"][-1]["item_code"], moved["lines"][-1]["unit_price"]) == ("GZ-PATCH", 1.5)
    assert moved["lines"][-1]["comment_1"] == "psabridge:m7:edr"


def test_state_holds_items_and_invoices_with_lines(halo: HaloApi) -> None:
    state = halo.sandbox("GET", "state")
    assert [i["id"] for i in state["items"]] == [1, 2, 3, 4]
    assert [len(i["lines"]) for i in state["invoices"]] == [2]
    halo.sandbox("POST", "items/delete", {"id": 3})
    state = halo.sandbox("GET", "state")
    assert [i["id"] for i in state["items"]] == [1, 2, 4] and state["counts"]["items"] == 3
