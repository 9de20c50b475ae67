"""Alert generator: the 11 modules, both outcomes, field formats, EDR re-sends (section 4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from psabridge.sandbox.gravityzone.events import ALERT_MODULES
from psabridge.sandbox.gravityzone.events_other import TEST_EVENT_TYPES
from psabridge.sandbox.gravityzone.generator import AlertRequest
from psabridge.sandbox.runner import Sandbox

from .gzhelpers import Rpc

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HEX24 = re.compile(r"^[0-9a-f]{24}$")
# Outcome field and the values of reference 4.3 (current values marked as ours in README).
OUTCOME = {
    "av": ("final_status", {"deleted", "quarantined", "blocked"}, {"ignored"}),
    "avc": ("status", {"avc_blocked"}, {"avc_detected"}),
    "antiexploit": ("detection_action", {"kill"}, {"report"}),
    "aph": ("status", {"aph_blocked"}, {"reportOnly"}),
    "new-incident": ("main_action", {"blocked"}, {"no action"}),
    "fw": (
        "status",
        {"portscan_blocked", "traffic_blocked"},
        {"portscan_detected", "traffic_detected"},
    ),
    "uc": ("status", {"uc_site_blocked"}, {"uc_site_detected"}),
    "network-monitor": ("actionTaken", {"block"}, {"reportOnly"}),
    "hd": ("final_status", {"quarantined"}, {"ignored"}),
}
TIME_FIELD = {
    "av": "timestamp", "avc": "last_blocked", "antiexploit": "detection_time",
    "aph": "last_blocked", "new-incident": "created", "fw": "last_blocked",
    "uc": "last_blocked", "network-monitor": "timestamp", "hd": "date",
}  # fmt: skip


def generate(sandbox: Sandbox, **kw: Any) -> list[Any]:
    return sandbox.gravityzone.generator.generate(AlertRequest(**kw))


@pytest.mark.parametrize("outcome", ["blocked", "current"])
@pytest.mark.parametrize("module", ALERT_MODULES)
def test_every_module_and_outcome(sandbox: Sandbox, module: str, outcome: str) -> None:
    world = sandbox.gravityzone.world
    for generated in generate(sandbox, count=8, kinds=(module,), outcome=outcome):
        event = generated.event
        assert event["module"] == module
        endpoint = world.endpoints[event["endpointId"]] if "endpointId" in event else None
        if module == "ransomware-mitigation":
            assert generated.outcome == "blocked"  # no action field (reference 4.12)
            assert isinstance(event["detected_on"], int) and isinstance(event["item_count"], str)
            assert event["company_name"] == world.companies[event["companyId"]].name
            assert set(event["user"]) == {"name", "sid"}
            continue
        assert generated.outcome == outcome
        if module == "network-sandboxing":
            assert isinstance(event["detectionTime"], int) and endpoint is not None
            assert "computer_id" not in event and "computer_fqdn" not in event
            assert event["computerName"] == endpoint.name
            expected = "1" if outcome == "blocked" else ""
            assert set(event["remediationActions"]) == {expected}
            assert all(isinstance(size, str) for size in event["fileSizes"])
            continue
        field, blocked, current = OUTCOME[module]
        assert event[field] in (blocked if outcome == "blocked" else current)
        assert ISO_MS_Z.match(event[TIME_FIELD[module]])
        assert HEX24.match(event["computer_id"]) and event["companyId"] in world.companies
        if endpoint is not None:
            assert event["computer_id"] != endpoint.id == event["endpointId"]
            assert event["computer_name"] == endpoint.name


def test_events_refer_to_real_endpoints(sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    by_computer = {e.computer_id: e for e in world.endpoints.values()}
    for generated in generate(sandbox, count=60):
        event = generated.event
        if "computer_id" in event:
            endpoint = by_computer[event["computer_id"]]
            assert endpoint.company_id == event["companyId"] and endpoint.is_managed


def test_field_variants_appear(sandbox: Sandbox) -> None:
    events = [g.event for g in generate(sandbox, count=300)]
    incidents = [e for e in events if e["module"] == "new-incident"]
    assert any("severity_score" in e for e in incidents)
    assert any("severityScore" in e for e in incidents)
    assert not any("severity_score" in e and "severityScore" in e for e in incidents)
    assert any("," in e.get("computer_ip", "") for e in events)
    users = {tuple(sorted(e["user"])) for e in events if isinstance(e.get("user"), dict)}
    assert users == {("id", "name"), ("name", "sid"), ("userName", "userSid")}


def test_edr_resend_escalates(sandbox: Sandbox) -> None:
    events = [g.event for g in generate(sandbox, count=0, edr_resend=True)]
    first, again = events
    assert first["incident_id"] == again["incident_id"]
    key = "severity_score" if "severity_score" in first else "severityScore"
    assert again[key] > first[key]
    assert len(again["attack_types"]) > len(first["attack_types"])
    third = generate(sandbox, count=0, edr_resend=True)
    assert len(third) == 1 and third[0].event["incident_id"] == first["incident_id"]


def test_non_alert_modules(sandbox: Sandbox) -> None:
    generated = generate(sandbox, count=0, non_alerts=10)
    modules = {g.event["module"] for g in generated}
    assert {"install", "registration", "modules", "dp", "device-control"} <= modules
    assert all(g.outcome is None for g in generated)
    device = next(g.event for g in generated if g.event["module"] == "device-control")
    assert "companyId" not in device


@pytest.mark.parametrize("event_type", TEST_EVENT_TYPES)
def test_test_event_templates(sandbox: Sandbox, event_type: str) -> None:
    generator = sandbox.gravityzone.generator
    event = generator.test_event(event_type, sandbox.gravityzone.partner_company_id, {})
    assert event["_testEvent_"] is True and event["module"] == event_type
    assert len(TEST_EVENT_TYPES) == 30


def test_alerts_over_http(rpc: Rpc, sandbox: Sandbox) -> None:
    endpoint = next(e for e in sandbox.gravityzone.world.endpoints.values() if e.is_managed)
    body = {"count": 11, "outcome": "current", "endpoint_id": endpoint.id, "edr_resend": True}
    result = rpc.sandbox("POST", "alerts", body)
    assert result["queued"] == 0  # push is not configured
    assert len(result["events"]) == len(result["outcomes"]) == 12
    assert {e["module"] for e in result["events"]} == set(ALERT_MODULES)
    assert all(e.get("companyId") == endpoint.company_id for e in result["events"])


@pytest.mark.parametrize(
    "body",
    [{"kinds": ["nope"]}, {"outcome": "maybe"}, {"company_id": "f" * 24}, {"count": "3"}, [1]],
)
def test_alerts_bad_request(rpc: Rpc, body: Any) -> None:
    response = rpc.http.post(f"{rpc.sandbox_url}/alerts", json=body)
    assert response.status_code == 400 and "error" in response.json()


def test_unknown_inspection_route(rpc: Rpc) -> None:
    assert rpc.http.get(f"{rpc.sandbox_url}/nope").status_code == 404
    assert rpc.http.get(f"{rpc.sandbox_url}/alerts").status_code == 405


def test_random_batches(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox()
    batch = sandbox.gravityzone.generator.random_batch(5)
    assert 1 <= len([g for g in batch if g.outcome is not None]) <= 5


def test_alerts_for_an_endpoint_named_by_its_computer_id(sandbox: Sandbox, rpc: Rpc) -> None:
    endpoint = next(e for e in sandbox.gravityzone.world.endpoints.values() if e.is_managed)
    body = {"count": 2, "endpoint_id": endpoint.computer_id, "kinds": ["av"]}
    answer = rpc.sandbox("POST", "alerts", body)
    assert {e["computer_id"] for e in answer["events"]} == {endpoint.computer_id}
