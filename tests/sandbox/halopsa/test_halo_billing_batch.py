"""Recurring invoices: batch POSTs, per-line endpoints, faults after k writes (reference 6.4)."""

from __future__ import annotations

from typing import Any

from .helpers import HaloApi

MAX_BATCH = 100  # the simulator's cap per POST on the billing endpoints


def new_invoices(halo: HaloApi, count: int) -> list[dict[str, Any]]:
    client = halo.client_id(index=1)
    body = [{"client_id": client, "name": f"Invoice {n}"} for n in range(count)]
    return list(halo.ok(halo.post("/api/RecurringInvoice", body, returnall="true"), 201))


def quantities(halo: HaloApi) -> dict[int, list[float]]:
    invoices = halo.sandbox("GET", "state")["invoices"]
    return {i["id"]: [x["qty_order"] for x in i["lines"]] for i in invoices}


def test_one_post_carries_several_invoices(halo: HaloApi) -> None:
    created = new_invoices(halo, 3)
    assert [i["name"] for i in created] == ["Invoice 0", "Invoice 1", "Invoice 2"]
    body = [
        {"id": i["id"], "lines": [{"_itemid": 1, "qty_order": n + 1}]}
        for n, i in enumerate(created)
    ]
    first = halo.ok(halo.post("/api/RecurringInvoice", body))
    assert first["id"] == created[0]["id"]  # without returnall: the first record only
    assert [quantities(halo)[i["id"]] for i in created] == [[1.0], [2.0], [3.0]]
    assert halo.sandbox("GET", "state")["calls"]["POST /api/RecurringInvoice"] == 2


def test_batch_cap(halo: HaloApi) -> None:
    client = halo.client_id(index=1)
    too_many = [{"client_id": client, "name": str(n)} for n in range(MAX_BATCH + 1)]
    response = halo.post("/api/RecurringInvoice", too_many)
    assert response.status_code == 400 and "At most 100" in response.text
    assert halo.sandbox("GET", "state")["counts"]["invoices"] == 1
    assert len(new_invoices(halo, MAX_BATCH)) == MAX_BATCH


def test_a_bad_element_stops_the_batch_earlier_ones_stay(halo: HaloApi) -> None:
    created = new_invoices(halo, 3)
    body = [
        {"id": created[0]["id"], "add_lines": [{"_itemid": 1, "qty_order": 1}]},
        {"id": created[1]["id"], "add_lines": [{"_itemid": 99}]},
        {"id": created[2]["id"], "add_lines": [{"_itemid": 1, "qty_order": 1}]},
    ]
    response = halo.post("/api/RecurringInvoice", body)
    assert response.status_code == 400 and "Item 99 does not exist" in response.text
    assert [quantities(halo)[i["id"]] for i in created] == [[1.0], [], []]


def test_updatelines_merges_one_line_by_id(halo: HaloApi) -> None:
    first, second = halo.sandbox("GET", "state")["invoices"][0]["lines"]
    updated = halo.ok(
        halo.post("/api/RecurringInvoice/updatelines", [{"id": second["id"], "qty_order": 3}])
    )
    assert (updated["id"], updated["qty_order"], updated["net_amount"]) == (second["id"], 3.0, 37.5)
    assert quantities(halo)[1] == [20.0, 3.0]  # the other line is untouched
    assert halo.post("/api/RecurringInvoice/updatelines", [{"qty_order": 3}]).status_code == 400
    wrong = [{"id": first["id"], "ihid": 7, "qty_order": 1}]
    assert halo.post("/api/RecurringInvoice/updatelines", wrong).status_code == 400


def test_lines_endpoint_adds_or_updates(halo: HaloApi) -> None:
    line = halo.ok(
        halo.post("/api/RecurringInvoice/Lines", [{"ihid": 1, "_itemid": 2, "qty_order": 2}]), 201
    )
    assert line["ihid"] == 1 and quantities(halo)[1] == [20.0, 20.0, 2.0]
    halo.ok(halo.post("/api/RecurringInvoice/Lines", [{"id": line["id"], "qty_order": 5}]))
    assert quantities(halo)[1] == [20.0, 20.0, 5.0]
    assert halo.post("/api/RecurringInvoice/Lines", [{"_itemid": 2}]).status_code == 400
    assert halo.sandbox("GET", "state")["invoices"][0]["total"] == 20 * 4.5 + 20 * 12.5 + 5 * 2


def test_fault_after_k_writes(halo: HaloApi) -> None:
    """Arm a pass-through fault `times: k`, then a failing one: write k+1 fails (the recipe)."""
    created = new_invoices(halo, 4)
    target = {"path": "/api/RecurringInvoice", "method": "POST"}
    halo.sandbox("POST", "faults", {**target, "mode": "latency", "latency_ms": 0, "times": 2})
    halo.sandbox("POST", "faults", {**target, "mode": "status", "status": 500, "times": None})
    answers = [
        halo.post(
            "/api/RecurringInvoice",
            [{"id": i["id"], "add_lines": [{"_itemid": 1, "qty_order": 1}]}],
        ).status_code
        for i in created
    ]
    assert answers == [200, 200, 500, 500]
    assert [quantities(halo)[i["id"]] for i in created] == [[1.0], [1.0], [], []]
    halo.sandbox("DELETE", "faults")
    assert (
        halo.post("/api/RecurringInvoice", [{"id": created[2]["id"], "name": "x"}]).status_code
        == 200
    )


def test_commit_then_500_writes_and_answers_500(halo: HaloApi) -> None:
    fault = {"path": "/api/RecurringInvoice", "method": "POST", "mode": "commit_then_500"}
    halo.sandbox("POST", "faults", fault)
    response = halo.post(
        "/api/RecurringInvoice", [{"id": 1, "add_lines": [{"_itemid": 3, "qty_order": 1}]}]
    )
    assert response.status_code == 500
    assert quantities(halo)[1] == [20.0, 20.0, 1.0]


def test_billing_scopes(halo: HaloApi) -> None:
    app = halo.sandbox("POST", "apps", {"scopes": "read:items read:invoices"})
    form = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    token = halo.ok(halo.token_response(tenant=halo.info["tenant"], **form))["access_token"]
    assert halo.request("GET", "/api/RecurringInvoice/1", token=token).status_code == 200
    write = halo.request("POST", "/api/RecurringInvoice", token=token, json=[{"id": 1}])
    assert write.status_code == 403 and "edit:invoices" in write.text
    assert halo.request("DELETE", "/api/Item/1", token=token).status_code == 403
