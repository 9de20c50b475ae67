"""Push -> receiver -> worker -> HaloPSA simulator, with the clock injected (SPEC R5)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from psabridge.server.alerts.models import Alert
from psabridge.server.core import connections
from psabridge.server.core.models import IntegrationEvent
from psabridge.server.ticketing import engine, key_work
from psabridge.server.ticketing.models import TicketThread
from tests.e2e.conftest import T0, configure

MINUTE = timedelta(minutes=1)


def route(at):
    return engine.route_queued(now=at)


def states():
    return list(Alert.objects.order_by("id").values_list("state", flat=True))


def test_first_alert_opens_a_ticket_with_the_configured_routing(world):
    world.alert("av", blocked=False)
    result = route(T0)
    assert result.created == 1
    (ticket,) = world.tickets()
    assert ticket["tickettype_id"] == 1 and ticket["status_id"] == 1  # the type's initial status
    assert ticket["sla_id"] == 1 and ticket["category_1"] == "Security"
    assert ticket["urgency"] == 2 and ticket["team"] == "Service Desk"
    thread = TicketThread.objects.get()
    assert ticket["third_party_id_string"] == thread.reference == ticket["supplier_reference"]
    assert [a["id"] for a in ticket.get("assets", [])], "the endpoint's asset is referenced (R5.12)"
    alert = Alert.objects.get()
    assert alert.state == "ticketed" and alert.psa_ticket_id == str(ticket["id"])


@pytest.mark.parametrize(("visible", "hidden"), [(False, True), (True, False)])
def test_second_alert_becomes_a_private_or_visible_note(world, visible, hidden):
    configure(updates_visible=visible)
    world.alert("av")
    route(T0)
    world.alert("av")
    assert route(T0 + 2 * MINUTE).noted == 1
    (ticket,) = world.tickets()
    notes = [a for a in ticket["actions"] if "alert" in (a.get("note") or "").lower()]
    assert len(notes) == 1 and notes[0]["hiddenfromuser"] is hidden
    assert ticket["status_id"] == 1, "a note leaves the status as it is"
    assert states() == ["ticketed", "noted"]


@pytest.mark.parametrize("lost", ["commit_then_reset", "commit_then_500"])
def test_a_note_whose_answer_is_lost_is_found_not_posted_twice(world, lost):
    world.alert("av")
    route(T0)
    world.alert("av")
    world.sandbox_post("faults", {"path": "/api/Actions", "method": "POST", "mode": lost})
    assert route(T0 + 2 * MINUTE).noted == 0, "the note landed, its answer did not"
    world.alert("av")  # arrives meanwhile: waits for the next note, not in the lost one
    assert route(T0 + 4 * MINUTE).noted == 1, "found by its reference: not posted again"
    (ticket,) = world.tickets()
    notes = [a for a in ticket["actions"] if "psabridge note" in (a.get("note") or "")]
    assert len(notes) == 1, "exactly one note"
    assert route(T0 + 6 * MINUTE).noted == 1, "the later alert in a note of its own"
    assert states() == ["ticketed", "noted", "noted"]


def test_notes_of_a_storm_are_coalesced(world):
    world.alert("av")
    route(T0)
    for _ in range(25):
        world.alert("av")
    assert route(T0 + timedelta(seconds=10)).noted == 0, "within the window notes wait"
    assert route(T0 + 2 * MINUTE).noted == 25
    (ticket,) = world.tickets()
    assert len([a for a in ticket["actions"] if "25 more alerts" in (a.get("note") or "")]) == 1


def test_other_endpoint_or_kind_opens_its_own_ticket(world):
    world.alert("av", endpoint=0)
    world.alert("av", endpoint=1)
    world.alert("new-incident", endpoint=0)
    assert route(T0).created == 3
    assert len(world.tickets()) == 3


def test_after_a_close_the_next_alert_opens_a_new_ticket(world):
    world.alert("av")
    route(T0)
    (ticket,) = world.tickets()
    connections.stored_desk("halopsa").close_ticket(str(ticket["id"]), "9")  # a technician
    world.alert("av")
    assert route(T0 + 2 * MINUTE).created == 1
    assert len(world.tickets()) == 2


@pytest.mark.parametrize(
    ("age", "new_ticket"), [(timedelta(hours=23, minutes=59), False), (timedelta(hours=24), True)]
)
def test_24_hours_after_the_last_update_a_new_ticket(world, age, new_ticket):
    world.alert("av")
    route(T0)
    world.alert("av")
    result = route(T0 + age)
    assert (result.created, result.noted) == ((1, 0) if new_ticket else (0, 1))


def test_auto_close_of_blocked_threats(world):
    configure(auto_close_blocked=True)
    world.alert("av", blocked=True)
    world.alert("av", blocked=False, endpoint=1)
    route(T0)
    by_status = sorted(t["status_id"] for t in world.tickets())
    assert by_status == [1, 9], "the blocked threat's ticket is closed, the current one stays open"


def test_no_closed_status_raises_a_closure_failure_event(world):
    world.sandbox_post("statuses/remove", {"name": "Closed"})
    configure(auto_close_blocked=True)
    world.alert("av", blocked=True)
    route(T0)
    (ticket,) = world.tickets()
    assert ticket["status_id"] == 1
    assert IntegrationEvent.objects.open().filter(kind="ticketing_closure_failure").exists()


def test_invalid_configuration_parks_alerts_and_the_fix_replays_them(world):
    # Priority 4 exists, but not in SLA 2: HaloPSA refuses the ticket (reference 3.4).
    assert configure(route={"sla_id": "2", "priority_id": "4"}) == []
    world.alert("av")
    route(T0)
    assert states() == ["parked_config"] and world.tickets() == []
    event = IntegrationEvent.objects.open().get(kind="invalid_ticketing_configuration")
    assert "priority" in event.message.lower() or "sla" in event.message.lower()
    world.alert("av", endpoint=1)
    route(T0 + MINUTE)
    assert states() == ["parked_config", "parked_config"], "further alerts park at once"
    assert configure() == []  # fixed: replays the parked alerts
    assert (
        not IntegrationEvent.objects.open().filter(kind="invalid_ticketing_configuration").exists()
    )
    route(T0 + 2 * MINUTE)
    assert states() == ["ticketed", "ticketed"] and len(world.tickets()) == 2


def test_invalid_configuration_supersedes_closure_failure(world):
    world.sandbox_post("statuses/remove", {"name": "Closed"})
    configure(auto_close_blocked=True)
    world.alert("av", blocked=True)
    route(T0)
    configure(auto_close_blocked=True, route={"sla_id": "2", "priority_id": "4"})
    world.alert("av", blocked=True, endpoint=1)
    route(T0 + MINUTE)
    closure = IntegrationEvent.objects.get(kind="ticketing_closure_failure")
    assert closure.state == "superseded"


@pytest.mark.parametrize("mode", ["commit_then_500", "commit_then_reset"])
def test_ambiguous_create_failure_is_looked_up_never_duplicated(world, mode):
    world.sandbox_post(
        "faults",
        {"path": "/api/Tickets", "method": "POST", "mode": mode, "status": 500, "times": 1},
    )
    world.alert("av")
    first = route(T0)
    assert first.created == 0 and first.run_again_in is not None
    assert states() == ["queued"]
    assert route(T0 + MINUTE).created == 1  # the lookup by reference adopts the committed ticket
    assert states() == ["ticketed"]
    assert world.halo_state()["calls"].get("POST /api/Tickets") == 1, "never a second create"
    assert len(world.tickets()) == 1
    assert TicketThread.objects.count() == 1


@pytest.mark.parametrize(("mode", "status"), [("status", 500), ("status", 429)])
def test_halo_errors_are_retried_without_duplicates(world, mode, status):
    world.sandbox_post(
        "faults",
        {
            "path": "/api/Tickets",
            "method": "POST",
            "mode": mode,
            "status": status,
            "retry_after": 1,
            "times": 1,
        },
    )
    world.alert("av")
    route(T0)
    route(T0 + MINUTE)
    route(T0 + 2 * MINUTE)  # an ambiguous 500 is looked up for 90 s before any new create
    assert len(world.tickets()) == 1
    assert states() == ["ticketed"]


def test_halo_timeout_is_retried_without_duplicates(world):
    from psabridge.connectors.registry import ConnectorOptions, create_connector
    from psabridge.server.core.connections import stored_values

    values = stored_values(connections.connection_for("halopsa"))
    options = ConnectorOptions(http={"timeout": 1.0, "sleeper": lambda s: None})
    desk = create_connector("halopsa", values, options)
    world.sandbox_post(
        "faults",
        {
            "path": "/api/Tickets",
            "method": "POST",
            "mode": "latency",
            "latency_ms": 2500,
            "times": 1,
        },
    )
    world.alert("av")
    engine.route_queued(now=T0, desk=desk)  # times out: the PSA commits the ticket late
    engine.route_queued(now=T0 + MINUTE, desk=desk)  # not there yet or adopted; never re-created
    _wait_for(lambda: len(world.tickets()) == 1)
    engine.route_queued(now=T0 + 2 * MINUTE, desk=desk)  # adopts the late ticket by reference
    assert states() == ["ticketed"]
    assert world.halo_state()["calls"].get("POST /api/Tickets") == 1, "one create, never a second"
    assert len(world.tickets()) == 1


def test_a_slow_create_after_an_outage_is_waited_for_not_repeated(world):
    # The case: 503s for 100 s, then one create held past the client's timeout and
    # committed late. The grace counted from the intent (100 s old) let a second create go.
    from psabridge.connectors.registry import ConnectorOptions, create_connector
    from psabridge.server.core.connections import stored_values

    values = stored_values(connections.connection_for("halopsa"))
    options = ConnectorOptions(http={"timeout": 1.0, "sleeper": lambda s: None})
    desk = create_connector("halopsa", values, options)
    down = {"path": "/api/Tickets", "method": "POST", "mode": "status", "status": 503}
    world.sandbox_post("faults", {**down, "times": None})
    world.alert("av")
    seconds = timedelta(seconds=1)
    engine.route_queued(now=T0, desk=desk)  # 503: retried no sooner than 30 s later
    calls = world.halo_state()["calls"]
    posts = calls.get("POST /api/Tickets")
    engine.route_queued(now=T0 + 10 * seconds, desk=desk)
    assert world.halo_state()["calls"] == calls, "retries are spaced: no call before 30 s"
    for at in (35, 70):
        engine.route_queued(now=T0 + at * seconds, desk=desk)  # still down
    world.sandbox.halopsa.faults.clear()
    slow = {"path": "/api/Tickets", "method": "POST", "mode": "latency", "latency_ms": 2500}
    world.sandbox_post("faults", slow)
    engine.route_queued(now=T0 + 105 * seconds, desk=desk)  # times out; commits 2.5 s later
    engine.route_queued(now=T0 + 140 * seconds, desk=desk)  # not there yet: wait, no create
    assert world.halo_state()["calls"].get("POST /api/Tickets") == posts + 1, "no second create"
    _wait_for(lambda: len(world.tickets()) == 1)
    time.sleep(1)  # past the held create's commit: any second ticket would show by now
    engine.route_queued(now=T0 + 200 * seconds, desk=desk)  # adopted by its reference
    assert states() == ["ticketed"]
    assert len(world.tickets()) == 1, "one ticket: the late create was adopted"


def test_a_late_create_is_adopted_soon_after_it_lands_not_at_the_end_of_the_grace(world):
    from psabridge.connectors.registry import ConnectorOptions, create_connector
    from psabridge.server.core.connections import stored_values

    values = stored_values(connections.connection_for("halopsa"))
    options = ConnectorOptions(http={"timeout": 1.0, "sleeper": lambda s: None})
    desk = create_connector("halopsa", values, options)
    slow = {"path": "/api/Tickets", "method": "POST", "mode": "latency", "latency_ms": 2500}
    world.sandbox_post("faults", slow)
    world.alert("av")
    seconds = timedelta(seconds=1)
    engine.route_queued(now=T0, desk=desk)  # times out; HaloPSA commits it 1.5 s later
    engine.route_queued(now=T0 + 31 * seconds, desk=desk)  # looked up before it landed
    _wait_for(lambda: len(world.tickets()) == 1)
    engine.route_queued(now=T0 + 47 * seconds, desk=desk)  # looked up again 15 s later
    assert states() == ["ticketed"], "adopted 47 s after the create, not after 90"
    assert world.halo_state()["calls"].get("POST /api/Tickets") == 1


def _wait_for(condition, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the sandbox did not catch up"
        time.sleep(0.1)


def test_unmapped_company_is_parked_then_replayed_after_mapping(world):
    from psabridge.server.mappings import services
    from tests.e2e.conftest import event

    free = next(r for r in services.rows("halopsa", "unmapped") if r.psa and r.suggestion)
    company_id = free.suggestion.company.id
    endpoint = {"id": "e" * 24, "name": "UNMAPPED-WS-1"}
    from tests.conftest import add_events

    world.post(add_events(event("av", False, company_id, endpoint)))
    route(T0)
    assert states() == ["parked_unmapped"]
    assert IntegrationEvent.objects.open().filter(kind="alerts_unmapped_company").exists()
    services.confirm("halopsa", free.psa.client_id, company_id)
    assert states() == ["queued"]
    route(T0 + MINUTE)
    assert states() == ["ticketed"]
    assert not IntegrationEvent.objects.open().filter(kind="alerts_unmapped_company").exists()


def test_edr_incident_pushed_again_is_a_note_on_its_ticket(world):
    world.alert("new-incident", incident_id="incident-42", severity_score=80)
    route(T0)
    world.alert("new-incident", incident_id="incident-42", severity_score=95)
    result = route(T0 + 2 * MINUTE)
    assert (result.created, result.noted) == (0, 1)
    assert len(world.tickets()) == 1


def test_switched_off_kinds_and_mappings_are_not_ticketed(world):
    world.mapping.ticketing = False
    world.mapping.save()
    world.alert("av")
    route(T0)
    assert states() == ["skipped"]
    assert world.tickets() == [], [
        (t["summary"], t["third_party_id_string"]) for t in world.tickets()
    ]


def test_test_ticket_shows_the_routing(world):
    from psabridge.server.ticketing import trial_ticket

    result = trial_ticket.send("halopsa", "antimalware", "")
    assert result.ok, result.message
    assert result.routing["tickettype_id"] == "1" and result.routing["team"] == "Service Desk"
    (ticket,) = world.tickets()
    assert ticket["summary"].startswith("[TEST]")


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_key_make_one_ticket(world):
    for _ in range(5):
        world.alert("av")
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            engine.route_queued(now=T0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(world.tickets()) == 1
    assert TicketThread.objects.count() == 1


class Crash(Exception):
    """The worker dying (kill -9, a lost database session) between two writes."""


def _crash_once_on(monkeypatch, state):
    real, crashed = key_work._set, []

    def dying(alerts, new_state, *args, **kwargs):
        if new_state == state and not crashed:
            crashed.append(new_state)
            raise Crash(new_state)
        return real(alerts, new_state, *args, **kwargs)

    monkeypatch.setattr(key_work, "_set", dying)


def test_a_crash_after_the_ticket_is_recorded_never_turns_its_alert_into_a_note(world, monkeypatch):
    # Seen in bench/chaos.py: the thread said "open" but its alert was still queued, so the next
    # run listed the ticket's own alert in a note. The two writes are one transaction now.
    _crash_once_on(monkeypatch, "ticketed")
    world.alert("av")
    with pytest.raises(Crash):
        route(T0)
    route(T0 + 2 * MINUTE)  # the create's reference is looked up: adopted, not noted
    assert states() == ["ticketed"]
    (ticket,) = world.tickets()
    assert not [a for a in ticket["actions"] if "psabridge note" in (a.get("note") or "")]


def test_a_crash_after_a_note_is_posted_never_posts_its_alerts_again(world, monkeypatch):
    world.alert("av")
    route(T0)
    world.alert("av")
    _crash_once_on(monkeypatch, "noted")
    with pytest.raises(Crash):
        route(T0 + 2 * MINUTE)
    route(T0 + 4 * MINUTE)  # the note's reference is looked up: found, not posted again
    assert states() == ["ticketed", "noted"]
    (ticket,) = world.tickets()
    assert len([a for a in ticket["actions"] if "psabridge note" in (a.get("note") or "")]) == 1
