"""Push -> receiver -> engine -> ConnectWise PSA simulator: service tickets (R5.1-R5.12)."""

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
from tests.e2e.conftest import T0, event, save_routing
from tests.e2e.cw_world import cw_sandbox, cw_world  # noqa: F401

MINUTE = timedelta(minutes=1)
SECURITY_ALERTS, HELP_DESK = "1", "2"
CW = "connectwise"


@dataclass
class CwTicketing:
    """The ConnectWise world with one mapped company whose alerts a test pushes."""

    world: Any
    mapping: Mapping
    endpoints: list[dict[str, str]]
    post: Callable[..., Any]

    def alert(self, module: str = "av", blocked: bool = False, endpoint: int = 0) -> None:
        """Push one alert event for an endpoint of the mapped company."""
        company, chosen = self.mapping.company_id, self.endpoints[endpoint]
        self.post(add_events(event(module, blocked, company, chosen)))

    def tickets(self) -> list[dict[str, Any]]:
        company = int(self.mapping.psa_client_id)
        return [t for t in self.world.cw_state()["tickets"] if t["company"]["id"] == company]

    def store(self) -> Any:
        return self.world.sandbox.connectwise.store


def configure(**overrides: Any) -> list[str]:
    """Save ConnectWise settings: board Security Alerts, type Malware, priority 2 - High."""
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
    route_values = {"board": SECURITY_ALERTS, "type": "", "priority": "2"}
    route_values.update(overrides.pop("route", {}))
    values.update(overrides)
    if not route_values["type"]:  # the Malware type of the board
        routing.forget_options()
        options = routing.live_options(CW, values["ticket_type_id"], [route_values["board"]])
        route_values["type"] = next(o.id for o in options["board_types"] if o.name == "Malware")
    return save_routing(CW, values, route_values)


def _scenario_company(world: Any, case: str = "") -> dict[str, Any]:
    """Return a scenario company of that case, else one named as in GravityZone (Active)."""
    rows = world.cw_state()["scenario"]["companies"]
    if case:
        return next(r for r in rows if r["case"] == case)
    return next(r for r in rows if r["match"] == "exact" and r["case"] != "not_approved")


def _map(world: Any, row: dict[str, Any]) -> Mapping:
    return Mapping.objects.create(
        system=CW,
        psa_client_id=str(row["psa_company_id"]),
        psa_client_name=row["psa_name"],
        company_id=row["gravityzone_id"],
        company_name=row["gravityzone_name"],
        ticketing=True,
    )


def _endpoints(company_id: str) -> list[dict[str, str]]:
    platform = connections.gravityzone_platform()
    endpoints = platform.endpoints(company_id)
    return [{"id": e.id, "name": e.name, "ip": e.ip or ""} for e in endpoints if e.is_managed]


@pytest.fixture
def cw(
    cw_world: Any,  # noqa: F811
    post_push: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> CwTicketing:
    from psabridge.server.ticketing import tasks

    monkeypatch.setattr(tasks, "route_alerts", lambda *a, **k: None)  # the test drives the clock
    routing.forget_options()
    fields.forget_assets()
    forget_receivers()
    mapping = _map(cw_world, _scenario_company(cw_world))
    assert configure() == []
    return CwTicketing(cw_world, mapping, _endpoints(mapping.company_id), post_push)


def route(at):
    return engine.route_queued(now=at)


def states():
    return list(Alert.objects.order_by("id").values_list("state", flat=True))


def _configured_endpoint(cw: CwTicketing) -> int:
    """Return the index of an endpoint the PSA has a configuration for (90% have one)."""
    names = {c["name"]: c for c in cw.store().rows("configurations")}
    return next(i for i, e in enumerate(cw.endpoints) if e["name"] in names)


def test_an_alert_becomes_a_service_ticket_on_the_configured_board(cw):
    index = _configured_endpoint(cw)
    cw.alert("av", endpoint=index)
    assert route(T0).created == 1
    (ticket,) = cw.tickets()
    assert ticket["board"]["name"] == "Security Alerts"
    assert ticket["type"]["name"] == "Malware" and ticket["priority"]["id"] == 2
    assert ticket["status"]["name"] == "New", "the board's default status (R5.1)"
    assert ticket["externalXRef"] == TicketThread.objects.get().reference
    assert ticket["summary"].startswith("[GravityZone]") and len(ticket["summary"]) <= 100
    (configuration_id,) = ticket["configurations"]
    configuration = cw.store().get("configurations", configuration_id)
    assert configuration["name"] == cw.endpoints[index]["name"], "R5.12: matched by name"
    assert Alert.objects.get().psa_ticket_id == str(ticket["id"])


def test_each_kind_goes_to_its_own_board_with_that_board_s_default_status(cw):
    options = routing.live_options(CW, SECURITY_ALERTS, [HELP_DESK])
    incident = next(o for o in options["board_types"] if o.name == "Incident")
    assert configure(route={"board": HELP_DESK, "type": incident.id, "severity": "High"}) == []
    cw.alert("av")
    route(T0)
    (ticket,) = cw.tickets()
    assert (ticket["board"]["name"], ticket["type"]["name"]) == ("Help Desk", "Incident")
    assert ticket["status"]["name"] == "New" and ticket["severity"] == "High"
    status = cw.store().get("board_statuses", ticket["status"]["id"])
    assert status["board"]["id"] == int(HELP_DESK), "the status belongs to the kind's board"


@pytest.mark.parametrize(("visible", "internal"), [(False, True), (True, False)])
def test_the_next_alert_is_an_internal_or_visible_note(cw, visible, internal):
    configure(updates_visible=visible)
    cw.alert("av")
    route(T0)
    cw.alert("av")
    assert route(T0 + 2 * MINUTE).noted == 1
    (ticket,) = cw.tickets()
    (note,) = [n for n in ticket["notes"] if "Another alert" in n["text"]]
    assert (note["internalFlag"], note["externalFlag"]) == (internal, not internal)
    assert (
        note["internalAnalysisFlag"] is internal and note["detailDescriptionFlag"] is not internal
    )
    assert ticket["status"]["name"] == "New", "a note leaves the status as it is"
    assert states() == ["ticketed", "noted"]


def test_a_ticket_closed_in_the_psa_gets_a_new_ticket(cw):
    cw.alert("av")
    route(T0)
    (ticket,) = cw.tickets()
    connections.stored_desk(CW).close_ticket(str(ticket["id"]))  # a technician closes it
    cw.alert("av")
    assert route(T0 + 2 * MINUTE).created == 1
    assert len(cw.tickets()) == 2


def test_auto_close_uses_the_board_s_closed_status(cw):
    configure(auto_close_blocked=True)
    cw.alert("av", blocked=True)
    cw.alert("av", blocked=False, endpoint=1)
    route(T0)
    by_status = sorted((t["status"]["name"], t["closedFlag"]) for t in cw.tickets())
    assert by_status == [("Closed", True), ("New", False)]
    assert not IntegrationEvent.objects.open().filter(kind="ticketing_closure_failure").exists()


def test_a_board_without_closed_status_raises_a_closure_failure(cw, admin_client):
    store = cw.store()
    closed = next(
        s
        for s in store.rows("board_statuses")
        if s["board"]["id"] == int(HELP_DESK) and s["name"] == "Closed"
    )
    store.delete("board_statuses", closed["id"])
    options = routing.live_options(CW, SECURITY_ALERTS, [HELP_DESK])
    incident = next(o for o in options["board_types"] if o.name == "Incident")
    configure(auto_close_blocked=True, route={"board": HELP_DESK, "type": incident.id})
    cw.alert("av", blocked=True)
    route(T0)
    (ticket,) = cw.tickets()
    assert ticket["status"]["name"] == "New" and not ticket["closedFlag"], "stays open"
    event_row = IntegrationEvent.objects.open().get(kind="ticketing_closure_failure")
    assert "Closed" in event_row.message
    assert states() == ["ticketed"]
    form = {**_form(board=HELP_DESK, type=incident.id), "auto_close_blocked": "on"}
    page = admin_client.post("/ticketing/save", form, follow=True).content.decode()
    assert "Warning: board Help Desk has no Closed status" in page
    assert 'Help Desk: <span class="error">no Closed status' in page


def test_a_type_of_another_board_is_refused(cw, admin_client):
    options = routing.live_options(CW, SECURITY_ALERTS, [HELP_DESK])
    incident = next(o for o in options["board_types"] if o.name == "Incident")
    problems = configure(route={"board": SECURITY_ALERTS, "type": incident.id})
    assert problems and all("choose a valid type of its board" in p for p in problems)
    assert not routing.settings_for(CW).valid
    form = _form(type=incident.id)
    answer = admin_client.post("/ticketing/save", form)
    assert answer.status_code == 400
    assert "Antimalware: choose a valid type of its board." in answer.content.decode()
    assert (
        "choose a valid priority"
        in admin_client.post("/ticketing/save", _form(priority="")).content.decode()
    )


def _form(**route: str) -> dict[str, str]:
    options = routing.live_options(CW, SECURITY_ALERTS, [SECURITY_ALERTS])
    malware = next(o for o in options["board_types"] if o.name == "Malware")
    values = {"board": SECURITY_ALERTS, "type": malware.id, "priority": "2", **route}
    form = {"enabled": "on", "ticket_type_id": SECURITY_ALERTS, "updates_visible": "no"}
    form.update({"antimalware-blocked": "on", "antimalware-current": "on"})
    form.update({f"antimalware-{name}": value for name, value in values.items()})
    return form


def test_the_settings_page_offers_boards_types_and_priorities(cw, admin_client):
    page = admin_client.get("/ticketing/").content.decode()
    assert "Default board *" in page and "Security Alerts" in page and "Help Desk" in page
    assert "<th>Board *</th><th>Type *</th><th>Priority *</th>" in page
    assert "configuration name" in page and "serial number" in page
    assert "Security Alerts: Closed, Cancelled" in page, "closed statuses per board (R5.5)"
    fragment = admin_client.get(
        f"/ticketing/?ticket_type_id={HELP_DESK}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'<option value="{HELP_DESK}" selected>Help Desk</option>' in fragment
    assert '<option value="4" selected>Priority 3 - Normal Response</option>' in fragment
    answer = admin_client.post("/ticketing/save", _form(priority="1"), follow=True)
    assert "Ticketing settings saved." in answer.content.decode()
    assert "become ConnectWise PSA service tickets" in answer.content.decode()
    assert routing.routes_of(routing.settings_for(CW))["antimalware"].values["priority"] == "1"
    closed = routing.settings_for(CW).closed_status_id
    assert cw.store().get("board_statuses", int(closed))["name"] == "Closed"


def test_a_company_that_disallows_saving_parks_only_its_alerts_until_fixed(cw):
    row = _scenario_company(cw.world, "not_approved")
    blocked = _map(cw.world, row)
    endpoint = _endpoints(blocked.company_id)[0]
    cw.post(add_events(event("av", False, blocked.company_id, endpoint)))
    cw.alert("av")  # the fixture's company, whose status allows saving
    route(T0)
    by_company = dict(Alert.objects.values_list("company_id", "state"))
    assert by_company == {blocked.company_id: "parked_unmapped", cw.mapping.company_id: "ticketed"}
    assert "Disallow Saving" in Alert.objects.get(company_id=blocked.company_id).state_reason
    assert routing.settings_for(CW).valid, "one company's status is not a configuration problem"
    assert not IntegrationEvent.objects.open().filter(kind="invalid_ticketing_configuration")
    # mapped, but refused by the PSA: never called "not mapped" (issue 14)
    assert not IntegrationEvent.objects.open().filter(kind="alerts_unmapped_company")
    waiting = IntegrationEvent.objects.open().get(kind="alerts_blocked_company")
    assert blocked.company_id in waiting.scope and "Disallow Saving" in waiting.message
    assert waiting.title.endswith(f": {blocked.company_name}")
    blocked.refresh_from_db()
    assert [i["code"] for i in blocked.issues] == ["disallow_saving"]
    cw.post(add_events(event("av", False, blocked.company_id, endpoint)))
    posts = cw.world.cw_calls()["calls"].get("POST /service/tickets", 0)
    route(T0 + MINUTE)
    assert cw.world.cw_calls()["calls"].get("POST /service/tickets", 0) == posts, "no new try"
    cw.world.sandbox.connectwise.set_company_status(row["psa_company_id"], "Active")
    mapping_services.refresh(CW)
    assert Alert.objects.filter(company_id=blocked.company_id, state="queued").count() == 2
    route(T0 + 2 * MINUTE)
    route(T0 + 4 * MINUTE)  # the second alert of the key waits for its note window (R5.10)
    assert set(Alert.objects.values_list("state", flat=True)) == {"ticketed", "noted"}


def test_an_ambiguous_create_is_adopted_by_reference(cw):
    cw.world.cw_post(
        "faults",
        {"path": "/service/tickets", "method": "POST", "mode": "commit_then_500", "times": 1},
    )
    cw.alert("av")
    first = route(T0)
    assert first.created == 0 and states() == ["queued"]
    assert route(T0 + MINUTE).created == 1
    assert states() == ["ticketed"] and len(cw.tickets()) == 1
    assert TicketThread.objects.count() == 1
    assert cw.world.cw_calls()["calls"].get("POST /service/tickets") == 1, "never a second create"


def test_a_test_ticket_shows_the_exact_routing(cw, admin_client):
    result = trial_ticket.send(CW, "antimalware", "")
    assert result.ok, result.message
    assert result.routing["board_id"] == SECURITY_ALERTS and result.routing["priority_id"] == "2"
    described = dict(result.described)
    assert described["Board"].startswith("Security Alerts") and described["Type"].startswith(
        "Malware"
    )
    assert described["Status"].startswith("New") and described["Priority"].startswith(
        "Priority 2 - High"
    )
    (ticket,) = cw.tickets()
    assert ticket["summary"].startswith("[TEST]") and ticket["status"]["name"] == "New"
    fragment = admin_client.post("/ticketing/test/firewall", {"mapping_id": str(cw.mapping.pk)})
    assert "Board: Security Alerts" in fragment.content.decode()


def test_a_note_whose_answer_is_lost_is_found_not_posted_twice(cw):
    cw.alert("av")
    route(T0)
    cw.alert("av")
    cw.world.cw_post(
        "faults",
        {"path": "/service/tickets/*", "method": "POST", "mode": "commit_then_reset"},
    )
    assert route(T0 + 2 * MINUTE).noted == 0, "the note landed, its answer did not"
    assert route(T0 + 4 * MINUTE).noted == 1, "found by its reference: not posted again"
    (ticket,) = cw.tickets()
    assert len([n for n in ticket["notes"] if "psabridge note" in n["text"]]) == 1
    assert states() == ["ticketed", "noted"]
