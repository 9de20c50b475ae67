"""REST API: authentication, alert filters, OpenAPI document."""

from __future__ import annotations

import hashlib

import pytest

from psabridge.server.core.models import ApiToken
from tests.conftest import add_events

pytestmark = pytest.mark.django_db
EVENTS = [
    {
        "module": "av",
        "companyId": "a" * 24,
        "computer_name": "WS-1",
        "final_status": "deleted",
        "timestamp": "2026-11-01T10:00:00.000Z",
        "malware_name": "X",
    },
    {
        "module": "fw",
        "companyId": "b" * 24,
        "computer_name": "WS-2",
        "status": "traffic_blocked",
        "last_blocked": "2026-11-02T10:00:00.000Z",
    },
    {
        "module": "network-monitor",
        "companyId": "b" * 24,
        "computer_name": "WS-3",
        "actionTaken": "reportOnly",
        "timestamp": "2026-11-03T10:00:00.000Z",
    },
]


def test_alerts_api_needs_authentication(client):
    assert client.get("/api/alerts").status_code == 401


def test_alerts_api_filters(admin_client, post_push):
    post_push(add_events(*EVENTS))
    everything = admin_client.get("/api/alerts").json()
    assert everything["total"] == 3
    assert [a["kind"] for a in everything["items"]] == [
        "network_attack_defense",
        "firewall",
        "antimalware",
    ]
    assert admin_client.get("/api/alerts?outcome=current").json()["total"] == 1
    assert admin_client.get(f"/api/alerts?company_id={'b' * 24}").json()["total"] == 2
    assert (
        admin_client.get("/api/alerts?kind=firewall").json()["items"][0]["endpoint_name"] == "WS-2"
    )
    assert admin_client.get("/api/alerts?since=2026-11-02T00:00:00Z").json()["total"] == 2
    assert admin_client.get("/api/alerts?limit=1&offset=1").json()["items"][0]["kind"] == "firewall"


@pytest.mark.parametrize(
    "query", ["kind=nope", "outcome=maybe", "since=yesterday", "limit=0", "limit=9999", "offset=-1"]
)
def test_alerts_api_rejects_bad_filters(admin_client, query):
    answer = admin_client.get(f"/api/alerts?{query}")
    assert answer.status_code in (400, 422)
    assert answer.json()["detail"]


def test_alert_detail_has_raw_event(admin_client, post_push):
    post_push(add_events(EVENTS[0]))
    alert_id = admin_client.get("/api/alerts").json()["items"][0]["id"]
    detail = admin_client.get(f"/api/alerts/{alert_id}").json()
    assert detail["raw_event"]["malware_name"] == "X"
    assert admin_client.get("/api/alerts/999999").status_code == 404


def test_bearer_token(client, db):
    ApiToken.objects.create(name="ci", token_sha256=hashlib.sha256(b"tok-123").hexdigest())
    assert client.get("/api/alerts", HTTP_AUTHORIZATION="Bearer tok-123").status_code == 200
    assert client.get("/api/alerts", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_openapi_document(admin_client):
    docs = admin_client.get("/api/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page  # served here
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert admin_client.get(f"/static/ninja/{asset}").status_code == 200, asset
    schema = admin_client.get("/api/openapi.json").json()
    assert "/api/alerts" in schema["paths"]


def test_the_openapi_document_is_not_public(client, db):
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/docs").status_code == 401
    ApiToken.objects.create(name="ci", token_sha256=hashlib.sha256(b"tok-9").hexdigest())
    assert client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer tok-9").status_code == 200


def test_token_scopes_expiry_and_revocation(client, db):
    from datetime import timedelta

    from django.utils import timezone

    def token(name: str, **fields) -> str:
        ApiToken.objects.create(
            name=name, token_sha256=hashlib.sha256(name.encode()).hexdigest(), **fields
        )
        return f"Bearer {name}"

    reader, admin = token("reader", scope="read"), token("admin", scope="admin")
    assert client.get("/api/events", HTTP_AUTHORIZATION=reader).status_code == 200
    assert client.post("/api/events/recheck", HTTP_AUTHORIZATION=reader).status_code == 401
    assert client.post("/api/events/recheck", HTTP_AUTHORIZATION=admin).status_code == 200
    old = token("old", expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/events", HTTP_AUTHORIZATION=old).status_code == 401
    gone = token("gone", revoked_at=timezone.now())
    assert client.get("/api/events", HTTP_AUTHORIZATION=gone).status_code == 401


def test_events_api_lists_and_ignores(admin_client):
    from psabridge.server.core import events as event_service

    event = event_service.raise_event("push_disabled")
    listed = admin_client.get("/api/events").json()
    assert [e["kind"] for e in listed] == ["push_disabled"]
    assert admin_client.get("/api/events?state=bogus").status_code == 400
    assert admin_client.post(f"/api/events/{event.pk}/ignore").json()["state"] == "ignored"
    assert admin_client.get("/api/events").json() == []
    assert admin_client.post("/api/events/recheck").json()["result"] == "nothing is configured yet"


def test_mappings_api_without_a_psa(admin_client):
    assert admin_client.get("/api/mappings").json() == {
        "system": None,
        "unmapped_companies": 0,
        "items": [],
    }
    assert admin_client.post("/api/mappings/refresh").status_code == 409
