"""Tickets, notes, configuration items, picklists and validation 500s (ref 2.4-2.6, 3.8-3.11)."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import AtApi


def _picklist(at: AtApi, entity: str, name: str) -> list[dict[str, Any]]:
    fields = at.ok(at.get(f"/{entity}/entityInformation/fields"))["fields"]
    found = next(f for f in fields if f["name"] == name)
    assert found["isPickList"] is True
    return list(found["picklistValues"])


def test_ticket_picklists_are_served_with_string_codes(at: AtApi) -> None:
    status = _picklist(at, "Tickets", "status")
    assert {"value": "5", "label": "Complete"}.items() <= status[1].items()
    for name in ("priority", "queueID", "issueType", "source", "ticketType", "ticketCategory"):
        values = _picklist(at, "Tickets", name)
        assert values and all(isinstance(v["value"], str) for v in values)
        assert sum(v["isDefaultValue"] for v in values) <= 1
    subs = _picklist(at, "Tickets", "subIssueType")
    assert {s["value"]: s["parentValue"] for s in subs}["11"] == "1"
    fields = at.ok(at.get("/Tickets/entityInformation/fields"))["fields"]
    assert (
        next(f for f in fields if f["name"] == "subIssueType")["picklistParentValueField"]
        == "issueType"
    )
    assert [v["label"] for v in _picklist(at, "TicketNotes", "publish")] == [
        "All Autotask Users",
        "Internal Users Only",
    ]
    assert _picklist(at, "TicketNotes", "noteType")


def test_entity_information(at: AtApi) -> None:
    info = at.ok(at.get("/ContractServiceAdjustments/entityInformation"))["info"]
    assert info["canCreate"] is True and info["canQuery"] is False and info["canUpdate"] is False
    assert info["userAccessForQuery"] == 0  # integers (open question 17)
    assert at.ok(at.get("/Tickets/entityInformation/userDefinedFields")) == {"fields": []}


def test_ticket_create_fills_defaults(at: AtApi) -> None:
    ticket = at.item("Tickets", at.create("/Tickets", at.ticket()))
    assert ticket["queueID"] == 29682969 and ticket["source"] == 8
    assert ticket["ticketType"] == 1 and ticket["ticketCategory"] == 3
    assert ticket["dueDateTime"] > ticket["createDate"]
    assert ticket["ticketNumber"].startswith("T") and ticket["createDate"].endswith("Z")
    assert len(ticket["createDate"]) == len("2026-01-01T00:00:00.000Z")


def test_pascal_case_keys_and_string_values_bind(at: AtApi) -> None:
    body = {"id": 0, "CompanyID": str(at.case("no_contract")["psa_company_id"]), "Title": "x"}
    body |= {"Status": "1", "Priority": "2", "QueueID": "29682833"}
    ticket = at.item("Tickets", at.create("/Tickets", body))
    assert ticket["queueID"] == 29682833 and ticket["status"] == 1


def test_missing_required_fields_are_all_reported(at: AtApi) -> None:
    assert at.errors(at.post("/Tickets", {"description": "x"})) == [
        "Missing required field: title . ",
        "Missing required field: companyID . ",
        "Missing required field: status . ",
        "Missing required field: priority . ",
    ]


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"companyID": 424242}, "Value does not reference an existing entity for companyID . "),
        ({"status": 99}, "Value 99 is not a valid picklist value for status . "),
        ({"status": 13}, "Value 13 of picklist status is inactive . "),
        ({"queueID": 29683011}, "Value 29683011 of picklist queueID is inactive . "),
        (
            {"issueType": 2, "subIssueType": 11},
            "Value 11 of subIssueType does not belong to issueType . ",
        ),
        ({"priority": "high"}, "Value 'high' is not a valid integer for priority . "),
        ({"title": "x" * 256}, "The value of title exceeds its maximum length of 255 . "),
        (
            {"assignedResourceID": 29682885},
            "When assigning a Resource, you must assign both a assignedResourceID and "
            "assignedResourceRoleID.",
        ),
    ],
)
def test_validation_failures_are_500(at: AtApi, fields: dict[str, Any], text: str) -> None:
    assert at.errors(at.post("/Tickets", at.ticket(**fields))) == [text]
    assert at.sim.store.tables["Tickets"] == {}


def test_a_tenant_requiring_the_queue(at: AtApi) -> None:
    assert at.sandbox("POST", "tickets/require-queue", {}) == {"require_queue": True}
    assert at.errors(at.post("/Tickets", at.ticket())) == ["Missing required field: queueID . "]
    assert at.create("/Tickets", at.ticket(queueID=29682833))


def test_a_retired_picklist_value_is_refused(at: AtApi) -> None:
    body = {"entity": "Tickets", "field": "priority", "value": 1, "active": False}
    assert at.sandbox("POST", "picklists/active", body) == {"ok": True}
    assert "inactive" in at.errors(at.post("/Tickets", at.ticket(priority=1)))[0]
    assert not next(v for v in _picklist(at, "Tickets", "priority") if v["value"] == "1")[
        "isActive"
    ]


def test_patch_updates_only_what_is_sent_and_completes(at: AtApi) -> None:
    ticket_id = at.create(
        "/Tickets", at.ticket(description="keep me", issueType=1, subIssueType=10)
    )
    assert at.ok(at.patch("/Tickets", {"id": ticket_id, "status": 5})) == {"itemId": ticket_id}
    ticket = at.item("Tickets", ticket_id)
    assert ticket["status"] == 5 and ticket["completedDate"] and ticket["description"] == "keep me"
    assert (
        "does not belong" in at.errors(at.patch("/Tickets", {"id": ticket_id, "issueType": 2}))[0]
    )
    assert at.errors(at.patch("/Tickets", {"status": 1})) == ["Missing required field: id . "]
    missing = at.patch("/Tickets", {"id": 1, "status": 1})
    assert at.errors(missing) == ["Value does not reference an existing entity for id . "]


def test_put_nulls_what_is_left_out(at: AtApi) -> None:
    ticket_id = at.create("/Tickets", at.ticket(description="gone"))
    body = at.ticket(id=ticket_id, title="Replaced")
    at.ok(at.request("PUT", "/Tickets", json=body))
    ticket = at.item("Tickets", ticket_id)
    assert ticket["title"] == "Replaced" and ticket["description"] is None


def test_notes_through_the_ticket_url(at: AtApi) -> None:
    ticket_id = at.create("/Tickets", at.ticket())
    body = {"title": "Update", "description": "Seen again", "noteType": 1, "publish": 2}
    note_id = at.create(f"/Tickets/{ticket_id}/Notes", body | {"ticketID": 1})  # the URL wins
    note = at.item("TicketNotes", note_id)
    assert note["ticketID"] == ticket_id and note["createDateTime"]
    listed = at.ok(at.get(f"/Tickets/{ticket_id}/Notes"))["items"]
    assert [n["id"] for n in listed] == [note_id]
    assert at.ids("TicketNotes", {"op": "eq", "field": "ticketID", "value": ticket_id}) == [note_id]
    assert at.ok(at.get(f"/Tickets/{ticket_id}/Notes/{note_id}"))["item"]["id"] == note_id
    bad = at.post(f"/Tickets/{ticket_id}/Notes", body | {"publish": 3})
    assert at.errors(bad) == ["Value 3 is not a valid picklist value for publish . "]
    orphan = at.post("/Tickets/1/Notes", body)
    assert at.errors(orphan) == ["Value does not reference an existing entity for ticketID . "]


def test_configuration_items_keep_their_company(at: AtApi) -> None:
    item = at.query("ConfigurationItems", {"op": "exist", "field": "id"}, MaxRecords=1)[0]
    at.ok(at.patch("/ConfigurationItems", {"id": item["id"], "companyID": 0, "serialNumber": "X1"}))
    updated = at.item("ConfigurationItems", item["id"])
    assert updated["companyID"] == item["companyID"] and updated["serialNumber"] == "X1"


def test_company_create_and_the_msp_company(at: AtApi) -> None:
    body = {"companyName": "New Co", "companyType": 1, "ownerResourceID": 4, "phone": "5555555555"}
    company = at.item("Companies", at.create("/Companies", body))
    assert company["isActive"] is True and company["userDefinedFields"] == []
    assert at.item("Companies", 0)["companyName"] == "Bluewave IT"
