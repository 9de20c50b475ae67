"""The UI's actions through the REST API against the sandbox, with token scopes (R7.4)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from psabridge.server.billing.models import BillingRun
from psabridge.server.core import events as event_service
from psabridge.server.core.models import ApiToken, IntegrationEvent
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping


def _client(scope: str) -> Client:
    raw = f"api-{scope}-token"
    ApiToken.objects.create(
        name=scope, token_sha256=hashlib.sha256(raw.encode()).hexdigest(), scope=scope
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def admin(world: Any) -> Client:
    return _client("admin")


@pytest.fixture
def reader(world: Any) -> Client:
    return _client("read")


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def test_a_read_token_reads_but_never_acts(reader):
    assert reader.get("/api/mappings").status_code == 200
    assert reader.get("/api/push").status_code == 200
    for path in ("/api/mappings/refresh", "/api/push/check", "/api/events/recheck"):
        assert post(reader, path).status_code == 401, path


def test_confirm_update_import_and_delete_mappings(admin, world):
    free = [r for r in services.rows("halopsa", "unmapped") if r.psa and r.suggestion]
    row = free[0]
    body = {"psa_client_id": row.psa.client_id, "company_id": row.suggestion.company.id}
    made = post(admin, "/api/mappings/confirm", body)
    assert made.status_code == 200, made.content
    assert made.json()["company_name"] == row.suggestion.company.name
    assert post(admin, "/api/mappings/confirm", body).status_code == 409  # already mapped
    unknown = {"psa_client_id": "nope", "company_id": row.suggestion.company.id}
    assert post(admin, "/api/mappings/confirm", unknown).status_code == 404
    mapping_id = made.json()["id"]
    change = {"changes": [{"id": mapping_id, "billing": False, "ticketing": False}]}
    updated = post(admin, "/api/mappings/update", {**change, "only": [mapping_id]})
    assert updated.json() == {"changed": [mapping_id], "conflicts": []}
    assert not Mapping.objects.get(pk=mapping_id).ticketing
    assert post(admin, "/api/mappings/update", {**change, "only": []}).status_code == 400
    unmapped = next(r.psa for r in services.rows("halopsa", "unmapped") if r.psa)
    imported = post(admin, "/api/mappings/import", {"psa_client_ids": [unmapped.client_id]})
    assert imported.status_code == 200, imported.content
    [created] = imported.json()
    assert created["company_name"] == unmapped.name
    assert created["company_id"] in world.sandbox.gravityzone.world.companies
    assert admin.delete(f"/api/mappings/{mapping_id}").status_code == 204
    assert admin.delete(f"/api/mappings/{mapping_id}").status_code == 404


def test_push_enable_check_and_state(admin):
    enabled = post(admin, "/api/push/enable")
    assert enabled.status_code == 200, enabled.content
    state = enabled.json()
    assert state["enabled_by_us"] and state["points_here"] and state["status"] == 1
    checked = post(admin, "/api/push/check").json()
    assert checked["points_here"] and checked["checked_at"]
    assert admin.get("/api/push").json()["url"] == state["url"]
    assert post(admin, "/api/push/test", {"module": "nope"}).status_code == 400
    assert post(admin, "/api/push/test", {"module": "av"}).status_code == 200


def test_a_test_ticket_through_the_api(admin, world):
    answer = post(admin, "/api/ticketing/test", {"kind": "antimalware"})
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert result["ok"] and result["ticket_id"], result
    assert post(admin, "/api/ticketing/test", {"kind": "nope"}).status_code == 400


def test_resolve_an_event_that_psabridge_can_fix_and_one_fixed_on_a_page(admin):
    event_service.raise_event("alerts_unmapped_company", scope="halopsa:x", message="waiting")
    event = IntegrationEvent.objects.get(kind="alerts_unmapped_company")
    answer = post(admin, f"/api/events/{event.pk}/resolve").json()
    assert answer["page"] == "/mappings/"
    event_service.raise_event("push_disabled", message="push status 0")
    pushed = IntegrationEvent.objects.get(kind="push_disabled")
    result = post(admin, f"/api/events/{pushed.pk}/resolve").json()
    assert result["page"] is None and result["outcome"]
    assert post(admin, "/api/events/999999/resolve").status_code == 404


def test_collect_then_runs_and_their_ledger(admin, world):
    started = post(admin, "/api/billing/collect", {}).json()
    assert started["month"] and "background" in started["result"]
    assert post(admin, "/api/billing/collect", {"month": "2026-13"}).status_code == 400
    assert admin.get("/api/billing/runs").json() == []
    run = BillingRun.objects.create(
        system="halopsa", month=started["month"], push=True, started_at=timezone.now()
    )
    run.entries.create(company_id="c", company_name="C", invoice_id="9", action="create")
    detail = admin.get(f"/api/billing/runs/{run.pk}").json()
    assert detail["entries"][0]["action"] == "create" and detail["month"] == started["month"]
    assert admin.get("/api/billing/runs/999999").status_code == 404
