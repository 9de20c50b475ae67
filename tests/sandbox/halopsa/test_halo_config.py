"""Configuration endpoints: envelopes, bare arrays, filters, paging (reference 2.2, 3)."""

from __future__ import annotations

import pytest

from .helpers import HaloApi


@pytest.mark.parametrize(
    ("path", "key", "count"),
    [
        ("/api/TicketType", "tickettypes", 3),
        ("/api/Status", "statuses", 8),
        ("/api/SLA", "slas", 2),
        ("/api/Team", "teams", 3),
        ("/api/Category", "categories", 6),
        ("/api/Lookup", "lookups", 6),
        ("/api/Agent", "agents", 2),
        ("/api/Item", "items", 4),
        ("/api/RecurringInvoice", "invoices", 1),
    ],
)
def test_envelopes(halo: HaloApi, path: str, key: str, count: int) -> None:
    body = halo.ok(halo.get(path))
    assert set(body) == {"record_count", key}
    assert body["record_count"] == count == len(body[key])


def test_ticket_types_carry_defaults_and_mandatory_fields(halo: HaloApi) -> None:
    incident = halo.ok(halo.get("/api/TicketType/1"))
    assert incident["name"] == "Incident"
    expected = {
        "initial_status": 1,
        "default_sla": 1,
        "default_priority": 3,
        "default_team": "Service Desk",
        "default_category_1": "Security",
        "default_impact": 3,
        "default_urgency": 2,
    }
    assert {k: incident[k] for k in expected} == expected
    alert = halo.ok(halo.get("/api/TicketType/2"))
    mandatory = {f["fieldname"] for f in alert["fields"] if f["technew"] == 1}
    assert mandatory == {"category_1", "impact", "urgency"}
    assert alert["default_impact"] is None and "default_urgency" not in alert
    assert halo.get("/api/TicketType/99").status_code == 404


def test_excludeclosed_leaves_out_closed_and_rejected(halo: HaloApi) -> None:
    every = {s["id"]: s["name"] for s in halo.ok(halo.get("/api/Status"))["statuses"]}
    open_ = {s["id"] for s in halo.ok(halo.get("/api/Status", excludeclosed="true"))["statuses"]}
    assert every == {
        1: "New",
        2: "In Progress",
        3: "Pending",
        4: "On Hold",
        5: "Waiting on Client",
        8: "Resolved",
        9: "Closed",
        21: "Rejected",
    }
    assert set(every) - open_ == {9, 21}


def test_closed_status_can_be_removed_and_restored(halo: HaloApi) -> None:
    halo.sandbox("POST", "statuses/remove", {"name": "Closed"})
    names = {s["name"] for s in halo.ok(halo.get("/api/Status"))["statuses"]}
    assert "Closed" not in names and "Rejected" in names
    assert halo.sandbox("GET", "state")["removed_statuses"] == ["Closed"]
    halo.sandbox("POST", "statuses/restore", {"name": "closed"})
    assert len(halo.ok(halo.get("/api/Status"))["statuses"]) == 8


def test_priorities_per_sla_are_a_bare_array(halo: HaloApi) -> None:
    security = halo.ok(halo.get("/api/Priority", slaid=2))
    assert isinstance(security, list)
    assert [p["priorityid"] for p in security] == [1, 2, 3]
    assert all(isinstance(p["id"], str) and p["slaid"] == 2 for p in security)
    assert len(halo.ok(halo.get("/api/Priority"))) == 7
    slas = halo.ok(halo.get("/api/SLA"))["slas"]
    assert [len(s["priorities"]) for s in slas] == [4, 3]


def test_outcomes_are_a_bare_array(halo: HaloApi) -> None:
    outcomes = halo.ok(halo.get("/api/Outcome"))
    by_id = {o["id"]: o for o in outcomes}
    assert by_id[7]["outcome"] == "Private Note" and by_id[1]["outcome"] == "Public Note"
    assert by_id[5]["newstatus"] == 9 and 20 not in by_id
    assert 20 in {o["id"] for o in halo.ok(halo.get("/api/Outcome", showhidden="true"))}


def test_categories_per_ticket_type_and_lookups(halo: HaloApi) -> None:
    for_alerts = halo.ok(halo.get("/api/Category", tickettype_id=2))["categories"]
    assert {c["value"] for c in for_alerts} == {"Security", "Malware", "Phishing", "Network"}
    impact = halo.ok(halo.get("/api/Lookup", lookupid=12))["lookups"]
    urgency = halo.ok(halo.get("/api/Lookup", lookupid=27))["lookups"]
    assert [(x["id"], x["name"]) for x in impact] == [
        (1, "Company Wide"),
        (2, "Multiple Users Affected"),
        (3, "Single User Affected"),
    ]
    assert [x["name"] for x in urgency] == ["High", "Medium", "Low"]


def test_teams_agents_and_me(halo: HaloApi) -> None:
    teams = halo.ok(halo.get("/api/Team"))["teams"]
    assert [t["name"] for t in teams] == ["Service Desk", "Security Operations", "Projects"]
    assert len(halo.ok(halo.get("/api/Team", includedisabled="true"))["teams"]) == 4
    me = halo.ok(halo.get("/api/Agent/me"))
    assert me["isapiagent"] is True and me["id"] == 1
    agents = halo.ok(halo.get("/api/Agent", includeapiagents="true"))["agents"]
    assert len(agents) == 3


def test_clients_sites_and_assets(halo: HaloApi) -> None:
    clients = halo.ok(halo.get("/api/Client"))["clients"]
    everyone = halo.ok(halo.get("/api/Client", includeinactive="true"))["clients"]
    assert len(everyone) == len(clients) + 1
    client = halo.ok(halo.get(f"/api/Client/{halo.client_id()}"))
    sites = halo.ok(halo.get("/api/Site", client_id=client["id"]))["sites"]
    main = next(s for s in sites if s["id"] == client["main_site_id"])
    assert main["name"] == "Main" and main["client_id"] == float(client["id"])
    assert isinstance(main["client_id"], float)  # a double (reference 3.1)
    assets = halo.ok(halo.get("/api/Asset", client_id=client["id"]))["assets"]
    assert assets and {a["client_id"] for a in assets} == {client["id"]}
    keys = {
        "id",
        "inventory_number",
        "key_field",
        "key_field2",
        "key_field3",
        "client_id",
        "site_id",
        "assettype_name",
        "inactive",
    }
    assert keys <= set(assets[0])


def test_client_search_and_added_client(halo: HaloApi) -> None:
    added = halo.sandbox("POST", "clients", {"name": "Zeta Robotics Ltd"})
    found = halo.ok(halo.get("/api/Client", search="zeta robo"))["clients"]
    assert [c["id"] for c in found] == [added["id"]]
    assert halo.ok(halo.get("/api/Site", client_id=added["id"]))["record_count"] == 1


def test_paging_envelope_and_clamp(halo: HaloApi) -> None:
    for n in range(3):
        halo.create_ticket(summary=f"t{n}")
    page = halo.ok(halo.get("/api/Tickets", pageinate="true", page_size=2, page_no=2))
    assert page["page_no"] == 2 and page["page_size"] == 2 and page["record_count"] == 3
    assert [t["summary"] for t in page["tickets"]] == ["t2"]
    clamped = halo.ok(halo.get("/api/Tickets", pageinate="true", page_size=500))
    assert clamped["page_size"] == 100
    clients = halo.ok(halo.get("/api/Client", pageinate="true", page_size=5000))
    assert clients["page_size"] == 1000
    past = halo.ok(halo.get("/api/Client", pageinate="true", page_size=10, page_no=9))
    assert past["clients"] == [] and past["record_count"] > 0
    assert halo.get("/api/Client", pageinate="true", page_size="many").status_code == 400
