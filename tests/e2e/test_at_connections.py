"""Autotask PSA connection page (R1.3-R1.5), the status page and events with Autotask."""

from __future__ import annotations

from typing import Any

import pytest

from psabridge.server.core import connections
from psabridge.server.core.models import Connection, IntegrationEvent
from psabridge.server.mappings.models import PsaClient
from tests.e2e.at_world import AT, AT_FIELDS, AtWorld, at_sandbox, at_world  # noqa: F401


@pytest.fixture
def world(at_world: AtWorld, admin_client: Any) -> AtWorld:  # noqa: F811
    Connection.objects.filter(system=AT).delete()
    return at_world


def _values(info: dict[str, str], **changes: str) -> dict[str, str]:
    return {**{name: info[name] for name in AT_FIELDS}, **changes}


def test_validate_names_each_wrong_value_and_saves_nothing(world, admin_client):
    wrong = _values(world.at, secret="not-the-secret")
    fragment = admin_client.post("/connections/autotask/validate", wrong).content.decode()
    assert 'data-outcome="invalid_key"' in fragment
    page = admin_client.post("/connections/autotask/save", wrong).content.decode()
    assert not Connection.objects.filter(system=AT).exists()
    assert "not-the-secret" not in page
    unknown = _values(world.at, username="nobody@example.com")
    fragment = admin_client.post("/connections/autotask/validate", unknown).content.decode()
    assert 'data-outcome="invalid_key"' in fragment and "nobody@example.com" in fragment
    away = _values(world.at, zone_url="http://127.0.0.1:9")
    fragment = admin_client.post("/connections/autotask/validate", away).content.decode()
    assert 'data-outcome="cannot_connect"' in fragment


def test_save_keeps_secrets_encrypted_shows_four_characters_and_refreshes(world, admin_client):
    good = _values(world.at)
    assert admin_client.post("/connections/autotask/save", good).status_code == 302
    stored = Connection.objects.get(system=AT)
    assert stored.is_valid and stored.base_url == world.at["zone_url"]
    for secret in (world.at["secret"], world.at["integration_code"]):
        assert secret not in stored.credentials_encrypted
    page = admin_client.get("/connections/autotask/").content.decode()
    assert world.at["secret"] not in page and world.at["integration_code"] not in page
    assert world.at["integration_code"][-4:] in page
    assert PsaClient.objects.filter(system=AT).count() > 10, "companies were read"
    again = admin_client.post(
        "/connections/autotask/save", {**good, "secret": "", "integration_code": ""}
    )
    assert again.status_code == 302
    assert connections.stored_values(stored)["secret"] == world.at["secret"]


def test_status_and_connections_name_autotask(at_world, admin_client):  # noqa: F811
    status = admin_client.get("/status/").content.decode()
    assert "Autotask PSA" in status and "ConnectWise PSA" not in status
    listed = admin_client.get("/connections/").content.decode()
    assert "Autotask PSA" in listed


def test_a_credential_revoked_later_raises_one_connection_event(at_world, admin_client):  # noqa: F811
    import dataclasses

    sim = at_world.sandbox.autotask
    original = sim.credentials
    sim.credentials = dataclasses.replace(original, secret="rotated-by-the-admin")
    try:
        page = admin_client.post("/events/recheck", follow=True).content.decode()
    finally:
        sim.credentials = original
    events = IntegrationEvent.objects.open().filter(scope__contains=AT)
    assert events.exists(), page
    assert "Autotask PSA" in admin_client.get("/events/").content.decode()
