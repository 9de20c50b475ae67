"""GravityZone connection and push management through the sandbox and a live server (R1.1, R6)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from psabridge.sandbox.runner import Sandbox
from psabridge.server.alerts import push
from psabridge.server.alerts.models import Alert, InboundEvent
from psabridge.server.alerts.receiver import forget_receivers
from psabridge.server.core import connections
from psabridge.server.core.models import Connection, IntegrationEvent, OutboundCall
from tests.conftest import reset_rate_budgets
from tests.support.stack import free_port

ALERT_MODULES = [
    "av",
    "avc",
    "antiexploit",
    "aph",
    "new-incident",
    "fw",
    "uc",
    "network-sandboxing",
    "ransomware-mitigation",
    "network-monitor",
    "hd",
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limits=False, companies=6, endpoints=60) as running:
        yield running


@pytest.fixture
def gz(sandbox: Sandbox) -> dict[str, str]:
    return sandbox.info()["gravityzone"]


def sandbox_post(gz: dict[str, str], path: str, body: dict | None = None) -> dict:
    answer = httpx.post(f"{gz['sandbox_url']}/{path}", json=body or {}, timeout=30)
    answer.raise_for_status()
    return answer.json()


@pytest.fixture
def connected(transactional_db: None, gz: dict[str, str], live_server, settings) -> Connection:
    """A saved, valid connection, and our receiver reachable at the live server."""
    settings.PUBLIC_URL = live_server.url
    forget_receivers()
    result = connections.validate_gravityzone(gz["base_url"], gz["api_key"])
    return connections.save_gravityzone(gz["base_url"], gz["api_key"], result)


@pytest.mark.django_db
def test_validate_outcomes(gz):
    assert connections.validate_gravityzone(gz["base_url"], gz["api_key"]).outcome == "ok"
    assert connections.validate_gravityzone(gz["base_url"], "0" * 32).outcome == "invalid_key"
    closed = f"http://127.0.0.1:{free_port()}/api"
    assert connections.validate_gravityzone(closed, gz["api_key"]).outcome == "cannot_connect"
    limited = sandbox_post(
        gz, "keys", {"services": ["general", "network", "companies", "licensing"]}
    )
    result = connections.validate_gravityzone(gz["base_url"], limited["api_key"])
    assert result.outcome == "missing_permission"
    assert "push" in result.missing_services
    assert "push" in result.message.lower()


@pytest.mark.django_db
def test_save_refuses_credentials_that_do_not_validate(admin_client, gz):
    answer = admin_client.post(
        "/connections/gravityzone/save", {"access_url": gz["base_url"], "api_key": "f" * 32}
    )
    assert answer.status_code == 200
    assert "Invalid API key" in answer.content.decode()
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_save_validate_and_replace_without_showing_the_key(admin_client, gz, caplog):
    caplog.set_level(logging.DEBUG)
    answer = admin_client.post(
        "/connections/gravityzone/save", {"access_url": gz["base_url"], "api_key": gz["api_key"]}
    )
    assert answer.status_code == 302
    connection = Connection.objects.get()
    assert connection.is_valid
    assert gz["api_key"] not in connection.credentials_encrypted
    assert connection.credentials()["api_key"] == gz["api_key"]
    page = admin_client.get("/connections/gravityzone/").content.decode()
    assert gz["api_key"] not in page and gz["api_key"][-4:] in page
    # A blank key keeps the stored one; Validate works on it too.
    fragment = admin_client.post(
        "/connections/gravityzone/validate", {"access_url": gz["base_url"], "api_key": ""}
    ).content.decode()
    assert 'data-outcome="ok"' in fragment
    assert (
        admin_client.post(
            "/connections/gravityzone/save", {"access_url": gz["base_url"], "api_key": ""}
        ).status_code
        == 302
    )
    assert Connection.objects.get().credentials()["api_key"] == gz["api_key"]
    for path in ("/", "/connections/", "/status/", "/events/", "/mappings/"):
        assert gz["api_key"] not in admin_client.get(path).content.decode()
    assert gz["api_key"] not in caplog.text
    audit = " ".join(f"{c.path} {c.error}" for c in OutboundCall.objects.all())
    assert OutboundCall.objects.exists() and gz["api_key"] not in audit


@pytest.mark.django_db
def test_validate_fragment_reports_bad_input(admin_client):
    fragment = admin_client.post(
        "/connections/gravityzone/validate", {"access_url": "not a url", "api_key": "short"}
    ).content.decode()
    assert 'data-outcome="form_error"' in fragment and "Access URL" in fragment


def test_company_tree_is_cached(connected):
    assert connections.refresh_companies() >= 6
    from psabridge.server.core.models import SecurityCompany

    assert SecurityCompany.objects.filter(company_type=1).count() >= 6


def test_enable_push_then_every_kind_and_outcome_arrives_normalized(connected, gz):
    state = push.enable_push()
    assert state.status == 1 and state.points_here
    sim_state = httpx.get(f"{gz['sandbox_url']}/state", timeout=10).json()
    assert push.receiver_url(push.receiver()) in str(sim_state)
    for outcome in ("blocked", "current"):
        sandbox_post(gz, "alerts", {"count": 22, "kinds": ALERT_MODULES, "outcome": outcome})
    deliveries = sandbox_post(gz, "push/flush")
    assert deliveries["queue_length"] == 0
    pairs = set(Alert.objects.values_list("module", "outcome"))
    expected = {(m, o) for m in ALERT_MODULES for o in ("blocked", "current")}
    # Ransomware has no action field and is always blocked (reference 4.12).
    expected.discard(("ransomware-mitigation", "current"))
    assert expected <= pairs
    assert len(set(Alert.objects.values_list("kind", flat=True))) == 11
    assert not InboundEvent.objects.filter(state="pending").exists()


def test_push_auto_disable_is_noticed_and_re_enable_resolves_it(connected, gz):
    push.enable_push()
    push.rotate_secret()  # GravityZone still sends the old secret: every delivery now fails (401)
    sandbox_post(gz, "alerts", {"count": 1})
    sandbox_post(gz, "push/flush")
    sandbox_post(gz, "clock", {"advance_seconds": 10800})
    state = push.check_push()
    assert state.status == 0
    assert state.stats["error_messages"] >= 1
    event = IntegrationEvent.objects.open().get(kind="push_disabled")
    assert "Re-enable" in event.action or "re-enable" in event.action.lower()
    reset_rate_budgets()  # a minute passes in real life: push methods allow 5 calls a minute
    push.enable_push()
    assert not IntegrationEvent.objects.open().filter(kind="push_disabled").exists()
    sandbox_post(gz, "alerts", {"count": 3, "outcome": "blocked"})
    sandbox_post(gz, "push/flush")
    assert push.check_push().status == 1
    assert Alert.objects.exists()


def test_test_event_is_flagged(connected, gz):
    push.enable_push()
    push.send_test_event("av")
    sandbox_post(gz, "push/flush")
    assert Alert.objects.filter(is_test=True, module="av").exists()


def test_status_page_shows_push_stats_and_health(connected, gz, client):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "", "pw-123456789")
    client.login(username="admin", password="pw-123456789")
    push.enable_push()
    sandbox_post(gz, "alerts", {"count": 2})
    sandbox_post(gz, "push/flush")
    push.check_push()
    page = client.get("/status/").content.decode()
    assert "GravityZone push service" in page and "Messages sent" in page
    assert "gravityzone" in page
    secret = push.receiver().authorization()
    for path in ("/status/", "/connections/gravityzone/", "/alerts/"):
        assert secret not in client.get(path).content.decode()
