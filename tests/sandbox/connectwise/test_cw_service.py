"""Service tickets, notes and ticket configurations (contract 6.7, 6.8, 6.9)."""

from __future__ import annotations

from typing import Any

from .helpers import CwApi


def ticket_body(cw: CwApi, **fields: Any) -> dict[str, Any]:
    return {
        "summary": "Malware blocked on WS-001",
        "company": {"id": cw.case("active_only")},
        "board": {"name": "Security Alerts"},
        **fields,
    }


def create(cw: CwApi, **fields: Any) -> dict[str, Any]:
    return dict(cw.ok(cw.post("/service/tickets", ticket_body(cw, **fields)), 201))


def test_ticket_defaults_and_initial_description_note(cw: CwApi) -> None:
    ticket = create(cw, initialDescription="First seen at 09:00", externalXRef="psabridge:g1")
    assert ticket["status"]["name"] == "New"
    assert ticket["priority"]["name"] == "Priority 3 - Normal Response"
    assert ticket["board"] == {"id": 1, "name": "Security Alerts"}
    assert ticket["closedFlag"] is False
    assert "initialDescription" not in ticket
    assert ticket["externalXRef"] == "psabridge:g1"
    notes = cw.ok(cw.get(f"/service/tickets/{ticket['id']}/notes"))
    assert [(n["text"], n["detailDescriptionFlag"], n["externalFlag"]) for n in notes] == [
        ("First seen at 09:00", True, True)
    ]
    assert cw.ok(cw.get(f"/service/tickets/{ticket['id']}")) == ticket


def test_ticket_by_company_identifier_board_id_status_priority_type(cw: CwApi) -> None:
    company = cw.sim.store.get("companies", cw.case("active_only"))
    assert company is not None
    ticket = create(
        cw,
        company={"identifier": company["identifier"]},
        board={"id": 2},
        status={"name": "In Progress"},
        priority={"id": 1},
        type={"name": "Incident"},
    )
    assert ticket["board"]["name"] == "Help Desk"
    assert ticket["status"]["name"] == "In Progress" and ticket["status"]["id"] == 6
    assert ticket["priority"]["name"] == "Priority 1 - Critical"
    assert ticket["type"]["name"] == "Incident"


def test_a_closed_status_closes_the_ticket(cw: CwApi) -> None:
    ticket = create(cw, status={"name": "Closed"})
    assert ticket["closedFlag"] is True and ticket["closedDate"]


def test_ticket_validation_errors(cw: CwApi) -> None:
    assert set(cw.invalid_fields(cw.post("/service/tickets", {}))) == {
        ("Required", "summary"),
        ("Required", "company"),
        ("Required", "board"),
    }
    wrong = ticket_body(cw, company={"id": 999999}, summary="x" * 101, priority={"name": "Urgent"})
    assert set(cw.invalid_fields(cw.post("/service/tickets", wrong))) == {
        ("NotFound", "company"),
        ("OutOfRange", "summary"),
        ("NotFound", "priority"),
    }
    other_board = ticket_body(cw, status={"id": 6}, type={"name": "Incident"})
    assert set(cw.invalid_fields(cw.post("/service/tickets", other_board))) == {
        ("NotFound", "status"),
        ("NotFound", "type"),
    }
    no_board = ticket_body(cw, board={"name": "Nope"})
    assert cw.invalid_fields(cw.post("/service/tickets", no_board)) == [("NotFound", "board")]
    assert cw.post("/service/tickets", []).status_code == 400


def test_disallow_saving_refuses_tickets(cw: CwApi) -> None:
    body = ticket_body(cw, company={"id": cw.case("not_approved")})
    assert cw.invalid_fields(cw.post("/service/tickets", body)) == [("InvalidStatus", "status")]


def test_ticket_for_a_deleted_company_is_refused(cw: CwApi) -> None:
    deleted = next(c for c in cw.sim.store.scenario["psa_only"] if c["deleted"])
    body = ticket_body(cw, company={"id": deleted["id"]})
    assert cw.invalid_fields(cw.post("/service/tickets", body)) == [("NotFound", "company")]


def test_conditions_on_external_reference_and_id_in(cw: CwApi) -> None:
    first = create(cw, externalXRef="psabridge:a")
    second = create(cw, externalXRef="psabridge:b")
    found = cw.ok(cw.get("/service/tickets", conditions='externalXRef="psabridge:b"'))
    assert [t["id"] for t in found] == [second["id"]]
    both = cw.ok(cw.get("/service/tickets", conditions=f"id in ({first['id']}, {second['id']})"))
    assert [t["id"] for t in both] == [first["id"], second["id"]]
    assert cw.ok(cw.get("/service/tickets/count")) == {"count": 2}
    assert cw.get("/service/tickets/999999").status_code == 404


def test_patch_status_whole_object_closes_and_reopens(cw: CwApi) -> None:
    ticket = create(cw)
    path = f"/service/tickets/{ticket['id']}"
    closed = cw.ok(cw.patch(path, [{"op": "replace", "path": "status", "value": {"id": 3}}]))
    assert closed["status"]["name"] == "Closed" and closed["closedFlag"] is True
    reopened = cw.ok(
        cw.patch(path, [{"op": "replace", "path": "status", "value": {"name": "New"}}])
    )
    assert reopened["closedFlag"] is False and reopened["closedDate"] is None
    nested = cw.patch(path, [{"op": "replace", "path": "status/id", "value": 3}])
    assert nested.status_code == 400
    other_board = cw.patch(path, [{"op": "replace", "path": "status", "value": {"id": 7}}])
    assert cw.invalid_fields(other_board) == [("NotFound", "status")]
    summary = cw.ok(cw.patch(path, [{"op": "replace", "path": "summary", "value": "Renamed"}]))
    assert summary["summary"] == "Renamed"
    unknown = cw.patch(path, [{"op": "replace", "path": "board", "value": {"id": 2}}])
    assert unknown.status_code == 400
    assert cw.patch("/service/tickets/999999", []).status_code == 404


def test_notes_need_text_and_a_flag_and_derive_internal_external(cw: CwApi) -> None:
    ticket = create(cw)
    path = f"/service/tickets/{ticket['id']}/notes"
    assert set(cw.invalid_fields(cw.post(path, {}))) == {
        ("Required", "text"),
        ("Required", "detailDescriptionFlag"),
    }
    private = cw.ok(cw.post(path, {"text": "seen again", "internalAnalysisFlag": True}), 201)
    assert (private["internalFlag"], private["externalFlag"]) == (True, False)
    visible = cw.ok(cw.post(path, {"text": "fixed", "resolutionFlag": True}), 201)
    assert (visible["internalFlag"], visible["externalFlag"]) == (False, True)
    assert visible["ticketId"] == ticket["id"] and visible["member"]["id"] == 150
    rows = cw.ok(cw.get(path, conditions="internalFlag = true"))
    assert [r["id"] for r in rows] == [private["id"]]
    assert cw.post("/service/tickets/999999/notes", {"text": "x"}).status_code == 404


def test_ticket_configurations(cw: CwApi) -> None:
    ticket = create(cw)
    company = cw.case("active_only")
    configs = cw.ok(cw.get("/company/configurations", conditions=f"company/id={company}"))
    assert configs
    path = f"/service/tickets/{ticket['id']}/configurations"
    linked = cw.ok(cw.post(path, {"id": configs[0]["id"]}), 201)
    assert linked == {"id": configs[0]["id"], "deviceIdentifier": configs[0]["name"]}
    cw.ok(cw.post(path, {"id": configs[0]["id"]}), 201)  # idempotent
    assert cw.ok(cw.get(path)) == [linked]
    assert cw.invalid_fields(cw.post(path, {"id": 999999})) == [("NotFound", "id")]
    assert cw.post(path, {"name": "x"}).status_code == 400


def test_configuration_fields(cw: CwApi) -> None:
    row = cw.ok(cw.get("/company/configurations"))[0]
    keys = {"id", "name", "company", "ipAddress", "macAddress", "serialNumber", "tagNumber"}
    assert keys | {"osType", "activeFlag"} <= row.keys()
    assert set(row["company"]) == {"id", "identifier", "name"}
    assert len(row["macAddress"]) == 17


def test_limited_priorities_and_default_fallback(cw: CwApi) -> None:
    cw.sandbox("POST", "priorities/limited", {"limited": True})
    rows = cw.ok(cw.get("/service/priorities"))
    assert all(set(r) == {"id", "name"} for r in rows)
    cw.sandbox("POST", "priorities/limited", {"limited": False})
    assert "defaultFlag" in cw.ok(cw.get("/service/priorities"))[0]
