"""`make run` with another PSABRIDGE_SANDBOX_PSA than the one connected: asked, never silent."""

from __future__ import annotations

import pytest

from psabridge import launcher
from psabridge.server.core.models import Connection, IntegrationEvent
from psabridge.server.mappings.models import Mapping

pytestmark = pytest.mark.django_db


@pytest.fixture
def halo_sandbox_with_a_mapping() -> None:
    Connection.objects.create(system="halopsa", base_url="http://127.0.0.1:1", is_sandbox=True)
    Mapping.objects.create(
        system="halopsa", psa_client_id="1", psa_client_name="A", company_id="a", company_name="A"
    )


def test_the_sandbox_psa_is_kept_unless_the_switch_is_asked_for(
    halo_sandbox_with_a_mapping, monkeypatch, capsys
):
    monkeypatch.delenv("PSABRIDGE_SANDBOX_SWITCH", raising=False)
    assert launcher._may_switch_to("connectwise") is False
    said = capsys.readouterr().err
    assert "the sandbox PSA here is HaloPSA (1 mappings)" in said
    assert "PSABRIDGE_SANDBOX_SWITCH=yes" in said
    assert Connection.objects.filter(system="halopsa").exists()
    monkeypatch.setenv("PSABRIDGE_SANDBOX_SWITCH", "yes")
    assert launcher._may_switch_to("connectwise") is True
    assert not Connection.objects.filter(system="halopsa").exists()
    assert IntegrationEvent.objects.open().filter(kind="psa_switched").count() == 1
    assert Mapping.objects.filter(system="halopsa").count() == 1  # kept, unused


def test_nothing_to_ask_when_no_other_psa_is_connected():
    assert launcher._may_switch_to("autotask") is True
    assert not IntegrationEvent.objects.exists()
