"""Switching the connected PSA is explicit: it asks, parks what depended on the old PSA, raises
one event, and never floods the log; reconnecting brings the parked alerts back (issue 14)."""

from __future__ import annotations

import logging
from typing import Any

from psabridge.server.alerts.models import Alert
from psabridge.server.core.models import Connection, IntegrationEvent
from psabridge.server.ticketing import engine
from tests.e2e.conftest import T0

CW_FIELDS = ("site_url", "company_id", "public_key", "private_key", "client_id")
HALO_FIELDS = ("base_url", "auth_url", "tenant", "client_id", "client_secret")


def _form(world: Any, system: str, names: tuple[str, ...], **extra: str) -> dict[str, str]:
    return {**{n: world.sandbox.info()[system][n] for n in names}, **extra}


def test_connecting_another_psa_asks_first_and_saves_nothing_unasked(world, admin_client):
    page = admin_client.get("/connections/connectwise/").content.decode()
    assert 'id="psa-switch"' in page and "HaloPSA is connected now." in page
    answer = admin_client.post(
        "/connections/connectwise/save", _form(world, "connectwise", CW_FIELDS)
    )
    assert "Tick “Replace HaloPSA”" in answer.content.decode()
    assert set(Connection.objects.values_list("system", flat=True)) == {"gravityzone", "halopsa"}


def test_a_confirmed_switch_parks_the_old_psa_s_alerts_with_one_event_and_no_log_storm(
    world, admin_client, caplog
):
    form = _form(world, "connectwise", CW_FIELDS, replace_psa="halopsa")
    assert admin_client.post("/connections/connectwise/save", form).status_code == 302
    assert not Connection.objects.filter(system="halopsa").exists()
    switched = IntegrationEvent.objects.open().get(kind="psa_switched")
    assert switched.title == "The connected PSA was replaced: HaloPSA by ConnectWise PSA"
    caplog.set_level(logging.WARNING)
    for minute in range(5):  # alerts keep coming for the company HaloPSA's ticketing covered
        world.alert("av", endpoint=minute % len(world.endpoints))
        engine.route_queued(now=T0)
    states = set(Alert.objects.values_list("state", "state_reason"))
    assert states == {("parked_config", "HaloPSA is not connected")}
    waiting = IntegrationEvent.objects.open().filter(kind="psa_not_connected")
    assert waiting.count() == 1 and waiting.get().count >= 5
    assert "not connected yet" not in caplog.text  # no call was tried
    # Switching back: the old PSA's mappings and settings are there, its alerts are ticketed.
    back = _form(world, "halopsa", HALO_FIELDS, replace_psa="connectwise")
    assert admin_client.post("/connections/halopsa/save", back).status_code == 302
    assert set(Alert.objects.values_list("state", flat=True)) == {"queued"}
    result = engine.route_queued(now=T0)
    assert result.created >= 1
    assert not IntegrationEvent.objects.open().filter(kind="psa_not_connected").exists()
