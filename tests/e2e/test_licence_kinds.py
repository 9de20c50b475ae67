"""The alert kinds offered are those of the partner's GravityZone licence (R5.3)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from psabridge.server.ticketing import licence, routing


@pytest.fixture
def without_ats(world: Any) -> Iterator[Any]:
    """The partner's licence without the Advanced Threat Security add-on (HyperDetect, Sandbox
    Analyzer), for one test."""
    gz = world.sandbox.gravityzone
    partner = gz.world.companies[gz.partner_company_id]
    original = partner.licence
    partner.licence = dataclasses.replace(original, addons=original.addons - {"ats"})
    licence.forget()
    yield world
    partner.licence = original
    licence.forget()


def test_kinds_outside_the_licence_are_not_offered_nor_switched_on(without_ats, admin_client):
    page = admin_client.get("/ticketing/").content.decode()
    assert 'data-kind="hyperdetect"' not in page and 'data-kind="sandbox_analyzer"' not in page
    assert 'data-kind="antimalware"' in page
    assert "Not in your GravityZone licence, so not offered: Sandbox Analyzer, HyperDetect" in page
    form = {"enabled": "on", "ticket_type_id": "1", "updates_visible": "no"}
    for kind in ("antimalware", "hyperdetect"):
        form |= {f"{kind}-blocked": "on", f"{kind}-current": "on", f"{kind}-sla_id": "1"}
        form |= {
            f"{kind}-category": "Security",
            f"{kind}-urgency": "2",
            f"{kind}-team": "Service Desk",
        }
    assert admin_client.post("/ticketing/save", form).status_code == 302
    routes = routing.routes_of(routing.settings_for("halopsa"))
    assert routes["antimalware"].active and not routes["hyperdetect"].active


def test_every_kind_is_offered_with_every_add_on(world, admin_client):
    licence.forget()
    page = admin_client.get("/ticketing/").content.decode()
    assert 'data-kind="hyperdetect"' in page and 'id="not-licensed"' not in page
