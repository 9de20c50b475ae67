"""Event Push Service: settings, delivery, headers, stats and auto-disable (reference 3)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

import httpx

from psabridge.sandbox.runner import Sandbox

from .gzhelpers import Receiver, Rpc, push_settings

API_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def expected_md5(key: str, body: bytes) -> str:
    return hashlib.md5((key + hashlib.md5(body).hexdigest()).encode()).hexdigest()


def enable(rpc: Rpc, receiver: Receiver, **overrides: object) -> None:
    assert (
        rpc.result("push", "setPushEventSettings", push_settings(receiver.url, **overrides)) is True
    )


def stats(rpc: Rpc) -> dict:
    return rpc.result("push", "getPushEventStats", {})


def test_settings_round_trip_masks_authorization(rpc: Rpc, receiver: Receiver) -> None:
    assert rpc.result("push", "getPushEventSettings", {}) is None
    enable(rpc, receiver, subscribeToCompanies=[rpc.partner_id])
    settings = rpc.result("push", "getPushEventSettings", {})
    assert settings["status"] == 1 and settings["serviceType"] == "jsonRPC"
    assert settings["serviceSettings"]["authorization"] == "********"
    assert settings["serviceSettings"]["url"] == receiver.url
    assert settings["subscribeToCompanies"] == [rpc.partner_id]
    state = rpc.sandbox("GET", "state")["push"]
    assert state["url"] == receiver.url and state["authorization"] == "********"


def test_settings_validation(rpc: Rpc, receiver: Receiver) -> None:
    bad = [
        push_settings(receiver.url, serviceType="jsonrpc"),
        push_settings(receiver.url, status=2),
        push_settings("ftp://x", status=1),
        push_settings(receiver.url, subscribeToCompanies=[]),
        push_settings(receiver.url, subscribeToEventTypes=["av"]),
        {"status": 1},
    ]
    for params in bad:
        assert rpc.error("push", "setPushEventSettings", params)["code"] == -32602
    unknown_module = push_settings(receiver.url, subscribeToEventTypes={"av": True, "zz": True})
    assert rpc.result("push", "setPushEventSettings", unknown_module) is True


def test_delivery_headers_and_body(rpc: Rpc, receiver: Receiver) -> None:
    enable(rpc, receiver)
    generated = rpc.sandbox("POST", "alerts", {"count": 6, "non_alerts": 2})
    assert generated["queued"] == 8
    deliveries = rpc.sandbox("POST", "push/flush")["deliveries"]
    assert deliveries and all(d["outcome"] == "ok" for d in deliveries)
    assert sum(d["events"] for d in deliveries) + len(receiver.events()) >= 8
    first = receiver.requests[0]
    lowered = {k.lower(): v for k, v in first.headers.items()}
    assert lowered["authorization"] == "Bearer s3cret-token"
    assert "content-type" not in lowered
    assert lowered["event-push-service-md5"] == expected_md5(rpc.api_key, first.body)
    body = first.json()
    assert set(body) == {"jsonrpc", "method", "params", "id"}
    assert body["jsonrpc"] == "2.0" and body["method"] == "addEvents"
    assert isinstance(body["id"], int) and body["id"] > 1_600_000_000_000
    assert receiver.events() == generated["events"]


def test_batches_hold_at_most_batch_max(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client, receiver: Receiver
) -> None:
    rpc = Rpc(make_sandbox(push_batch_max=3), http)
    enable(rpc, receiver)
    rpc.sandbox("POST", "alerts", {"count": 30})
    rpc.sandbox("POST", "push/flush")
    sizes = [len(r.json()["params"]["events"]) for r in receiver.requests]
    assert sum(sizes) == 30 and max(sizes) <= 3 and len(sizes) >= 10
    modules = {e["module"] for r in receiver.requests for e in r.json()["params"]["events"]}
    assert len(modules) == 11
    counts = stats(rpc)["count"]
    assert counts["events"] == 30 and counts["sentMessages"] == len(sizes)


def test_stats_shape_and_reset(rpc: Rpc, receiver: Receiver) -> None:
    result = stats(rpc)
    assert set(result) == {"count", "error", "lastUpdateTime"}
    assert list(result["count"]) == ["events", "testEvents", "sentMessages", "errorMessages"]
    assert set(result["error"]) == {
        "configurationError", "connectionError", "serviceError", "statusCode2xx",
        "statusCode300", "statusCode400", "statusCode500", "timeout",
    }  # fmt: skip
    assert API_TIME.match(result["lastUpdateTime"])
    enable(rpc, receiver)
    receiver.statuses = [500, 204, 404]
    rpc.sandbox("POST", "alerts", {"count": 40})
    rpc.sandbox("POST", "push/flush")
    result = stats(rpc)
    errors = result["error"]
    assert errors["statusCode500"] == 1 and errors["statusCode2xx"] == 1
    assert errors["statusCode400"] == 1 and result["count"]["errorMessages"] == 3
    assert result["count"]["sentMessages"] == len(receiver.requests) - 3
    assert rpc.result("push", "resetPushEventStats", {}) is True
    assert stats(rpc)["count"] == dict.fromkeys(result["count"], 0)


def test_connection_error_and_missing_authorization(rpc: Rpc, receiver: Receiver) -> None:
    params = push_settings("http://127.0.0.1:9/push")
    rpc.result("push", "setPushEventSettings", params)
    rpc.sandbox("POST", "alerts", {"count": 1})
    rpc.sandbox("POST", "push/flush")
    assert stats(rpc)["error"]["connectionError"] == 1
    params = push_settings(receiver.url)
    del params["serviceSettings"]["authorization"]
    rpc.result("push", "setPushEventSettings", params)
    rpc.sandbox("POST", "alerts", {"count": 1})
    assert rpc.sandbox("POST", "push/flush")["deliveries"][0]["outcome"] == "configurationError"
    assert not receiver.requests


def test_auto_disable_after_more_than_100_failures(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client, receiver: Receiver
) -> None:
    rpc = Rpc(make_sandbox(push_batch_max=1), http)
    enable(rpc, receiver)
    receiver.default_status = 503
    rpc.sandbox("POST", "alerts", {"count": 110})
    rpc.sandbox("POST", "push/flush")
    result = stats(rpc)
    assert result["count"]["errorMessages"] == 101 == result["error"]["statusCode500"]
    assert rpc.result("push", "getPushEventSettings", {})["status"] == 0
    assert rpc.sandbox("GET", "state")["push"]["disabled_reason"] == "error_messages"
    assert rpc.sandbox("POST", "alerts", {"count": 3})["queued"] == 0
    receiver.default_status = 200
    enable(rpc, receiver)  # only a new setPushEventSettings resumes pushing
    rpc.sandbox("POST", "alerts", {"count": 2})
    rpc.sandbox("POST", "push/flush")
    assert stats(rpc)["count"]["events"] == 2


def test_auto_disable_after_three_hours_without_success(rpc: Rpc, receiver: Receiver) -> None:
    enable(rpc, receiver)
    receiver.statuses = [500]
    rpc.sandbox("POST", "alerts", {"count": 1})
    rpc.sandbox("POST", "push/flush")
    rpc.sandbox("POST", "clock", {"advance_seconds": 10799})
    assert rpc.result("push", "getPushEventSettings", {})["status"] == 1
    rpc.sandbox("POST", "clock", {"advance_seconds": 1})
    assert rpc.result("push", "getPushEventSettings", {})["status"] == 0
    assert rpc.sandbox("GET", "state")["push"]["disabled_reason"] == "no_success_3h"


def test_a_success_clears_the_three_hour_timer(rpc: Rpc, receiver: Receiver) -> None:
    enable(rpc, receiver, subscribeToEventTypes={"av": True})
    receiver.statuses = [500]
    rpc.sandbox("POST", "alerts", {"count": 1, "kinds": ["av"]})
    rpc.sandbox("POST", "push/flush")
    rpc.sandbox("POST", "alerts", {"count": 1, "kinds": ["av"]})
    rpc.sandbox("POST", "push/flush")
    rpc.sandbox("POST", "clock", {"advance_seconds": 4 * 3600})
    assert rpc.result("push", "getPushEventSettings", {})["status"] == 1


def test_filters_by_module_and_company(rpc: Rpc, receiver: Receiver, sandbox: Sandbox) -> None:
    world = sandbox.gravityzone.world
    with_endpoints = [
        c for c in world.companies.values() if c.type == 1 and world.endpoints_of(c.id)
    ]
    wanted, other = with_endpoints[0], with_endpoints[1]
    types = {"av": True, "fw": False}
    enable(rpc, receiver, subscribeToEventTypes=types, subscribeToCompanies=[wanted.id])
    fw = {"count": 4, "kinds": ["fw"], "company_id": wanted.id}
    assert rpc.sandbox("POST", "alerts", fw)["queued"] == 0
    elsewhere = {"count": 3, "kinds": ["av"], "company_id": other.id}
    assert rpc.sandbox("POST", "alerts", elsewhere)["queued"] == 0
    queued = rpc.sandbox("POST", "alerts", {"count": 3, "kinds": ["av"], "company_id": wanted.id})
    assert queued["queued"] == 3
    rpc.sandbox("POST", "push/flush")
    assert {e["companyId"] for e in receiver.events()} == {wanted.id}


def test_send_test_push_event(rpc: Rpc, receiver: Receiver) -> None:
    enable(rpc, receiver)
    params = {"eventType": "av", "data": {"malware_name": "Test malware name"}}
    event = rpc.result("push", "sendTestPushEvent", params)
    assert event["_testEvent_"] is True and event["module"] == "av"
    assert event["companyId"] == rpc.partner_id and event["malware_name"] == "Test malware name"
    rpc.sandbox("POST", "push/flush")
    assert receiver.events() == [event]
    assert stats(rpc)["count"]["testEvents"] == 1
    override = rpc.result(
        "push", "sendTestPushEvent", {"eventType": "hd", "data": {"companyId": "a" * 24}}
    )
    assert override["companyId"] == "a" * 24
    assert rpc.error("push", "sendTestPushEvent", {"eventType": "nope"})["code"] == -32602
    assert rpc.error("push", "sendTestPushEvent", {})["code"] == -32602


def test_omit_authorization_fault(rpc: Rpc, receiver: Receiver) -> None:
    enable(rpc, receiver)
    rpc.sandbox("POST", "push/faults", {"omit_authorization": True})
    rpc.sandbox("POST", "alerts", {"count": 1})
    rpc.sandbox("POST", "push/flush")
    assert "authorization" not in {k.lower() for k in receiver.requests[0].headers}


def test_splunk_qradar_and_cef_bodies(rpc: Rpc, receiver: Receiver) -> None:
    for service_type in ("splunk", "qradar", "cef"):
        receiver.requests.clear()
        enable(rpc, receiver, serviceType=service_type)
        generated = rpc.sandbox("POST", "alerts", {"count": 3})["events"]
        rpc.sandbox("POST", "push/flush")
        lines = [line for r in receiver.requests for line in r.body.decode().splitlines()]
        if service_type == "splunk":
            assert [json.loads(line) for line in lines] == [{"event": e} for e in generated]
        elif service_type == "qradar":
            assert [json.loads(line) for line in lines] == generated
        else:
            bodies = [r.json() for r in receiver.requests]
            assert all(b["cef"] == "0" for b in bodies)
            cef = [line for b in bodies for line in b["events"]]
            assert len(cef) == 3 and all(
                c.startswith("CEF:0|Bitdefender|GravityZone|") for c in cef
            )
        md5 = receiver.requests[0].headers["Event-Push-Service-Md5"]
        assert md5 == expected_md5(rpc.api_key, receiver.requests[0].body)


def test_background_sender_delivers_without_flush(rpc: Rpc, receiver: Receiver) -> None:
    enable(rpc, receiver)
    rpc.sandbox("POST", "alerts", {"count": 4})
    for _ in range(100):
        if len(receiver.events()) == 4:
            break
        httpx.get(f"{rpc.sandbox_url}/state")  # a short pause that also exercises state
    assert len(receiver.events()) == 4


def test_demo_alert_interval(
    make_sandbox: Callable[..., Sandbox], http: httpx.Client, receiver: Receiver
) -> None:
    rpc = Rpc(make_sandbox(alert_interval=0.05), http)
    enable(rpc, receiver)
    for _ in range(200):
        if receiver.requests:
            break
        httpx.get(f"{rpc.sandbox_url}/state")
    assert receiver.events()
