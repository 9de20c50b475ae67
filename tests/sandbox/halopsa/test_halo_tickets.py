"""Tickets: defaults, validation 400s, merge, close, lookup by reference (reference 3.2, 4)."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import HaloApi


def test_create_applies_the_type_defaults(halo: HaloApi) -> None:
    ticket = halo.create_ticket(
        supplier_reference="psabridge:g1", third_party_id_string="psabridge:g1"
    )
    assert ticket["id"] >= 1001 and ticket["tickettype_name"] == "Incident"
    expected = {
        "status_id": 1,
        "status_name": "New",
        "sla_id": 1,
        "priority_id": 3,
        "priority_name": "Medium",
        "team": "Service Desk",
        "category_1": "Security",
        "impact": 3,
        "urgency": 2,
        "hasbeenclosed": False,
        "dateclosed": None,
        "third_party_id_string": "psabridge:g1",
        "supplier_reference": "psabridge:g1",
    }
    assert {k: ticket[k] for k in expected} == expected
    client = halo.ok(halo.get(f"/api/Client/{ticket['client_id']}"))
    assert ticket["site_id"] == client["main_site_id"] and ticket["client_name"] == client["name"]
    assert halo.ok(halo.get(f"/api/Tickets/{ticket['id']}")) == ticket


def test_given_values_win_over_defaults_and_are_canonicalised(halo: HaloApi) -> None:
    ticket = halo.create_ticket(
        tickettype_id="2", impact="1", urgency=1, team="security operations", category_1="PHISHING"
    )
    assert (ticket["tickettype_id"], ticket["impact"], ticket["urgency"]) == (2, 1, 1)
    assert (ticket["team"], ticket["category_1"]) == ("Security Operations", "Phishing")
    assert (ticket["sla_id"], ticket["priority_id"]) == (2, 2)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"tickettype_id": 2, "urgency": 1},
            "Impact is mandatory for tickets of type Security Alert",
        ),
        (
            {"tickettype_id": 2, "impact": 1},
            "Urgency is mandatory for tickets of type Security Alert",
        ),
        ({"summary": ""}, "Summary is mandatory for tickets of type Incident"),
        ({"priority_id": 4, "sla_id": 2}, "Priority 4 is not valid for SLA Security SLA."),
        ({"client_id": 999}, "Client 999 does not exist."),
        ({"tickettype_id": 77}, "Ticket Type 77 does not exist."),
        ({"team": "Nobody"}, "Team Nobody does not exist."),
        ({"team": "Legacy Support"}, "Team Legacy Support is inactive."),
        ({"status_id": 6}, "Status 6 does not exist."),
        ({"sla_id": 9}, "SLA 9 does not exist."),
        ({"category_1": "Malware"}, "Category Malware is not valid for tickets of type Incident."),
        ({"impact": 7}, "7 is not a valid Impact."),
        ({"assets": [{"id": 999999}]}, "Asset 999999 does not exist."),
        ({"site_id": 1}, None),
        ({"client_id": "abc"}, "The value 'abc' is not valid for client_id."),
    ],
)
def test_create_validation(halo: HaloApi, fields: dict[str, Any], message: str | None) -> None:
    body = {"summary": "s", "tickettype_id": 1, "client_id": halo.client_id(), **fields}
    response = halo.post("/api/Tickets", [body])
    assert response.status_code == 400, response.text
    if message is not None:
        assert response.json() == {"message": message}
    assert halo.sandbox("GET", "state")["counts"]["tickets"] == 0


def test_update_merges_fields(halo: HaloApi) -> None:
    ticket = halo.create_ticket(details="first")
    updated = halo.ok(halo.post("/api/Tickets", [{"id": ticket["id"], "summary": "renamed"}]))
    assert updated["summary"] == "renamed" and updated["details"] == "first"
    assert updated["priority_id"] == 3 and updated["team"] == "Service Desk"
    bad = halo.post("/api/Tickets", [{"id": ticket["id"], "sla_id": 2, "priority_id": 4}])
    assert bad.status_code == 400
    assert halo.post("/api/Tickets", [{"id": 424242, "summary": "x"}]).status_code == 404


def test_close_and_reopen(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    closed = halo.ok(halo.post("/api/Tickets", [{"id": ticket["id"], "status_id": 9}]))
    assert closed["hasbeenclosed"] is True and closed["dateclosed"]
    assert closed["status_name"] == "Closed"
    reopened = halo.ok(halo.post("/api/Tickets", [{"id": ticket["id"], "status_id": "2"}]))
    assert reopened["hasbeenclosed"] is False and reopened["dateclosed"] is None
    rejected = halo.ok(halo.post("/api/Tickets", [{"id": ticket["id"], "status_id": 21}]))
    assert rejected["hasbeenclosed"] is True


def test_no_closed_status_scenario(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    halo.sandbox("POST", "statuses/remove", {"name": "Closed"})
    response = halo.post("/api/Tickets", [{"id": ticket["id"], "status_id": 9}])
    assert response.status_code == 400 and response.json() == {
        "message": "Status 9 does not exist."
    }


def test_find_by_supplier_reference_and_filters(halo: HaloApi) -> None:
    other = halo.client_id(index=1)
    first = halo.create_ticket(supplier_reference="psabridge:a", summary="Malware on PC1")
    halo.create_ticket(supplier_reference="psabridge:ab", summary="Phish", client_id=other)
    found = halo.ok(halo.get("/api/Tickets", search_supplier_reference="psabridge:a"))
    assert [t["id"] for t in found["tickets"]] == [first["id"]]  # exact match
    assert halo.ok(halo.get("/api/Tickets", client_id=other))["record_count"] == 1
    assert halo.ok(halo.get("/api/Tickets", search="malware"))["record_count"] == 1
    assert halo.ok(halo.get("/api/Tickets", requesttype_id=2))["record_count"] == 0
    halo.post("/api/Tickets", [{"id": first["id"], "status_id": 9}])
    assert halo.ok(halo.get("/api/Tickets", open_only="true"))["record_count"] == 1
    nothing = halo.ok(halo.get("/api/Tickets", search_supplier_reference="psabridge:zz"))
    assert nothing == {"record_count": 0, "tickets": []}


def test_get_unknown_or_deleted_ticket_is_404(halo: HaloApi) -> None:
    assert halo.get("/api/Tickets/5").json() == {"message": "Not found"}
    ticket = halo.create_ticket()
    assert halo.request("DELETE", f"/api/Tickets/{ticket['id']}").status_code == 200
    assert halo.get(f"/api/Tickets/{ticket['id']}").status_code == 404


def test_assets_are_linked(halo: HaloApi) -> None:
    client_id = halo.client_id()
    asset = halo.ok(halo.get("/api/Asset", client_id=client_id))["assets"][0]
    ticket = halo.create_ticket(client_id=client_id, assets=[{"id": asset["id"]}])
    assert ticket["assets"] == [
        {
            "id": asset["id"],
            "inventory_number": asset["inventory_number"],
            "assettype_name": asset["assettype_name"],
        }
    ]


def test_post_answers_and_returnall(halo: HaloApi) -> None:
    base = {"summary": "s", "client_id": halo.client_id()}
    both = halo.post("/api/Tickets", [base, {**base, "summary": "t"}], returnall="true")
    assert both.status_code == 201 and [t["summary"] for t in both.json()] == ["s", "t"]
    assert halo.post("/api/Tickets", {"summary": "not an array"}).status_code == 400
    assert halo.post("/api/Tickets", []).status_code == 400
    assert halo.request("POST", "/api/Tickets", content=b"{nope").status_code == 400


def test_ticketids_filter_lists_only_those_tickets(halo):
    ids = [halo.create_ticket(summary=f"t{n}")["id"] for n in range(3)]
    answer = halo.get("/api/Tickets", ticketids=f"{ids[0]},{ids[2]}")
    assert sorted(t["id"] for t in answer.json()["tickets"]) == sorted([ids[0], ids[2]])
