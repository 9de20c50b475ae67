"""Actions: the outcome rule, private notes, outcome newstatus (reference 5)."""

from __future__ import annotations

from .helpers import HaloApi


def test_an_outcome_is_required(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    response = halo.note(ticket["id"])
    assert response.status_code == 400
    assert response.json() == {"message": "An Outcome must be entered for this Action"}
    assert halo.note(ticket["id"], outcome_id=999).status_code == 400
    assert halo.note(424242, outcome_id=7).status_code == 400


def test_private_and_public_notes(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    private = halo.ok(halo.note(ticket["id"], outcome_id="7", hiddenfromuser="true"), 201)
    assert private["hiddenfromuser"] is True and private["outcome"] == "Private Note"
    public = halo.ok(halo.note(ticket["id"], outcome="Public Note", hiddenfromuser=False), 201)
    assert public["hiddenfromuser"] is False and public["outcome_id"] == 1
    implied = halo.ok(halo.note(ticket["id"], outcome="private note"), 201)
    assert implied["hiddenfromuser"] is True  # the outcome's hidefromuser
    listed = halo.ok(halo.get("/api/Actions", ticket_id=ticket["id"]))
    assert listed["record_count"] == 3
    visible = halo.ok(halo.get("/api/Actions", ticket_id=ticket["id"], excludeprivate="true"))
    assert [a["id"] for a in visible["actions"]] == [public["id"]]
    assert halo.ok(halo.get(f"/api/Actions/{public['id']}"))["note"] == "n"


def test_notes_move_lastactiondate(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    halo.sandbox("POST", "clock", {"advance_seconds": 120})
    action = halo.ok(halo.note(ticket["id"], outcome_id=7), 201)
    after = halo.ok(halo.get(f"/api/Tickets/{ticket['id']}"))
    assert after["lastactiondate"] == action["datetime"] > ticket["lastactiondate"]


def test_outcome_newstatus_and_new_status(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    halo.ok(halo.note(ticket["id"], outcome="Close"), 201)
    closed = halo.ok(halo.get(f"/api/Tickets/{ticket['id']}"))
    assert closed["status_id"] == 9 and closed["hasbeenclosed"] is True
    halo.ok(halo.note(ticket["id"], outcome_id=1, new_status="2"), 201)
    assert halo.ok(halo.get(f"/api/Tickets/{ticket['id']}"))["hasbeenclosed"] is False


def test_close_outcome_without_closed_status(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    halo.sandbox("POST", "statuses/remove", {"name": "Closed"})
    assert halo.note(ticket["id"], outcome_id=5).status_code == 400
    assert halo.sandbox("GET", "state")["counts"]["actions"] == 0


def test_state_lists_tickets_with_actions(halo: HaloApi) -> None:
    ticket = halo.create_ticket()
    halo.note(ticket["id"], outcome_id=7)
    updated = halo.post("/api/Actions", [{"id": 1, "ticket_id": ticket["id"], "actreviewed": True}])
    assert halo.ok(updated)["actreviewed"] is True
    state = halo.sandbox("GET", "state")
    assert [a["outcome_id"] for a in state["tickets"][0]["actions"]] == [7]
    assert state["calls"]["POST /api/Actions"] == 2
