"""Status page (R7.2): one row per configured outside system, ConnectWise and Automate included."""

from __future__ import annotations

import pytest
from django.utils import timezone

from psabridge.connectors.ports import ValidationResult
from psabridge.server.core import connections
from psabridge.server.core.models import SystemHealth
from psabridge.server.dashboard.status import status_context

pytestmark = pytest.mark.django_db

CW = {
    "site_url": "https://na.example.net",
    "company_id": "bluewave",
    "public_key": "pub-1234",
    "private_key": "priv-secret-9876",
    "client_id": "0f0f-aaaa",
}
AUTOMATE = {
    "server_url": "https://automate.example.net",
    "username": "psabridge",
    "password": "automate-secret-5555",
    "client_id": "1e1e-bbbb",
}


def _save_both() -> None:
    connections.save("connectwise", CW, ValidationResult("ok", "ok"))
    connections.save("automate", AUTOMATE, ValidationResult("invalid_key", "bad password"))


def test_configured_systems_are_listed_before_any_call(admin_client):
    _save_both()
    rows = {row["system"]: row for row in status_context()["systems"]}
    assert set(rows) == {"connectwise", "automate"}
    assert rows["connectwise"]["label"] == "ConnectWise PSA"
    assert rows["automate"]["health"].consecutive_failures == 0
    html = admin_client.get("/status/").content.decode()
    assert "ConnectWise PSA" in html and "ConnectWise Automate" in html
    assert "invalid_key" in html
    for secret in ("priv-secret-9876", "automate-secret-5555"):
        assert secret not in html


def test_health_of_a_failing_system_is_shown(admin_client):
    _save_both()
    SystemHealth.objects.create(
        system="connectwise",
        last_error_at=timezone.now(),
        last_error="429 Too many requests",
        consecutive_failures=3,
        last_rate_limited_at=timezone.now(),
        calls_total=12,
    )
    html = admin_client.get("/status/").content.decode()
    assert "429 Too many requests" in html
    assert "last 429" in html
    row = next(r for r in status_context()["systems"] if r["system"] == "connectwise")
    assert row["health"].consecutive_failures == 3


def test_nothing_configured_says_so(admin_client):
    assert "No outside system is configured yet." in admin_client.get("/status/").content.decode()
