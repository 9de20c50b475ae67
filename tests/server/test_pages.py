"""Pages: login required, every menu page renders real content, events can be ignored."""

from __future__ import annotations

import pytest

from psabridge.server.core import events as event_service
from psabridge.server.core.models import IntegrationEvent
from tests.conftest import add_events

pytestmark = pytest.mark.django_db
MENU = [
    "/",
    "/setup/",
    "/connections/",
    "/mappings/",
    "/ticketing/",
    "/billing/",
    "/alerts/",
    "/events/",
    "/status/",
]


@pytest.mark.parametrize("path", [*MENU, "/connections/gravityzone/", "/alerts/ignored/"])
def test_pages_need_a_login(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")


def test_login_page_and_wrong_password(client, admin_client):
    client.logout()
    assert client.get("/login/").status_code == 200
    answer = client.post("/login/", {"username": "admin", "password": "nope"})
    assert b"did not match" in answer.content


@pytest.mark.parametrize("path", MENU)
def test_every_menu_page_renders_with_the_navigation(admin_client, path):
    answer = admin_client.get(path, follow=True)  # a new install's dashboard opens the guide
    assert answer.status_code == 200
    html = answer.content.decode()
    for label in (
        "Dashboard",
        "Connections",
        "Mappings",
        "Ticketing",
        "Billing",
        "Alerts",
        "Events",
        "Status",
    ):
        assert f">{label}" in html


def test_pages_waiting_for_a_psa_say_so(admin_client):
    for path in ("/mappings/", "/ticketing/"):
        assert b"Not configured yet" in admin_client.get(path).content
    billing = admin_client.get("/billing/").content.decode()
    assert "billing is not configured yet" in billing
    assert "<title>Billing · psabridge</title>" in billing


def test_alerts_page_lists_pushed_alerts_and_detail_redacts_secrets(admin_client, post_push):
    event = {
        "module": "av",
        "companyId": "c" * 24,
        "computer_name": "WS-1",
        "final_status": "ignored",
        "malware_name": "EICAR",
        "timestamp": "2024-07-12T08:33:13.000Z",
        "license_key": "LICENSE-SHOULD-NOT-SHOW",
    }
    post_push(add_events(event))
    page = admin_client.get("/alerts/").content.decode()
    assert "WS-1" in page and "Current threat" in page
    from psabridge.server.alerts.models import Alert

    detail = admin_client.get(f"/alerts/{Alert.objects.get().pk}/").content.decode()
    assert "EICAR" in detail
    assert "LICENSE-SHOULD-NOT-SHOW" not in detail and "[redacted]" in detail


def test_alerts_page_filters(admin_client, post_push):
    blocked = {"module": "aph", "status": "aph_blocked", "computer_name": "A", "url": "http://x"}
    current = {"module": "aph", "status": "reportOnly", "computer_name": "B", "url": "http://y"}
    post_push(add_events(blocked, current))
    html = admin_client.get("/alerts/?outcome=blocked", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-outcome="blocked"' in html and 'data-outcome="current"' not in html


def test_events_page_counts_supersedes_and_ignores(admin_client):
    event_service.raise_event("ticketing_closure_failure", scope="halopsa")
    event_service.raise_event("ticketing_closure_failure", scope="halopsa")
    closure = IntegrationEvent.objects.get()
    assert closure.count == 2
    event_service.raise_event("invalid_ticketing_configuration", scope="halopsa")
    closure.refresh_from_db()
    assert closure.state == "superseded"
    # A lower event is not reopened while the higher one is open.
    assert event_service.raise_event("ticketing_closure_failure", scope="halopsa") is None
    page = admin_client.get("/events/").content.decode()
    assert "Invalid ticketing configuration" in page
    higher = IntegrationEvent.objects.get(kind="invalid_ticketing_configuration")
    admin_client.post(f"/events/{higher.pk}/ignore")
    higher.refresh_from_db()
    assert higher.state == "ignored"


def test_open_event_counter_in_menu(admin_client):
    event_service.raise_event("push_disabled")
    assert 'id="open-event-count">1<' in admin_client.get("/status/").content.decode()


def test_health_is_public_and_metrics_need_a_token_or_a_login(client, db, settings):
    from psabridge.server.core.access import digest
    from psabridge.server.core.models import ApiToken

    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/metrics").status_code == 401  # on the host GravityZone must reach
    ApiToken.objects.create(name="prometheus", token_sha256=digest("scrape-1"), scope="read")
    scraped = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-1")
    assert scraped.status_code == 200 and b"psabridge_open_events" in scraped.content
    settings.METRICS_PUBLIC = True  # a scraper inside a trusted network
    assert client.get("/metrics").status_code == 200


def test_resolve_opens_the_fix_page_or_applies_the_fix(admin_client):
    unmapped = event_service.raise_event("alerts_unmapped_company", scope="halopsa:x")
    answer = admin_client.post(f"/events/{unmapped.pk}/resolve")
    assert answer.status_code == 302 and answer["Location"] == "/mappings/"
    failing = event_service.raise_event("connection_failed", scope="halopsa")
    page = admin_client.post(f"/events/{failing.pk}/resolve", follow=True).content.decode()
    assert "the connection no longer exists" in page


def test_stuck_work_turns_healthz_and_the_status_page_red_and_raises_an_event(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    from psabridge.server.alerts import queue_health
    from psabridge.server.alerts.models import InboundEvent, PushReceiver
    from psabridge.server.core.models import IntegrationEvent, Lease

    assert admin_client.get("/healthz").status_code == 200
    receiver = PushReceiver.objects.create()
    old = timezone.now() - timedelta(minutes=10)
    InboundEvent.objects.create(
        receiver=receiver, dedupe_key="x" * 64, payload={}, body_shape="jsonrpc", received_at=old
    )
    Lease.objects.create(name="scheduler", owner="w:1:scheduler", until=old)
    answer = admin_client.get("/healthz")
    assert answer.status_code == 503
    problems = answer.json()["problems"]
    assert "1 pushed event(s) wait for a worker since" in problems[0]
    assert problems[1] == "no scheduler runs: start one worker with --scheduler"
    assert admin_client.get("/healthz?live=1").status_code == 200, "the webhook stays in"
    page = admin_client.get("/status/").content.decode()
    assert 'id="work-stuck"' in page and "no scheduler runs" in page
    queue_health.check()
    assert IntegrationEvent.objects.open().filter(kind="queue_stuck").exists()
    InboundEvent.objects.all().delete()
    Lease.objects.all().delete()
    queue_health.check()
    assert not IntegrationEvent.objects.open().filter(kind="queue_stuck").exists()
