"""Push -> receiver -> engine -> Autotask simulator: tickets in queues, notes, Complete (R5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from psabridge.server.alerts.models import Alert
from psabridge.server.alerts.receiver import forget_receivers
from psabridge.server.core import connections
from psabridge.server.core.models import IntegrationEvent
from psabridge.server.mappings import services as mapping_services
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing import engine, fields, routing, trial_ticket
from psabridge.server.ticketing.models import TicketThread
from tests.conftest import add_events
from tests.e2e.at_world import AT, AtWorld, at_sandbox, at_world  # noqa: F401
from tests.e2e.conftest import T0, event, save_routing

MINUTE = timedelta(minutes=1)
SECURITY_ALERTS, SERVICE_DESK = "29682833", "29682969"
HIGH, SECURITY, MALWARE, INTRUSION, HARDWARE, MONITORING = "1", "1", "10", "11", "2", "8"
COMPLETE, INTERNAL, ALL_USERS = 5, 2, 1


@dataclass
class AtTicketing:
    """The Autotask world with one mapped company whose alerts a test pushes."""

    world: AtWorld
    mapping: Mapping
    endpoints: list[dict[str, str]]
    post: Callable[..., Any]

    def alert(self, module: str = "av", blocked: bool = False, endpoint: int = 0) -> None:
        company, chosen = self.mapping.company_id, self.endpoints[endpoint]
        self.post(add_events(event(module, blocked, company, chosen)))

    def tickets(self) -> list[dict[str, Any]]:
        company = int(self.mapping.psa_client_id)
        return [t for t in self.world.state()["tickets"] if t["companyID"] == company]

    def configuration_items(self) -> dict[int, dict[str, Any]]:
        return dict(self.world.sandbox.autotask.store.tables["ConfigurationItems"])


def configure(**overrides: Any) -> list[str]:
    """Save Autotask settings: queue Security Alerts, High, Security / Malware, Monitoring."""
    values: dict[str, Any] = {
        "enabled": True,
        "ticket_type_id": SECURITY_ALERTS,
        "updates_visible": False,
        "auto_close_blocked": False,
        "asset_match_by": "name",
        "asset_field": "inventory_number",
        "asset_mode": "exact",
        "asset_case_sensitive": False,
    }
    route_values = {
        "queue": SECURITY_ALERTS,
        "priority": HIGH,
        "issue_type": SECURITY,
        "sub_issue_type": MALWARE,
        "source": MONITORING,
    }
    route_values.update(overrides.pop("route", {}))
    values.update(overrides)
    return save_routing(AT, values, route_values)


def _endpoints(company_id: str) -> list[dict[str, str]]:
    platform = connections.gravityzone_platform()
    return [
        {"id": e.id, "name": e.name, "ip": e.ip or ""}
        for e in platform.endpoints(company_id)
        if e.is_managed
    ]


@pytest.fixture
def at(
    at_world: AtWorld,  # noqa: F811
    post_push: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> AtTicketing:
    from psabridge.server.ticketing import tasks

    monkeypatch.setattr(tasks, "route_alerts", lambda *a, **k: None)  # the test drives the clock
    routing.forget_options()
    fields.forget_assets()
    forget_receivers()
    rows = at_world.state()["scenario"]["companies"]
    row = next(r for r in rows if r["case"] == "plain")
    mapping = Mapping.objects.create(
        system=AT,
        psa_client_id=str(row["psa_company_id"]),
        psa_client_name=row["psa_name"],
        company_id=row["gravityzone_id"],
        company_name=row["gravityzone_name"],
        ticketing=True,
    )
    assert configure() == []
    return AtTicketing(at_world, mapping, _endpoints(mapping.company_id), post_push)


def route(at_time: Any) -> Any:
    return engine.route_queued(now=at_time)


def states() -> list[str]:
    return list(Alert.objects.order_by("id").values_list("state", flat=True))


def _configured_endpoint(at: AtTicketing) -> int:
    names = {c.get("referenceTitle"): c for c in at.configuration_items().values()}
    return next(i for i, e in enumerate(at.endpoints) if e["name"] in names)


def test_an_alert_becomes_a_ticket_in_the_configured_queue(at):
    index = _configured_endpoint(at)
    at.alert("av", endpoint=index)
    assert route(T0).created == 1
    (ticket,) = at.tickets()
    assert str(ticket["queueID"]) == SECURITY_ALERTS and str(ticket["priority"]) == HIGH
    assert (str(ticket["issueType"]), str(ticket["subIssueType"])) == (SECURITY, MALWARE)
    assert str(ticket["source"]) == MONITORING
    assert ticket["status"] == 1, "the default status New (R5.1)"
    assert ticket["externalID"] == TicketThread.objects.get().reference
    assert ticket["title"].startswith("[GravityZone]")
    item = at.configuration_items()[ticket["configurationItemID"]]
    assert item["referenceTitle"] == at.endpoints[index]["name"], "R5.12: matched by name"
    assert Alert.objects.get().psa_ticket_id == str(ticket["id"])


def test_each_kind_goes_to_its_own_queue_and_issue_type(at):
    route_values = {"queue": SERVICE_DESK, "issue_type": HARDWARE, "sub_issue_type": "20"}
    assert configure(route=route_values) == []
    at.alert("av")
    route(T0)
    (ticket,) = at.tickets()
    assert str(ticket["queueID"]) == SERVICE_DESK
    assert (str(ticket["issueType"]), str(ticket["subIssueType"])) == (HARDWARE, "20")


@pytest.mark.parametrize(("visible", "publish"), [(False, INTERNAL), (True, ALL_USERS)])
def test_the_next_alert_is_an_internal_or_visible_note(at, visible, publish):
    configure(updates_visible=visible)
    at.alert("av")
    route(T0)
    at.alert("av")
    assert route(T0 + 2 * MINUTE).noted == 1
    (ticket,) = at.tickets()
    (note,) = [n for n in ticket["notes"] if "Another alert" in (n["description"] or "")]
    assert note["publish"] == publish
    assert ticket["status"] == 1, "a note leaves the status as it is"
    assert states() == ["ticketed", "noted"]


def test_a_ticket_completed_in_autotask_gets_a_new_ticket(at):
    at.alert("av")
    route(T0)
    (ticket,) = at.tickets()
    at.world.api("PATCH", "Tickets", {"id": ticket["id"], "status": COMPLETE})  # a technician
    at.alert("av")
    assert route(T0 + 2 * MINUTE).created == 1
    assert len(at.tickets()) == 2


def test_auto_close_sets_complete_with_an_internal_note(at, admin_client):
    form = {**_form(), "auto_close_blocked": "on"}
    page = admin_client.post("/ticketing/save", form, follow=True).content.decode()
    assert "Ticketing settings saved." in page
    at.alert("av", blocked=True)
    at.alert("av", blocked=False, endpoint=1)
    route(T0)
    assert sorted(t["status"] for t in at.tickets()) == [1, COMPLETE]
    completed = next(t for t in at.tickets() if t["status"] == COMPLETE)
    assert completed["completedDate"]
    assert not IntegrationEvent.objects.open().filter(kind="ticketing_closure_failure").exists()


def test_a_sub_issue_type_of_another_issue_type_is_refused(at, admin_client):
    problems = configure(route={"issue_type": HARDWARE, "sub_issue_type": INTRUSION})
    assert problems and all("sub-issue type" in p for p in problems)
    assert not routing.settings_for(AT).valid
    answer = admin_client.post("/ticketing/save", _form(sub_issue_type=INTRUSION, issue_type="2"))
    assert answer.status_code == 400
    assert "Antimalware: choose a valid sub-issue type of its issue type." in (
        answer.content.decode()
    )


def _form(**route_values: str) -> dict[str, str]:
    values = {"queue": SECURITY_ALERTS, "priority": HIGH, "issue_type": SECURITY}
    values |= {"sub_issue_type": MALWARE, "source": MONITORING, **route_values}
    form = {"enabled": "on", "ticket_type_id": SECURITY_ALERTS, "updates_visible": "no"}
    form.update({"antimalware-blocked": "on", "antimalware-current": "on"})
    form.update({f"antimalware-{name}": value for name, value in values.items()})
    return form


def test_the_settings_page_offers_queues_issue_types_and_priorities(at, admin_client):
    page = admin_client.get("/ticketing/").content.decode()
    assert "Default queue *" in page and "Security Alerts" in page and "Service Desk" in page
    assert "<th>Queue *</th><th>Priority *</th><th>Issue type</th>" in page
    assert "Malware" in page and "Monitoring Alert" in page
    assert "device name (reference title)" in page
    answer = admin_client.post("/ticketing/save", _form(priority="3"), follow=True)
    assert "Ticketing settings saved." in answer.content.decode()
    assert "become Autotask PSA tickets" in answer.content.decode()
    assert routing.routes_of(routing.settings_for(AT))["antimalware"].values["priority"] == "3"
    assert routing.settings_for(AT).closed_status_id == str(COMPLETE)


def test_an_ambiguous_create_is_adopted_by_reference(at):
    at.world.post(
        "faults", {"path": "/Tickets", "method": "POST", "mode": "commit_then_500", "times": 1}
    )
    at.alert("av")
    assert route(T0).created == 0 and states() == ["queued"]
    assert route(T0 + MINUTE).created == 1
    assert states() == ["ticketed"] and len(at.tickets()) == 1
    assert at.world.calls().get("POST /Tickets") == 1, "never a second create"


def test_a_note_whose_answer_is_lost_is_found_not_posted_twice(at):
    at.alert("av")
    route(T0)
    at.alert("av")
    (ticket,) = at.tickets()
    notes = f"/Tickets/{ticket['id']}/Notes"
    at.world.post("faults", {"path": notes, "method": "POST", "mode": "commit_then_reset"})
    assert route(T0 + 2 * MINUTE).noted == 0, "the note landed, its answer did not"
    assert route(T0 + 4 * MINUTE).noted == 1, "found by its reference: not posted again"
    (ticket,) = at.tickets()
    assert len([n for n in ticket["notes"] if "psabridge note" in n["description"]]) == 1


def test_a_test_ticket_shows_the_exact_routing(at, admin_client):
    result = trial_ticket.send(AT, "antimalware", "")
    assert result.ok, result.message
    assert result.routing["queueID"] == SECURITY_ALERTS and result.routing["priority"] == HIGH
    described = dict(result.described)
    assert described["Queue"].startswith("Security Alerts")
    assert described["Priority"].startswith("High") and described["Status"].startswith("New")
    (ticket,) = at.tickets()
    assert ticket["title"].startswith("[TEST]")
    fragment = admin_client.post("/ticketing/test/firewall", {"mapping_id": str(at.mapping.pk)})
    assert "Queue: Security Alerts" in fragment.content.decode()


def test_an_inactive_company_still_gets_its_tickets_and_needs_attention(at):
    mapping_services.refresh(AT)
    at.world.api("PATCH", "Companies", {"id": int(at.mapping.psa_client_id), "isActive": False})
    mapping_services.refresh(AT)
    at.mapping.refresh_from_db()
    assert [i["code"] for i in at.mapping.issues] == ["psa_client_inactive"]
    at.alert("av")
    assert route(T0).created == 1
