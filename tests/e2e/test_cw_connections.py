"""ConnectWise PSA and Automate connection pages (R1.3-R1.5): Validate, Save, secrets hidden."""

from __future__ import annotations

from typing import Any

import pytest

from psabridge.server.core import connections
from psabridge.server.core.models import Connection
from psabridge.server.mappings.models import PsaClient
from tests.e2e.cw_world import cw_sandbox, cw_world  # noqa: F401

CW_FIELDS = ("site_url", "company_id", "public_key", "private_key", "client_id")
AUTOMATE_FIELDS = ("server_url", "username", "password", "client_id")


@pytest.fixture
def world(cw_world: Any, admin_client: Any) -> Any:  # noqa: F811
    Connection.objects.filter(system__in=["connectwise", "automate"]).delete()
    return cw_world


def _values(info: dict[str, str], names: tuple[str, ...], **changes: str) -> dict[str, str]:
    return {**{name: info[name] for name in names}, **changes}


def test_validate_reports_a_wrong_private_key_and_saves_nothing(world, admin_client):
    wrong = _values(world.cw, CW_FIELDS, private_key="not-the-key")
    fragment = admin_client.post("/connections/connectwise/validate", wrong).content.decode()
    assert "invalid" in fragment.lower()
    page = admin_client.post("/connections/connectwise/save", wrong).content.decode()
    assert not Connection.objects.filter(system="connectwise").exists()
    assert "not-the-key" not in page


def test_validate_reports_an_unknown_company_id(world, admin_client):
    unknown = _values(world.cw, CW_FIELDS, company_id="nosuchcompany")
    fragment = admin_client.post("/connections/connectwise/validate", unknown).content.decode()
    assert "company" in fragment.lower() and "ok" not in fragment.split()


def test_save_keeps_keys_encrypted_shows_four_characters_and_refreshes_mappings(
    world, admin_client
):
    good = _values(world.cw, CW_FIELDS)
    answer = admin_client.post("/connections/connectwise/save", good)
    assert answer.status_code == 302
    stored = Connection.objects.get(system="connectwise")
    assert stored.is_valid and stored.base_url == world.cw["site_url"]
    assert world.cw["private_key"] not in stored.credentials_encrypted
    page = admin_client.get("/connections/connectwise/").content.decode()
    assert world.cw["private_key"] not in page and world.cw["public_key"] not in page
    assert world.cw["private_key"][-4:] in page
    assert PsaClient.objects.filter(system="connectwise").count() > 10, "companies were read"
    # A blank key on a later save keeps the stored one (R1.5: replace without deleting).
    again = admin_client.post(
        "/connections/connectwise/save", {**good, "private_key": "", "public_key": ""}
    )
    assert again.status_code == 302
    assert connections.stored_values(stored)["private_key"] == world.cw["private_key"]


def test_automate_connection_links_clients_into_the_mappings(world, admin_client):
    admin_client.post("/connections/connectwise/save", _values(world.cw, CW_FIELDS))
    wrong = _values(world.automate, AUTOMATE_FIELDS, password="nope")
    fragment = admin_client.post("/connections/automate/validate", wrong).content.decode()
    assert "invalid" in fragment.lower()
    answer = admin_client.post(
        "/connections/automate/save", _values(world.automate, AUTOMATE_FIELDS)
    )
    assert answer.status_code == 302
    assert PsaClient.objects.filter(system="automate").count() > 10, "Automate clients read"
    assert "Automate client" in admin_client.get("/mappings/").content.decode()
    page = admin_client.get("/connections/automate/").content.decode()
    assert world.automate["password"] not in page
