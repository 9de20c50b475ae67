"""The routing migration carries every saved route over unchanged, under the profile's names."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("ticketing", "0002_retry_spacing_and_note_intents")]
AFTER = [("ticketing", "0003_route_values")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_saved_routes_keep_their_values_under_each_psas_field_names() -> None:
    old = _migrate(BEFORE)
    settings = old.get_model("ticketing", "TicketingSettings")
    route = old.get_model("ticketing", "KindRoute")
    halo = settings.objects.create(system="halopsa", ticket_type_id="1")
    cw = settings.objects.create(system="connectwise", ticket_type_id="7")
    halo_values = {"sla_id": "1", "category": "Security", "urgency": "2", "team": "Service Desk"}
    route.objects.create(settings=halo, kind="antimalware", **halo_values, impact="3")
    route.objects.create(
        settings=cw,
        kind="antimalware",
        team="7",
        category="31",
        priority_id="2",
        urgency="High",
        impact="Low",
    )
    route.objects.create(settings=cw, kind="edr", blocked=False, current=False)
    try:
        new = _migrate(AFTER).get_model("ticketing", "KindRoute")
        saved = {(r.settings.system, r.kind): r for r in new.objects.select_related("settings")}
        assert saved["halopsa", "antimalware"].values == {**halo_values, "impact": "3"}
        assert saved["connectwise", "antimalware"].values == {
            "board": "7",
            "type": "31",
            "priority": "2",
            "severity": "High",
            "impact": "Low",
        }
        assert saved["connectwise", "edr"].values == {}
        assert not saved["connectwise", "edr"].blocked
        back = _migrate(BEFORE).get_model("ticketing", "KindRoute")
        row = back.objects.get(settings__system="connectwise", kind="antimalware")
        assert (row.team, row.category, row.priority_id, row.urgency) == ("7", "31", "2", "High")
    finally:
        _migrate(_latest())


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
