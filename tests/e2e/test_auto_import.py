"""The opt-in automatic import: new PSA companies found by Refresh are mapped or created (seeds)."""

from __future__ import annotations

from typing import Any

from psabridge.server.core.models import IntegrationEvent
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping, MappingSettings


def _new_halo_client(world: Any, name: str) -> None:
    """A client the MSP adds in HaloPSA (the sandbox store, as its UI would)."""
    store = world.sandbox.halopsa.store
    with world.sandbox.halopsa.lock:
        next_id = max(store.tables["clients"]) + 1
        store.tables["clients"][next_id] = {
            **store.tables["clients"][min(store.tables["clients"])],
            "id": next_id,
            "name": name,
        }


def test_off_by_default_then_new_companies_are_mapped_or_created(world, admin_client):
    before = Mapping.objects.count()
    _new_halo_client(world, "Brand New Bakery Ltd")
    services.refresh("halopsa")
    assert Mapping.objects.count() == before  # off: only suggested on the page
    answer = admin_client.post("/mappings/auto-import", {"auto_import": "on"}, follow=True)
    assert "Automatic import is on" in answer.content.decode()
    assert MappingSettings.current().auto_import
    _new_halo_client(world, "Another Newcomer GmbH")
    page = admin_client.post("/mappings/refresh", follow=True).content.decode()
    assert "new PSA companies mapped automatically" in page
    created = Mapping.objects.get(psa_client_name="Another Newcomer GmbH")
    assert world.sandbox.gravityzone.world.companies[created.company_id].name == (
        "Another Newcomer GmbH"
    )
    assert not Mapping.objects.filter(psa_client_name="Brand New Bakery Ltd").exists()  # not new
    event = IntegrationEvent.objects.open().get(kind="companies_auto_imported")
    assert "Another Newcomer GmbH created in GravityZone and mapped" in event.message
    services.refresh("halopsa")
    assert IntegrationEvent.objects.open().get(kind="companies_auto_imported").count == 1
