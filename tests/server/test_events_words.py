"""Events in human words: named subjects and scopes, the supersession table, an orphaned
mapping's event and its Resolve, Recheck re-checking mappings (R5.7, R7.1)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from psabridge.domain import events as rules
from psabridge.server.core import events as event_service
from psabridge.server.core.models import Connection, IntegrationEvent, SecurityCompany
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping, PsaClient

pytestmark = pytest.mark.django_db


def test_the_supersession_table_is_declared_and_checked():
    for kind, dismissed in rules.SUPERSEDES.items():
        assert kind in rules.KINDS and all(d in rules.KINDS for d in dismissed)
    assert rules.superseded_by("push_disabled", {"push_misconfigured"}) == {"push_misconfigured"}
    assert rules.is_suppressed("push_misconfigured", {"push_disabled"})
    with pytest.raises(KeyError):
        rules.superseded_by("nope", set())


def test_push_switched_off_dismisses_push_points_elsewhere():
    elsewhere = event_service.raise_event("push_misconfigured", message="push goes to x")
    event_service.raise_event("push_disabled", message="status 0")
    elsewhere.refresh_from_db()
    assert elsewhere.state == "superseded"
    assert event_service.raise_event("push_misconfigured") is None  # suppressed while off


def test_events_name_their_company_and_scope(admin_client):
    now = timezone.now()
    SecurityCompany.objects.create(company_id="3f9a", name="Acme Ltd", refreshed_at=now)
    event_service.raise_event(
        "alerts_unmapped_company", scope="autotask:3f9a", message="wait", subject="Acme Ltd"
    )
    event_service.raise_event(
        "alerts_blocked_company",
        scope="connectwise:3f9a",
        message="Disallow Saving",
        subject="Acme Ltd",
    )
    page = admin_client.get("/events/").content.decode()
    assert "Alerts for a company that is not mapped: Acme Ltd" in page
    assert "Alerts wait: the PSA refuses tickets for this company: Acme Ltd" in page
    assert "Autotask PSA · Acme Ltd" in page and "ConnectWise PSA · Acme Ltd" in page
    assert "autotask:3f9a" not in page


@pytest.fixture
def orphan() -> Mapping:
    now = timezone.now()
    Connection.objects.create(system="halopsa", base_url="https://halo.example.test")
    PsaClient.objects.create(system="halopsa", client_id="2", name="Beta", refreshed_at=now)
    SecurityCompany.objects.create(company_id="b", name="Beta", refreshed_at=now)
    Mapping.objects.create(
        system="halopsa",
        psa_client_id="2",
        psa_client_name="Beta",
        company_id="b",
        company_name="Beta",
    )
    return Mapping.objects.create(
        system="halopsa",
        psa_client_id="1",
        psa_client_name="Gone Ltd",
        company_id="a",
        company_name="Gone GmbH",
    )


def test_a_mapping_whose_two_companies_are_gone_opens_an_event_resolve_deletes_it(
    orphan, admin_client
):
    services.recheck("halopsa")
    event = IntegrationEvent.objects.open().get(kind="mapping_orphaned")
    assert event.title == "A mapping whose two companies are gone: Gone Ltd / Gone GmbH"
    assert IntegrationEvent.objects.open().filter(kind="mapping_orphaned").count() == 1
    page = admin_client.post(f"/events/{event.pk}/resolve", follow=True).content.decode()
    assert "mapping Gone Ltd / Gone GmbH deleted" in page
    assert not Mapping.objects.filter(pk=orphan.pk).exists()
    assert not IntegrationEvent.objects.open().filter(kind="mapping_orphaned").exists()


def test_the_orphan_event_closes_when_a_side_comes_back_and_recheck_rechecks_mappings(
    orphan, admin_client
):
    services.recheck("halopsa")
    PsaClient.objects.create(
        system="halopsa", client_id="1", name="Gone Ltd", refreshed_at=timezone.now()
    )
    answer = admin_client.post("/events/recheck", follow=True).content.decode()
    assert "2 mappings rechecked" in answer
    assert not IntegrationEvent.objects.open().filter(kind="mapping_orphaned").exists()


def test_the_raw_event_is_json_and_the_kind_is_a_name(admin_client, post_push):
    import json

    from psabridge.server.alerts.models import Alert
    from tests.conftest import add_events

    post_push(
        add_events(
            {
                "module": "av",
                "companyId": "c1",
                "computer_name": "PC-1",
                "malware_name": "Trojan.X",
                "final_status": "quarantined",
            }
        )
    )
    alert = Alert.objects.get()
    page = admin_client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "(module av)" not in page and "Antimalware" in page
    raw = page.split('<pre id="raw-event">', 1)[1].split("</pre>", 1)[0]
    assert json.loads(raw.replace("&quot;", '"').replace("&#x27;", "'"))["module"] == "av"


def test_every_event_kind_has_a_resolve_that_fixes_or_opens_its_page(admin_client):
    from psabridge.domain.events import KINDS
    from psabridge.server.dashboard.views import FIX_PAGES

    automatic = {
        "push_disabled",
        "push_misconfigured",
        "connection_failed",
        "mapping_orphaned",
        "psa_switched",
        "queue_stuck",
        "companies_auto_imported",
    }
    assert set(KINDS) == automatic | set(FIX_PAGES)
    switched = event_service.raise_event("psa_switched", message="HaloPSA by Autotask PSA")
    page = admin_client.post(f"/events/{switched.pk}/resolve", follow=True).content.decode()
    assert "noted" in page
    switched.refresh_from_db()
    assert switched.state == "resolved"
    waiting = event_service.raise_event("psa_not_connected", scope="halopsa")
    answer = admin_client.post(f"/events/{waiting.pk}/resolve")
    assert answer["Location"] == "/connections/"
