"""The dashboard an MSP opens each morning: systems, alerts and tickets, billing, mappings."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from psabridge.server.billing.models import BillingRun
from psabridge.server.core import events as event_service
from psabridge.server.core.models import Connection
from psabridge.server.mappings.models import Mapping


def test_a_fresh_install_opens_on_the_guide_and_can_skip_it(admin_client):
    answer = admin_client.get("/")
    assert answer.status_code == 302 and answer["Location"] == "/setup/"
    guide = admin_client.get("/setup/").content.decode()
    assert guide.count('class="locked"') == 5 and 'class="current"' in guide
    assert "Connect GravityZone" in guide and "Enable event push" in guide
    skipped = admin_client.post("/setup/skip", follow=True).content.decode()
    assert "Guide skipped" in skipped and "All clear" in skipped
    assert 'data-system="GravityZone"' in skipped and 'data-system="PSA"' in skipped
    assert "Not connected" in skipped and "Connect one" in skipped


def test_the_guide_follows_what_is_configured(admin_client):
    from psabridge.server.dashboard import setup

    now = timezone.now()
    for system in ("gravityzone", "halopsa"):
        Connection.objects.create(
            system=system,
            base_url="https://x.example.test",
            validated_at=now,
            validation_outcome="ok",
        )
    found = setup.steps()
    assert [s.done for s in found] == [True, True, False, False, False, False]
    assert [s.open for s in found] == [True, True, True, False, False, False]
    Mapping.objects.create(
        system="halopsa",
        psa_client_id="1",
        psa_client_name="A",
        company_id="a",
        company_name="A",
    )
    assert setup.steps()[2].done and setup.steps()[3].open
    guide = admin_client.get("/setup/").content.decode()
    assert "Map the products to PSA items on Billing" in guide
    assert admin_client.get("/").status_code == 200  # GravityZone is connected: the dashboard


def test_systems_alerts_billing_mappings_and_attention(admin_client, post_push):
    from tests.conftest import add_events

    now = timezone.now()
    Connection.objects.create(
        system="halopsa",
        base_url="https://halo.example.test",
        validated_at=now,
        validation_outcome="invalid_key",
        validation_message="The client secret is wrong",
    )
    Mapping.objects.create(
        system="halopsa",
        psa_client_id="1",
        psa_client_name="A",
        company_id="a",
        company_name="A",
        billing=True,
        issues=[{"code": "company_gone", "text": "gone", "action": "map it"}],
    )
    BillingRun.objects.create(
        system="halopsa",
        month=_month_to_bill(),
        push=True,
        started_at=now,
        finished_at=now + timedelta(seconds=5),
        writes=3,
    )
    event_service.raise_event("push_disabled", message="status 0")
    session = admin_client.session
    session["setup_skipped"] = True  # GravityZone is not connected here: skip the guide
    session.save()
    post_push(
        add_events(
            {
                "module": "av",
                "companyId": "a",
                "computer_name": "PC",
                "malware_name": "X",
                "final_status": "quarantined",
            }
        )
    )
    page = admin_client.get("/").content.decode()
    assert 'data-system="HaloPSA"' in page and "Credentials refused" in page
    assert "The client secret is wrong" in page
    assert "GravityZone event push switched off" in page
    assert "pushed" in page and "3 writes" in page and "1 mapping with Billing on" in page
    assert "1 mapped, <strong>1 needs attention</strong>" in page
    assert "?view=attention" in page
    assert ">Antimalware</a>" in page  # the kind's name, not its slug


def _month_to_bill() -> str:
    from psabridge.server.billing import collection

    return str(collection.month_to_bill("halopsa"))
